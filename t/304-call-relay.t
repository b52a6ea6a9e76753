# A browser that may only use TURN: a Chromium participant forced to
# iceTransportPolicy "relay" holds a call with an aiortc one through the
# patched coturn, configured as an edge runs it (an SFU-only relay, here
# to the workers' 127.0.0.1), with the credentials the join endpoint
# minted.  Both decode each other; Chromium's selected pairs are relay
# candidates, the worker sees it at coturn's relay ports, and coturn
# logged its allocations under the participant's name.

use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use SFUTest::Chromium;
use SFUTest::Stack;

SFUTest::Stack::skip_unless_ready();
if (my $why = SFUTest::Chromium::unavailable()) { plan skip_all => $why }

my $s = SFUTest::Stack->start(workers => 1, turn => 1);
my $room = $s->create_room(name => 'relay');

# both stay in the call until told to leave
my ($rita, $alice) = $s->join_peers($room, {}, [chromium => 'rita', '--relay-only', '--linger', 120],
                                    [aiortc => 'alice', '--linger', 120]);
ok($s->wait_met(120, $rita, $alice), 'the relayed browser and aiortc decode each other')
    or diag $s->describe;
ok($s->media_ok(10, $rita, $alice), 'audio and video both ways');

for my $pc (qw(publish subscribe)) {
    my $e = $rita->wait_for(sub { $_[0]{event} eq 'ice-pair' && $_[0]{pc} eq $pc }, 30);
    like($e && $e->{local}, qr/^relay 127\.0\.0\.1:\d+ udp$/,
         "rita's $pc connection runs from a relay candidate");
}

my ($lo, $hi) = @{ $s->turn->{relay_ports} };
my $stats = $s->api(GET => "/api/v1/rooms/$room/stats")->{json}{stats}{participants} || [];
my ($seen) = grep { $_->{participant_id} eq ($rita->participant_id // '') } @$stats;
for my $pc (qw(publish subscribe)) {
    my $remote = $seen->{$pc}{remote} // '';
    my ($port) = $remote =~ /^127\.0\.0\.1:(\d+) udp$/;
    ok($port && $port >= $lo && $port <= $hi,
       "the worker's $pc transport has rita at a coturn relay port ($remote, relay ports $lo-$hi)");
}

# coturn's allocation records (redis-statsdb) name the participant the
# module minted the credential for
my $realm = $s->turn_realm;
my $id = $rita->participant_id // 'none';
my @allocations = SFUTurn::redis_cli({ port => $ENV{TEST_NGINX_REDIS_PORT} }, 'KEYS',
                                     "turn/realm/$realm/user/*:$id/allocation/*/status");
cmp_ok(scalar @allocations, '>=', 1, "coturn holds allocations for rita's minted username")
    or diag SFUTurn::redis_cli({ port => $ENV{TEST_NGINX_REDIS_PORT} }, 'KEYS', "turn/realm/$realm/*");

$s->leave_all;
is($_->summary->{exit}, 0, $_->name . ' exits 0') for $rita, $alice;

done_testing();
