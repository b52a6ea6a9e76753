# What clients see when the SFU worker of their room dies (a real
# build/sfu/sfu-worker, killed with SIGKILL): an "error" worker-gone and a
# 1011 close within a second, their participants marked left in
# PostgreSQL; joins meanwhile are refused with worker-unavailable; once
# the worker is back, new joins work.  And on an nginx reload, the old
# worker processes keep their WebSockets until worker_shutdown_timeout,
# then close them with 1001.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use FindBin;
use Time::HiRes qw(time sleep);
use SFUTest::Signaling;
use SFUTest::FakeWorker;
use SFUTest::WS;

my $worker = "$FindBin::Bin/../build/sfu/sfu-worker";
-x $worker or BAIL_OUT("$worker is not built: run make");

my $dir = tempdir(CLEANUP => 1);
my $sock = "$dir/w1.sock";
my @pids;

sub start_worker {
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>>', "$dir/worker.log";
        open STDERR, '>&', \*STDOUT;
        exec $worker, '--listen', $sock, '--id', 1 or die "exec: $!";
    }
    push @pids, $pid;
    for (1 .. 200) { last if -S $sock; sleep 0.02 }
    return $pid;
}

END { local $?; kill "KILL", @pids if @pids; waitpid $_, 0 for @pids }

sub wait_until {
    my ($cond, $secs) = @_;
    my $end = time + ($secs // 5);
    while (time < $end) { return 1 if $cond->(); sleep 0.05 }
    return $cond->() ? 1 : 0;
}

# The first error among what $ws receives within $secs (the worker says
# joined and participant-joined first); undef if none came.
sub next_error {
    my ($ws, $secs) = @_;
    my $end = time + $secs;
    while (time < $end) {
        my $m = $ws->recv_json($end - time) // last;
        return $m if ($m->{type} // '') eq 'error';
    }
    return undef;
}

my $pid = start_worker();
my $sig = SFUTest::Signaling->start(workers => [$sock], nginx_workers => 2);
ok(wait_until(sub { $sig->workers_up }, 10), 'the real SFU worker is linked');

my $room = $sig->room;
my @clients = map { $sig->client($room) } 1 .. 4;
ok(wait_until(sub { !grep { $sig->state($_->{id}) ne 'connected' } @clients }),
   '4 clients join: connected in PostgreSQL');
is($sig->metric('webrtc_participants_total'), 4, '... and counted');

# --- the worker dies

kill 'KILL', $pid;
waitpid $pid, 0;
@pids = ();
my $t0 = time;
my @codes;
for my $c (@clients) {
    my $m = next_error($c->{ws}, 2) // {};
    my ($close, $reason) = $c->{ws}->wait_close(2);
    push @codes, join ' ', $m->{code} // '-', $close // '-', $reason // '-';
}
my $took = time - $t0;
is_deeply(\@codes, [ ('worker-gone 1011 worker-gone') x 4 ],
          'every client gets an error worker-gone and a 1011 close');
cmp_ok($took, '<', 1, sprintf('... within 1 s (%.2f s for all four)', $took));
ok(wait_until(sub { !grep { join(' ', $sig->state($_->{id})) ne 'left worker-gone' } @clients }),
   'their participants are marked left (worker-gone) in PostgreSQL');
is($sig->metric('webrtc_participants_total'), 0, '... and counted out');

my $j = $sig->join($room);
my $ws = $sig->ws;
$ws->send_json({ type => 'join', token => $j->{token} });
my $m = $ws->recv_json(5) // {};
is($m->{code}, 'worker-unavailable', 'a join while the worker is away: worker-unavailable');
is(($ws->wait_close(5))[0], 1011, '... and 1011');
is($sig->state($j->{participant_id}), 'joining', '... its place not taken');

# --- the worker is back: clients can join again

$pid = start_worker();
ok(wait_until(sub { $sig->workers_up }, 10), 'the restarted worker is linked again');

my @again = map { $sig->client($room) } 1 .. 2;
ok(wait_until(sub { !grep { $sig->state($_->{id}) ne 'connected' } @again }),
   'clients join again once the worker is back');
is((grep { defined next_error($_->{ws}, 0.3) } @again), 0, '... without an error');
$_->{ws}->close_socket for @again;
ok(wait_until(sub { ($sig->metric('sfu_signaling_connections') // -1) == 0 }),
   'their connections gone, none is left open');
$sig->stop;

# --- reload: old processes close with 1001 after worker_shutdown_timeout

my $fw = SFUTest::FakeWorker->new(path => "$dir/w2.sock", id => 2);
$sig = SFUTest::Signaling->start(workers => ["$dir/w2.sock"], master => 1,
                                 main => 'worker_shutdown_timeout 1s;');
ok($fw->wait_for(sub { $sig->workers_up }, 10), 'nginx (master and one worker) is linked');

$room = $sig->room;
$j = $sig->join($room);
$ws = $sig->ws;
$ws->send_json({ type => 'join', token => $j->{token} });
ok($fw->wait_for(sub { defined $fw->conn_of($j->{participant_id}) }), 'a client joins');

$t0 = time;
kill 'HUP', $sig->{ngx}{pid};
ok($fw->wait_for(sub { $fw->connections == 2 }, 10), 'reload: a new worker process links up');
my ($close, $reason) = $ws->wait_close(5);
$took = time - $t0;
is("$close $reason", '1001 server shutting down',
   'the old process closes the client\'s WebSocket with 1001');
cmp_ok($took, '>=', 0.8, sprintf('... after worker_shutdown_timeout (%.2f s)', $took));
cmp_ok($took, '<', 3, '... not much later');
ok($fw->wait_for(sub { $fw->of_type('disconnect') == 1 }), '... the worker is told');
ok($fw->wait_for(sub { join(' ', $sig->state($j->{participant_id})) eq 'left shutdown' }),
   '... and PostgreSQL has the participant left (shutdown)');

my $k = $sig->join($room);
$ws = $sig->ws;
$ws->send_json({ type => 'join', token => $k->{token} });
ok($fw->wait_for(sub { defined $fw->conn_of($k->{participant_id}) }),
   'the new process takes joins');
$ws->close_socket;

is(join('', $sig->error_log =~ /^.*\[(?:alert|crit|emerg)\].*$/mg), '',
   'nothing worse than an error in the error log');

done_testing();
