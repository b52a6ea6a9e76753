# A busy SFU worker is not a dead one.  A real build/sfu/sfu-worker is
# stopped (SIGSTOP) as a loop starved of CPU would be: stalled for less
# than sfu_worker_ping_timeout, the calls on it survive (the late pong is
# logged, no client is told anything, the worker serves them after); stalled
# for longer, the link goes down and every client gets worker-gone, as when
# the worker dies.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use FindBin;
use Time::HiRes qw(time sleep);
use SFUTest::Signaling;

my $worker = "$FindBin::Bin/../build/sfu/sfu-worker";
-x $worker or BAIL_OUT("$worker is not built: run make");

my $dir = tempdir(CLEANUP => 1);
my $sock = "$dir/w1.sock";
my $timeout = 4;        # sfu_worker_ping_timeout, s
my $pid = fork // die "fork: $!";
if ($pid == 0) {
    open STDOUT, '>>', "$dir/worker.log";
    open STDERR, '>&', \*STDOUT;
    exec $worker, '--listen', $sock, '--id', 1 or die "exec: $!";
}
END { local $?; if ($pid) { kill 'CONT', $pid; kill 'KILL', $pid; waitpid $pid, 0 } }
for (1 .. 200) { last if -S $sock; sleep 0.02 }

sub wait_until {
    my ($cond, $secs) = @_;
    my $end = time + ($secs // 5);
    while (time < $end) { return 1 if $cond->(); sleep 0.05 }
    return $cond->() ? 1 : 0;
}

# What $ws receives within $secs: the types of its messages, then "close"
# and the close code and reason if it was closed.
sub received {
    my ($ws, $secs) = @_;
    my @got;
    my $end = time + $secs;
    while (time < $end) {
        my $m = $ws->recv_json($end - time);
        if (!$m) {
            push @got, "close $ws->{close}{code} $ws->{close}{reason}" if $ws->{close};
            last;
        }
        push @got, $m->{type} . ($m->{code} ? " $m->{code}" : '');
    }
    return join ', ', @got;
}

my $sig = SFUTest::Signaling->start(
    workers => [$sock], nginx_workers => 2,
    http => "sfu_worker_ping_interval 200ms;\n"
            . "        sfu_worker_ping_timeout ${timeout}s;");
ok(wait_until(sub { $sig->workers_up }, 10), 'the real SFU worker is linked');

my $room = $sig->room;
my @clients = map { $sig->client($room) } 1 .. 3;
ok(wait_until(sub { !grep { $sig->state($_->{id}) ne 'connected' } @clients }),
   '3 clients join: connected in PostgreSQL');
received($_->{ws}, 0.5) for @clients;    # joined, participant-joined

# --- stalled for less than the timeout: late, not lost

kill 'STOP', $pid;
ok(wait_until(sub { $sig->error_log =~ /\[warn\] .*sfu worker "\Q$sock\E" is late: no pong for \d+ ms/ },
              $timeout - 1),
   'a stopped worker\'s missing pong is logged as late');
kill 'CONT', $pid;
ok(wait_until(sub { $sig->error_log =~ /sfu worker "\Q$sock\E" answers again: pong after \d+ ms/ }),
   '... and its answer once it runs again');
is(join(' | ', map { received($_->{ws}, 0.3) } @clients), ' |  | ',
   'the clients are told nothing');
is(join(' ', map { scalar $sig->state($_->{id}) } @clients), 'connected connected connected',
   '... and stay connected in PostgreSQL');
unlike($sig->error_log, qr/is down/, 'the link stayed up');

# the worker serves the room as before: a newcomer is announced to all
my $late = $sig->client($room);
like(received($late->{ws}, 3), qr/^joined\b/, 'a newcomer joins the room after the stall');
is(join(' | ', map { received($_->{ws}, 3) =~ /(participant-joined)/ } @clients),
   join(' | ', ('participant-joined') x 3),
   '... and the clients from before hear of it from the worker');
push @clients, $late;

# --- stalled for longer than the timeout: gone

kill 'STOP', $pid;
my $t0 = time;
my @codes = map { received($_->{ws}, $timeout + 10) } @clients;
my $took = time - $t0;
kill 'CONT', $pid;
is_deeply(\@codes, [ ('error worker-gone, close 1011 worker-gone') x 4 ],
          'a worker stopped for longer than the timeout: every client gets worker-gone');
cmp_ok($took, '>=', $timeout - 0.5, sprintf('... not before the timeout (%.2f s)', $took));
like($sig->error_log,
     qr/\[error\] .*sfu worker "\Q$sock\E" is down: nothing received within sfu_worker_ping_timeout/,
     '... the cause in the error log');
ok(wait_until(sub { $sig->workers_up }, 10), 'the link is up again once the worker runs');

is(join('', $sig->error_log =~ /^.*\[(?:alert|crit|emerg)\].*$/mg), '',
   'nothing worse than an error in the error log');

done_testing();
