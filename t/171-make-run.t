#!/usr/bin/perl
# `make run` (conf/run.sh) as a person uses it: it starts the whole stack
# from an empty state folder, generates and prints the secrets, serves the
# demo over HTTPS and the API over HTTP, restarts an SFU worker that dies,
# stops everything on Ctrl-C (SIGINT to its process group, as a terminal
# sends it), and when run again keeps the same secrets and the data of the
# first run.  The workers serve their peer connections on consecutive
# shared ports from SFU_RTC_UDP_PORT (the second run: off, a port per peer
# connection; a bad value stops make run at once).  Ports are picked free
# so it runs beside other suites.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use POSIX qw(WNOHANG setpgid);
use Test::More;
use Time::HiRes qw(sleep time);

use lib dirname(__FILE__) . '/lib';
use SFUTest::HTTP;
use SFUTest::NginxProc qw();

my $repo = abs_path(dirname(__FILE__) . '/..');
for my $f (qw(build/ngx_http_sfu_module.so build/sfu/sfu-worker build/turn/bin/turnserver)) {
    -e "$repo/$f" or BAIL_OUT("$f is missing: run make all turn");
}

my $state = tempdir('sfu-make-run-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $state;    # PostgreSQL runs as postgres under root
my %port = map { $_ => SFUTest::NginxProc::free_port() }
    qw(HTTP HTTPS PG REDIS TURN TURNS);
my $base = "http://127.0.0.1:$port{HTTP}";
my $mux = SFUTest::NginxProc::free_ports(2);    # the two workers' shared ports

# conf/run.sh in a process group of its own, its output in a file, with
# the shared ports from SFU_RTC_UDP_PORT $udp
sub start_run {
    my ($out, $udp) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        setpgid(0, 0);
        delete $ENV{$_} for qw(SFU_API_KEY SFU_TURN_SECRET);
        $ENV{SFU_STATE} = $state;
        $ENV{SFU_WORKERS} = 2;
        $ENV{"SFU_${_}_PORT"} = $port{$_} for keys %port;
        $ENV{SFU_RTC_UDP_PORT} = $udp;
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $out or die;
        open STDERR, '>&', \*STDOUT;
        exec "$repo/conf/run.sh" or die "exec: $!";
    }
    return $pid;
}

sub until_true {
    my ($seconds, $cond) = @_;
    my $deadline = time + $seconds;
    while (time < $deadline) {
        my $v = $cond->();
        return $v if $v;
        sleep 0.3;
    }
    return;
}

sub health {
    my $r = SFUTest::HTTP::request(GET => "$base/health", timeout => 3);
    return $r->{json} && $r->{status} == 200 ? $r->{json} : undef;
}

sub all_up {
    my $h = health() or return;
    return unless $h->{status} eq 'ok' && @{ $h->{workers} } == 2;
    return (grep { $_->{status} ne 'up' } @{ $h->{workers} }) ? undef : $h;
}

sub slurp { my ($f) = @_; open my $fh, '<', $f or return ''; local $/; <$fh> }

# what make run printed, once its banner (printed when everything is
# started) is complete
sub banner {
    my ($out) = @_;
    return until_true(30, sub { my $o = slurp($out); $o =~ /Ctrl-C stops/ ? $o : undef }) // '';
}

# pids of the processes started from this state folder
# (pgrep run without a shell, whose command line would match too)
sub pgrep {
    my ($pattern) = @_;
    open my $fh, '-|', 'pgrep', '-f', $pattern or die "pgrep: $!";
    return grep { $_ != $$ } map { /^(\d+)/ ? $1 : () } <$fh>;
}

sub stack_pids { pgrep($state) }

sub worker_pid { (pgrep("sfu-worker --listen $state/run/sfu-$_[0].sock"))[0] }

sub worker_args { join " ", split /\0/, slurp("/proc/$_[0]/cmdline") }

# Ctrl-C: SIGINT to the whole foreground process group
sub ctrl_c {
    my ($pid) = @_;
    kill 'INT', -$pid;
    my $exited = until_true(60, sub { waitpid($pid, WNOHANG) == $pid });
    ok($exited, 'Ctrl-C: make run exits');
    ok(until_true(20, sub { !stack_pids() }),
       'Ctrl-C: no process of the stack is left')
        or diag `ps -o pid,args -p ${\ join(',', stack_pids(), 0)}`;
    ok(!SFUTest::NginxProc::port_open($port{HTTP}), 'Ctrl-C: nothing listens on the HTTP port');
}

END {
    # a failed run must not leave the stack running
    kill 'KILL', stack_pids() if $state && -d $state;
}

