# A 3-participant call of different WebRTC stacks: aiortc, GStreamer
# webrtcbin and headless Chromium.  Every participant decodes every other
# one's video and audio.  The first two are in a call before the third
# joins, so its arrival is a renegotiation of both their subscribe pcs.
#
# The third participant is t/peers/chromium_peer: headless Chromium with
# the browser SDK, sending and reading the same stamped video and tone as
# the others (t/peers/README.md).

use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use SFUTest::Chromium;
use SFUTest::Stack;

SFUTest::Stack::skip_unless_ready();
if (my $why = SFUTest::Chromium::unavailable()) { plan skip_all => $why }

my $s = SFUTest::Stack->start(workers => 1);
my $room = $s->create_room(name => 'mixed');

my ($alice, $gina) = $s->join_peers($room, {expect => 2},
                                    [aiortc => 'alice'], [gst => 'gina']);
# the two see each other before the third comes
my $two = 1;
for ([$alice, $gina], [$gina, $alice]) {
    my ($r, $from) = @$_;
    $two &&= $from->wait_event('joined', 60) && $r->wait_for(sub {
        $_[0]{event} eq 'first-frame' && $_[0]{kind} eq 'video'
            && $_[0]{from} eq ($from->participant_id // '') }, 60);
}
ok($two, 'aiortc and GStreamer decode each other\'s video')
    or diag $s->describe;

my ($carol) = $s->join_peers($room, {expect => 2}, [chromium => 'chloe']);
ok($s->wait_met(120, $alice, $gina, $carol),
   'each of the three decodes the other two');
ok($s->media_ok(10, $alice, $gina, $carol), 'full mesh of audio and video');

$s->leave_all;
is($_->summary->{exit}, 0, $_->name . ' exits 0') for $alice, $gina, $carol;

done_testing();
