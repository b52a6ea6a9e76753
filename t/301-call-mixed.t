# A 3-participant call of different WebRTC stacks: aiortc, GStreamer
# webrtcbin and headless Chromium.  Every participant decodes every other
# one's video and audio.  The first two are in a call before the third
# joins, so its arrival is a renegotiation of both their subscribe pcs.
#
# Chromium hook: the third participant is t/peers/chromium_peer (the SDK
# work: a program with the command line and output of t/peers/README.md
# driving headless Chromium with fake devices).  Until it exists, a second
# GStreamer participant takes its place, so the 3-party path is tested
# either way.  See %SFUTest::Stack::PEERS.

use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use SFUTest::Stack;

SFUTest::Stack::skip_unless_ready();

my $third = SFUTest::Stack::peer_available('chromium')
    ? [chromium => 'chloe'] : [gst => 'gus'];
note("third participant: $third->[0]"
     . ($third->[0] eq 'chromium' ? '' : ' (t/peers/chromium_peer not there yet)'));

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

my ($carol) = $s->join_peers($room, {expect => 2}, $third);
ok($s->wait_met(120, $alice, $gina, $carol),
   'each of the three decodes the other two');
ok($s->media_ok(10, $alice, $gina, $carol), 'full mesh of audio and video');

$s->leave_all;
is($_->summary->{exit}, 0, $_->name . ' exits 0') for $alice, $gina, $carol;

done_testing();
