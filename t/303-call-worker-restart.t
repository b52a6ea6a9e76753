# The SFU worker dies in the middle of a call: the clients are told at
# once (an `error` worker-gone, then the WebSocket closed with 1011, within
# a second), and when the worker is back they rejoin (the peers' --rejoin,
# as the SDK does) and decode each other's media again.

use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use Time::HiRes qw(time);
use SFUTest::Stack;

SFUTest::Stack::skip_unless_ready();

my $s = SFUTest::Stack->start(workers => 1);
my $room = $s->create_room(name => 'restart');
my @p = $s->call($room, [aiortc => 'alice', '--rejoin'], [gst => 'gina', '--rejoin']);
ok($s->media_ok(10, @p), 'a call is up') or BAIL_OUT('no call to break');
my %before = map { ($_->name => $_->participant_id) } @p;

my $killed = time;
$s->kill_worker(0);

# (how long after the kill the test saw it: a bound on the server's delay)
my %seen;
for my $p (@p) {
    $p->wait_for(sub { $_[0]{event} eq 'session-ended' && $_[0]{session} == 1 }, 30);
    $seen{ $p->name } = time - $killed;
}
for my $p (@p) {
    ok($p->wait_for(sub { ($_[0]{message}{type} // '') eq 'error'
                          && ($_[0]{message}{code} // '') eq 'worker-gone' }, 0),
       $p->name . ' is told: error worker-gone') or diag $p->describe;
    my $end = $p->wait_for(sub { $_[0]{event} eq 'session-ended'
                                 && $_[0]{session} == 1 }, 0);
    is($end && $end->{reason}, 'ws-closed', '... then its WebSocket is closed')
        or diag explain $end;
    is($end && $end->{code}, 1011, '... with 1011');
    # at once, not after sfu_worker_ping_timeout (30 s); the slack is for
    # a loaded machine's peers reporting late
    cmp_ok($seen{ $p->name }, '<=', 5, sprintf('... within 5 s of the kill (%.2f s)',
                                               $seen{ $p->name }));
}

$s->start_worker(0);

for my $p (@p) {
    my $joined = $p->wait_for(sub { $_[0]{event} eq 'joined'
                                    && $_[0]{session} > 1 }, 60);
    ok($joined, $p->name . ' rejoins the restarted worker') or diag $p->describe;
    isnt($p->participant_id, $before{ $p->name }, '... as a new participant');
}
ok($s->media_ok(10, @p), 'after the rejoin both decode each other again');

$s->leave_all;
for my $p (@p) {
    is($p->summary->{exit}, 0, $p->name . ' exits 0 (condition met after the rejoin)')
        or diag $p->describe;
}

done_testing();
