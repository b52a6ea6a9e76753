# Media through a real sfu-worker, driven over its Unix socket as the nginx
# module would (no nginx here): a publisher and a subscriber on loopback,
# aiortc 1.4 on both ends, then GStreamer webrtcbin on both ends (a
# bundle-only m-line; VP8 key frames only on request, so the worker's PLI
# is what starts the subscriber's video; 1400-byte packets).  The
# subscriber must decode audio and video frames.  The peers are
# t/media/aiortc_call.py and t/media/gst_call.py.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use Test::More;
use SFUTest::Worker;

my $python = '/usr/bin/python3';   # Debian's, with python3-aiortc and python3-gst-1.0

sub have { system($python, '-c', $_[0]) == 0 }

sub call {
    my ($script, $sock) = @_;
    my $out = `timeout 120 $python $FindBin::Bin/media/$script $sock 60 2>/dev/null`;
    my ($line) = grep { /^\{/ } split /\n/, $out // '';
    return $line ? decode_json($line) : { error => "no result from $script" };
}

my @stacks = (
    [ 'aiortc', 'aiortc_call.py', 'import aiortc' ],
    [ 'GStreamer', 'gst_call.py',
      'import gi; gi.require_version("GstWebRTC", "1.0"); gi.require_version("Nice", "0.1")' ],
);

for my $stack (@stacks) {
    my ($name, $script, $probe) = @$stack;
  SKIP: {
        skip "$name is not installed for $python", 6 unless have($probe);
        my $w = SFUTest::Worker->start('--rtc-listen', '127.0.0.1');
        my $got = call($script, $w->path);
        is($got->{error}, undef, "$name: the call ran") or diag explain $got;
        cmp_ok($got->{frames}{video} // 0, '>=', 30, "$name: the subscriber decoded video frames");
        cmp_ok($got->{frames}{audio} // 0, '>=', 30, "$name: the subscriber decoded audio frames");
        my ($alice, $bob) = @{ $got->{stats}{participants} // [] };
        is_deeply([ map { $_->{codec} } @{ $alice->{tracks} // [] } ],
                  $name eq 'aiortc' ? [ qw(opus VP8) ] : [ qw(VP8 opus) ],
                  "$name: the publisher's tracks, in its m-line order");
        ok(!grep({ !$_->{active} || !$_->{packets} } @{ $bob->{subscriptions} // [ {} ] }),
           "$name: both subscriptions active and forwarding");
        is($w->stop, 0, "$name: the worker exits cleanly");
    }
}

done_testing();
