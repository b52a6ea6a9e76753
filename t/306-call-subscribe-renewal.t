# A subscribe connection whose consent is lost recovers without a rejoin.
# Two aiortc participants in a call; bob stops hearing anything on his
# subscribe peer connection (its sockets drop what arrives), so the
# worker's consent checks go unanswered and, 10-16 s later, his subscribe
# transport fails.  The worker makes a new one and sends an offer marked
# new_connection; bob answers from a new peer connection and decodes
# alice again, in the same session (same participant, no join), while
# alice goes on decoding bob throughout.  Then a Chromium participant
# whose subscribe peer connection closes gets a new one through the SDK.
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

my ($alice, $bob) = $s->join_peers($room, {}, [aiortc => 'alice', '--linger', 170],
                                   [aiortc => 'bob', '--linger', 170]);
ok($s->wait_met(120, $alice, $bob), 'alice and bob decode each other') or diag $s->describe;
my $bob_id = $bob->participant_id;

my $before = $s->media_from($bob, $alice, 0);
my $alice_before = $s->media_from($alice, $bob, 0);
$bob->command('drop-subscribe');
my $dropped = $bob->wait_for(sub { $_[0]{event} eq 'subscribe-dropped' }, 10);
cmp_ok($dropped && $dropped->{dropped}, '>', 0, 'bob stops hearing on his subscribe connection');

ok($bob->wait_for(sub { $_[0]{event} eq 'subscribe-renewed' }, 60),
   'the worker notices the lost consent and offers bob a new subscribe connection')
    or diag $s->describe;
like($s->worker_log(0), qr/participant \Q$bob_id\E: subscribe transport failed, offering a new connection/,
     '... the worker says why');

my $got = $s->media_from($bob, $alice, $before->{video} + 50, 90);
cmp_ok($got->{video}, '>=', $before->{video} + 50,
       "bob decodes alice's video again ($before->{video} -> $got->{video} frames)");
cmp_ok($got->{audio}, '>=', $before->{audio} + 50,
       "... and her audio ($before->{audio} -> $got->{audio} audible frames)");
is($bob->participant_id, $bob_id, '... as the same participant');
ok(!(grep { $_->{event} eq 'rest-joined' && ($_->{session} // 1) > 1 } $bob->events),
   '... without joining again');
ok(!(grep { $_->{event} eq 'server' && ($_->{message}{type} // '') eq 'error' } $bob->events),
   '... and without an error');

my $alice_got = $s->media_from($alice, $bob, $alice_before->{video} + 50, 60);
cmp_ok($alice_got->{video}, '>=', $alice_before->{video} + 50,
       "alice went on decoding bob's video ($alice_before->{video} -> $alice_got->{video} frames)");

my $list = $s->api(GET => "/api/v1/rooms/$room/participants")->{json}{participants} // [];
my ($entry) = grep { $_->{id} eq $bob_id } @$list;
is_deeply($entry && $entry->{connection}, { publish => 'connected', subscribe => 'connected' },
          'the live participants list has both of bob\'s connections connected');

# --- the browser SDK: a subscribe connection that goes is answered anew

SKIP: {
    if (my $why = SFUTest::Chromium::unavailable()) { skip $why, 6 }
    my ($chris) = $s->join_peers($room, {expect => 2}, [chromium => 'chris', '--linger', 120]);
    ok($s->wait_met(120, $chris), 'chris (Chromium, the SDK) joins and decodes alice and bob')
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
is($_->summary->{exit}, 0, $_->name . ' exits 0') for $alice, $bob;

done_testing();
