# A call where one participant can only use ICE-TCP, with the worker on
# its shared port (sfu-worker --rtc-udp-port, which also listens on TCP at
# that port number): GStreamer webrtcbin limited to ICE-TCP (its libnice
# agent's ice-udp off; it connects out from its active candidates to the
# worker's passive one) and aiortc over UDP.  Each decodes the other's
# audio and video, and the worker's stats show the TCP participant's two
# peer connections on TCP pairs ending at the shared port, the other's on
# UDP at the same port.

use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";

use SFUTest::Stack;

SFUTest::Stack::skip_unless_ready();

# the shared port whatever SFU_TEST_UDP_MUX says: it is what is tested
my $s = SFUTest::Stack->start(workers => 1, udp_mux => 1);
my $room = $s->create_room(name => 'ice-tcp');
my $port = $s->udp_mux_port(0);

my ($tina, $alice) = $s->join_peers($room, {expect => 1},
                                    [gst => 'tina', '--tcp-only'],
                                    [aiortc => 'alice']);
ok($s->wait_met(120, $tina, $alice),
   'tina (ICE-TCP only) and alice (UDP) decode each other')
    or diag $s->describe;
ok($s->media_ok(10, $tina, $alice), 'audio and video both ways');

my $st = $s->api(GET => "/api/v1/rooms/$room/stats");
my %by_id = map { $_->{participant_id} => $_ } @{ $st->{json}{stats}{participants} // [] };
for my $p ([$tina, 'tcp'], [$alice, 'udp']) {
    my ($peer, $proto) = @$p;
    my $e = $by_id{ $peer->participant_id // '' } // {};
    is_deeply([ map { $_->{local} // '' } @$e{qw(publish subscribe)} ],
              [ ("127.0.0.1:$port $proto") x 2 ],
              $peer->name . "'s two peer connections: $proto at the shared port $port")
        or diag explain $st->{json};
}
my $tina_e = $by_id{ $tina->participant_id // '' } // {};
ok(($tina_e->{publish}{packets_in} // 0) > 0
   && ($tina_e->{subscribe}{packets_out} // 0) > 0,
   '... media went both ways over the TCP pairs')
    or diag explain $tina_e;

$s->leave_all;
is($_->summary->{exit}, 0, $_->name . ' exits 0') for $tina, $alice;

done_testing();