# --- a shared port that is no port: refused before anything starts
my $bad = start_run("$state/run0.out", '10k');
ok(until_true(20, sub { waitpid($bad, WNOHANG) == $bad }) && $? >> 8 == 1,
   'SFU_RTC_UDP_PORT=10k: make run exits 1 at once');
like(slurp("$state/run0.out"), qr/SFU_RTC_UDP_PORT wants a port \(1-65535\) or off, not "10k"/,
     '... saying why');
ok(!-e "$state/pg", '... having started nothing');

# --- first run: an empty state folder
my $out1 = "$state/run1.out";
my $run = start_run($out1, $mux);
my $h = until_true(120, \&all_up);
ok($h, 'first run: /health reports PostgreSQL, Redis and both workers up')
    or diag slurp($out1), "\n", explain(health());
is($h && $h->{postgres}{status}, 'up', 'first run: PostgreSQL up');
is($h && $h->{redis}{status}, 'up', 'first run: Redis up');

my $printed = banner($out1);
my ($key) = $printed =~ /API key\s+(\S+)/;
my ($turn) = $printed =~ /TURN secret\s+(\S+)/;
like($key // '', qr/^[0-9a-f]{48}$/, 'first run: prints a generated API key');
like($turn // '', qr/^[0-9a-f]{48}$/, 'first run: prints a generated TURN secret');
like($printed, qr{https://localhost:$port{HTTPS}/}, 'first run: prints the demo URL');
like($printed, qr{media\s+127\.0\.0\.1: $mux-${\($mux + 1)} \(udp, tcp; one per worker\)},
     "first run: prints the workers' shared ports");
for my $i (1, 2) {
    my $want = $mux + $i - 1;
    like(worker_args(worker_pid($i) // 0), qr/--rtc-udp-port $want$/,
         "worker $i serves its peer connections on port $want");
    ok(!SFUTest::NginxProc::ports_free('127.0.0.1', $want, 1), '... which it holds (UDP, TCP)');
}

my $auth = { Authorization => "Bearer " . ($key // '') };
my $room = SFUTest::HTTP::request(POST => "$base/api/v1/rooms", headers => $auth,
                                  json => { name => 'kept', max_participants => 4 });
is($room->{status}, 201, 'the API creates a room with the printed key') or diag $room->{body};
my $room_id = $room->{json} && $room->{json}{id};

my $demo = `curl -sk --max-time 5 https://localhost:$port{HTTPS}/`;
like($demo, qr/<html/i, 'the demo page is served over HTTPS');
my $turn_answer = `curl -s --max-time 5 -o /dev/null -w '%{http_code}' $base/api/v1/turn-credentials`;
is($turn_answer, '401', 'TURN credentials need a join token');

# --- a worker that dies is started again
my $old = worker_pid(1);
ok($old, 'worker 1 runs');
kill 'KILL', $old if $old;
my $new = until_true(30, sub { my $p = worker_pid(1); $p && $p != $old ? $p : undef });
ok($new, 'a killed worker is started again by make run');
ok(until_true(30, \&all_up), 'and nginx links to it again (/health: every worker up)');
like(worker_args($new // 0), qr/--rtc-udp-port $mux$/, '... on the same shared port');
like(slurp("$state/log/sfu-worker-1.log"), qr/sfu-worker 1 exited; restarting/,
     'the restart is logged');

ctrl_c($run);

# --- second run: same state folder, no secrets in the environment, a
# port per peer connection
my $out2 = "$state/run2.out";
$run = start_run($out2, 'off');
ok(until_true(120, \&all_up), 'second run: the stack comes up again')
    or diag slurp($out2);
my $printed2 = banner($out2);
my ($key2) = $printed2 =~ /API key\s+(\S+)/;
is($key2, $key, 'second run: the same API key, kept in the state folder');
my $again = SFUTest::HTTP::request(GET => "$base/api/v1/rooms/" . ($room_id // 'x'),
                                   headers => $auth);
is($again->{status}, 200, 'second run: the room of the first run is still there');
is($again->{json} && $again->{json}{name}, 'kept', 'second run: with its name');
unlike(slurp($out2), qr/creating the PostgreSQL cluster/,
       'second run: the PostgreSQL cluster is reused, not made again');
like($printed2, qr/media\s+127\.0\.0\.1: a UDP and a TCP port per peer connection/,
     'SFU_RTC_UDP_PORT=off: make run says the workers have a port per peer connection');
for my $i (1, 2) {
    my $args = worker_args(worker_pid($i) // 0);
    ok($args =~ /--rtc-listen/ && $args !~ /--rtc-udp-port/, "... and worker $i has no shared port")
        or diag $args;
}

ctrl_c($run);

done_testing();
