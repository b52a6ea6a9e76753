# A subscribe connection whose consent is lost recovers without a rejoin.
# Three participants in a call: alice (aiortc), bob (aiortc) and gina
# (GStreamer webrtcbin).  In turn, bob and gina stop hearing anything on
# their subscribe peer connection (bob's sockets drop what arrives, gina's
# ICE stream is closed under webrtcbin), so the worker's consent checks go
# unanswered and, 30-36 s later on the worker's shared port (10-16 s
# with a libnice agent per peer connection: t/316), that subscribe
# transport fails.  The worker makes a new one and sends an offer marked
# new_connection; the peer answers from a new peer connection (gina: a
# new webrtcbin) and decodes alice again, in the same session (same
# participant, no join), while alice goes on decoding it throughout.
# Then a Chromium participant whose subscribe peer connection closes gets
# a new one through the SDK.
# sfu/PROTOCOL.md, "A failed subscribe connection".

use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use SFUTest::Chromium;
use SFUTest::Stack;

SFUTest::Stack::skip_unless_ready();

my $s = SFUTest::Stack->start(workers => 1);
my $room = $s->create_room(name => 'subscribe renewal');

my ($alice, $bob, $gina) = $s->join_peers($room, {}, [aiortc => 'alice', '--linger', 240],
                                          [aiortc => 'bob', '--linger', 240],
                                          [gst => 'gina', '--linger', 240]);
ok($s->wait_met(120, $alice, $bob, $gina), 'alice, bob and gina decode each other') or diag $s->describe;

for my $peer ($bob, $gina) {
    my ($name, $id) = ($peer->name, $peer->participant_id);
    my $before = $s->media_from($peer, $alice, 0);
    my $alice_before = $s->media_from($alice, $peer, 0);
    $peer->command('drop-subscribe');
    my $dropped = $peer->wait_for(sub { $_[0]{event} eq 'subscribe-dropped' }, 10);
    cmp_ok($dropped && $dropped->{dropped}, '>', 0, "$name stops hearing on the subscribe connection");

    ok($peer->wait_for(sub { $_[0]{event} eq 'subscribe-renewed' }, 60),
       "the worker notices the lost consent and offers $name a new subscribe connection")
        or diag $s->describe;
    like($s->worker_log(0), qr/participant \Q$id\E: subscribe transport failed, offering a new connection/,
         '... the worker says why');

    my $got = $s->media_from($peer, $alice, $before->{video} + 50, 90);
    cmp_ok($got->{video}, '>=', $before->{video} + 50,
           "$name decodes alice's video again ($before->{video} -> $got->{video} frames)");
    cmp_ok($got->{audio}, '>=', $before->{audio} + 50,
           "... and her audio ($before->{audio} -> $got->{audio} audible frames)");
    is($peer->participant_id, $id, '... as the same participant');
    ok(!(grep { $_->{event} eq 'rest-joined' && ($_->{session} // 1) > 1 } $peer->events),
       '... without joining again');
    ok(!(grep { $_->{event} eq 'message-failed'
                || ($_->{event} eq 'server' && ($_->{message}{type} // '') eq 'error') } $peer->events),
       '... with every message handled and no error');

    my $alice_got = $s->media_from($alice, $peer, $alice_before->{video} + 50, 60);
    cmp_ok($alice_got->{video}, '>=', $alice_before->{video} + 50,
           "alice went on decoding ${name}'s video ($alice_before->{video} -> $alice_got->{video} frames)");

    my $list = $s->api(GET => "/api/v1/rooms/$room/participants")->{json}{participants} // [];
    my ($entry) = grep { $_->{id} eq $id } @$list;
    is_deeply($entry && $entry->{connection}, { publish => 'connected', subscribe => 'connected' },
              "the live participants list has both of ${name}'s connections connected");
}

# --- the browser SDK: a subscribe connection that goes is answered anew

SKIP: {
    if (my $why = SFUTest::Chromium::unavailable()) { skip $why, 6 }
    my ($chris) = $s->join_peers($room, {expect => 3}, [chromium => 'chris', '--linger', 120]);
    ok($s->wait_met(120, $chris), 'chris (Chromium, the SDK) joins and decodes alice, bob and gina')
        or diag $s->describe;
    my $chris_id = $chris->participant_id;
    my $seen = $s->media_from($chris, $alice, 0);
    $chris->command('close-subscribe');
    ok($chris->wait_for(sub { $_[0]{event} eq 'subscribe-closed' }, 10), 'chris\'s subscribe connection closes');
    ok($chris->wait_for(sub { $_[0]{event} eq 'subscribe-renewed' }, 60),
       '... the worker offers a new one') or diag $s->describe;
    my $again = $s->media_from($chris, $alice, $seen->{video} + 50, 90);
    cmp_ok($again->{video}, '>=', $seen->{video} + 50,
           "the SDK answers from a new peer connection: chris decodes alice again ($seen->{video} -> $again->{video})");
    ok(!(grep { $_->{event} eq 'rejoining' } $chris->events), '... without rejoining');
    is($chris->participant_id, $chris_id, '... as the same participant');
}

$s->leave_all;
is($_->summary->{exit}, 0, $_->name . ' exits 0') for $alice, $bob, $gina;

done_testing();
