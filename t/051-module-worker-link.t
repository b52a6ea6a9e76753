# Every nginx worker process keeps a link to every SFU worker
# (ngx_module/ngx_http_sfu_link.c): it connects at start, pings, notices
# a dead, frozen or misbehaving worker, reconnects with backoff, and says
# so in the error log once per transition.
# nginx runs through the harness (SFUTest::HTTP: master on, 2 workers);
# the SFU workers, real (build/sfu/sfu-worker) or stand-ins, are the test's.

use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM);
use Time::HiRes qw(sleep time);
use SFUTest::HTTP;
use SFUTest::NginxProc;

my $repo   = "$FindBin::Bin/..";
my $worker = "$repo/build/sfu/sfu-worker";
$ENV{TEST_NGINX_BINARY} //= '/usr/sbin/nginx';
$ENV{TEST_NGINX_LOAD_MODULES} //= "$repo/build/ngx_http_sfu_module.so";

-f $ENV{TEST_NGINX_LOAD_MODULES}
    or BAIL_OUT("$ENV{TEST_NGINX_LOAD_MODULES} is not built: run make");
-x $worker or BAIL_OUT("$worker is not built: run make");

# short paths: a Unix socket path has at most 107 bytes
my $dir = tempdir(CLEANUP => 1);
my @kill_at_end;

sub spawn {
    my ($log, @cmd) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>>', $log or die "$log: $!";
        open STDERR, '>>', $log or die "$log: $!";
        exec @cmd or die "exec $cmd[0]: $!";
    }
    push @kill_at_end, $pid;
    return $pid;
}

sub stop {
    my ($pid, $sig) = @_;
    kill $sig // 'TERM', $pid;
    waitpid $pid, 0;
    @kill_at_end = grep { $_ != $pid } @kill_at_end;
    return $?;
}

END { kill 'KILL', @kill_at_end if @kill_at_end; waitpid $_, 0 for @kill_at_end }

sub slurp { SFUTest::NginxProc::slurp($_[0]) }

sub count { my ($file, $re) = @_; my @m = slurp($file) =~ /$re/g; scalar @m }

sub wait_for {
    my ($cond, $secs) = @_;
    my $end = time + ($secs // 5);
    while (time < $end) { return 1 if $cond->(); sleep 0.05 }
    return 0;
}

sub start_worker {
    my ($sock, $id) = @_;
    my $pid = spawn("$dir/worker$id.log", $worker, '--listen', $sock,
                    '--id', $id, '--log-level', 'debug');
    wait_for(sub { -S $sock }) or die "worker $id did not start";
    return $pid;
}

# nginx -t on a configuration: (exit status, output)
sub nginx_test {
    my ($http) = @_;
    my $root = "$dir/conftest";
    SFUTest::NginxProc::setup_servroot($root);
    SFUTest::NginxProc::write_file("$root/conf/nginx.conf",
        SFUTest::NginxProc::render_conf(
            root => $root, port => SFUTest::NginxProc::free_port(),
            load_modules => [ $ENV{TEST_NGINX_LOAD_MODULES} ],
            http_config => $http));
    my $out = `$ENV{TEST_NGINX_BINARY} -t -p $root/ -c $root/conf/nginx.conf -e $root/logs/error.log 2>&1`;
    return ($? >> 8, $out);
}

# A stand-in worker that greets every connection with the given bytes.
sub start_fake_worker {
    my ($sock, $bytes) = @_;
    unlink $sock;
    my $l = IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => $sock,
                                  Listen => 16) or die "$sock: $!";
    my $pid = fork // die;
    if ($pid == 0) {
        my @conns;
        while (my $c = $l->accept) { syswrite $c, $bytes; push @conns, $c }
        exit 0;
    }
    close $l;
    push @kill_at_end, $pid;
    return $pid;
}

sub frame { my ($json) = @_; pack('N', length $json) . $json }

# --- configuration is checked when nginx reads it

my ($rc, $out) = nginx_test("sfu_worker tcp://127.0.0.1:7000;");
isnt($rc, 0, 'a non-unix worker address is refused');
like($out, qr/invalid SFU worker address "tcp:\/\/127\.0\.0\.1:7000": use unix:/,
     '... with a message saying what to write');

($rc, $out) = nginx_test('sfu_worker unix:/' . ('x' x 120) . ';');
isnt($rc, 0, 'a socket path too long for sun_path is refused');
like($out, qr/is longer than 107 bytes/, '... saying the limit');

($rc, $out) = nginx_test("sfu_worker unix:$dir/a.sock;\nsfu_worker $dir/a.sock;");
isnt($rc, 0, 'the same worker twice is refused');
like($out, qr/duplicate SFU worker "\Q$dir\E\/a\.sock"/,
     '... "unix:" and a bare path name the same socket');

($rc, $out) = nginx_test("sfu_worker_ping_interval 0;");
isnt($rc, 0, 'a zero ping interval is refused');
like($out, qr/"sfu_worker_ping_interval" must be at least 10ms/, '... saying so');

($rc, $out) = nginx_test("sfu_worker unix:$dir/a.sock;\nsfu_worker unix:b.sock;");
is($rc, 0, 'unix:/absolute and unix:relative worker paths are accepted')
    or diag $out;

# --- links come up, one per nginx worker process, and ping

my $sock1 = "$dir/w1.sock";
my $w1 = start_worker($sock1, 1);

# worker 2 is given relative to the prefix and is not running yet
my $ngx = SFUTest::HTTP->start_nginx(
    root => "$dir/servroot", workers => 2, log_level => 'info',
    http_config => <<"HTTP",
    sfu_worker unix:$sock1;
    sfu_worker unix:w2.sock;
    sfu_worker_ping_interval 300ms;
    sfu_worker_ping_timeout 3s;
HTTP
    config => 'location = /health { sfu_health; }');
my $ng = $ngx->{pid};
my $errlog = "$dir/servroot/logs/error.log";
my $sock2 = "$dir/servroot/w2.sock";

sub health_workers {
    my $r = $ngx->request(GET => '/health');
    return join ' ', map { "$_->{path}=$_->{status}"
                           . (defined $_->{rtt_ms} ? "/rtt" : '') }
                     @{ $r->{json}{workers} || [] };
}

my $up1 = qr/\[notice\] (\d+)#\d+: sfu worker "\Q$sock1\E" is up \(worker 1, pid $w1\)/;
ok(wait_for(sub { count($errlog, $up1) == 2 }),
   'each of the 2 nginx worker processes reports the link up');
my %pids = map { $_ => 1 } slurp($errlog) =~ /$up1/g;
is(scalar keys %pids, 2, '... from two different processes');

my $down2 = qr/\[error\] \d+#\d+: sfu worker "\Q$sock2\E" is down: connect\(\) failed \(2: No such file or directory\)/;
ok(wait_for(sub { count($errlog, $down2) == 2 }),
   'an absent worker is reported down by each process, its relative path '
   . 'resolved against the prefix');

my $wlog1 = "$dir/worker1.log";
is(count($wlog1, qr/conn \d+: accepted/), 2,
   'the worker sees one connection per nginx worker process');
ok(wait_for(sub { count($wlog1, qr/conn 1: ping$/m) >= 3
                  && count($wlog1, qr/conn 2: ping$/m) >= 3 }),
   'pings arrive on both connections, every interval');

is(health_workers(), "$sock1=up/rtt $sock2=down",
   '/health shows each link\'s state and the up one\'s round-trip time');

sleep 1.5;
is(count($errlog, qr/"\Q$sock2\E" is down/), 2,
   'retries to an absent worker are not logged again');

# --- a worker that appears later is connected to

my $w2 = start_worker($sock2, 2);
my $again2 = qr/\[notice\] \d+#\d+: sfu worker "\Q$sock2\E" is up again \(worker 2, pid $w2\)/;
ok(wait_for(sub { count($errlog, $again2) == 2 }, 8),
   'a worker started later is reached by both processes (backoff retries)');

# --- a worker that dies: lost once, recovered once

stop($w1, 'KILL');
my $lost1 = qr/\[error\] \d+#\d+: sfu worker "\Q$sock1\E" is down: the worker closed the connection/;
ok(wait_for(sub { count($errlog, $lost1) == 2 }),
   'a killed worker is reported down by both processes');
is(health_workers(), "$sock1=down $sock2=up/rtt", '/health shows the loss');
sleep 1;
is(count($errlog, qr/"\Q$sock1\E" is down/), 2,
   '... once each, however many reconnects fail meanwhile');
is(count($errlog, qr/"\Q$sock2\E" is (down|up)/), 4,
   'the other worker\'s link is untouched');

$w1 = start_worker($sock1, 1);
my $again1 = qr/\[notice\] \d+#\d+: sfu worker "\Q$sock1\E" is up again \(worker 1, pid $w1\)/;
ok(wait_for(sub { count($errlog, $again1) == 2 }, 8),
   'a restarted worker is reconnected: recovery logged by both processes');

# --- a frozen worker: pings go unanswered (t/208: a stall shorter than
# sfu_worker_ping_timeout is survived)

kill 'STOP', $w2;
my $frozen = qr/\[error\] \d+#\d+: sfu worker "\Q$sock2\E" is down: nothing received within sfu_worker_ping_timeout/;
ok(wait_for(sub { count($errlog, $frozen) == 2 }, 10),
   'a worker that stays silent for sfu_worker_ping_timeout is reported down');
kill 'CONT', $w2;
ok(wait_for(sub { count($errlog, $again2) == 4 }, 8),
   'and up again when it answers again');

# --- a worker killed with our pings unread resets its end of the socket
# (ECONNRESET, not end of file): still the worker closing the connection

kill 'STOP', $w2;
sleep 1;
my $closed2 = qr/\[error\] \d+#\d+: sfu worker "\Q$sock2\E" is down: the worker closed the connection/;
stop($w2, 'KILL');
ok(wait_for(sub { count($errlog, $closed2) == 2 }),
   'a worker killed with pings unread is reported closed by both processes');

# --- a misbehaving worker

my $fake = start_fake_worker($sock2, pack('N', 0xFFFFFFFF));
# the link is already down (reported once): a new cause gets an info line
ok(wait_for(sub { count($errlog, qr/\[info\] \d+#\d+: sfu worker "\Q$sock2\E" is still down: protocol error: a frame of 4294967295 bytes/) == 2 }, 8),
   'an oversize frame from a worker takes its link down, the new cause logged');
stop($fake);

$fake = start_fake_worker($sock2, frame('{"type":"hello","protocol":2,"worker":9,"pid":1}'));
ok(wait_for(sub { count($errlog, qr/"\Q$sock2\E" is still down: the worker speaks protocol 2, this module 1/) == 2 }, 8),
   'a worker speaking another protocol version is refused');
stop($fake);

$fake = start_fake_worker($sock2, frame('{"type":"pong","id":1}'));
ok(wait_for(sub { count($errlog, qr/"\Q$sock2\E" is still down: protocol error: the first message is not hello/) == 2 }, 8),
   'a worker that does not start with hello is refused');
stop($fake);

# --- reload: new processes link up, the old ones close their links

my $up_before = count($errlog, qr/"\Q$sock1\E" is up/);
my $closed_before_reload = count($wlog1, qr/closed by peer/);
kill 'HUP', $ng;
ok(wait_for(sub { count($errlog, qr/"\Q$sock1\E" is up/) == $up_before + 2 }),
   'reload: the new worker processes link up');
ok(wait_for(sub { count($wlog1, qr/closed by peer/)
                  == $closed_before_reload + 2 }),
   'reload: the old worker processes close their links as they exit');

# --- graceful shutdown closes the links

my $closed_before = count($wlog1, qr/closed by peer/);
is(stop($ng, 'QUIT'), 0, 'nginx shuts down gracefully with links open');
delete $ngx->{pid};
is(count($wlog1, qr/closed by peer/) - $closed_before, 2,
   '... closing both connections to the worker');
my $errors = join '', slurp($errlog) =~ /^.*\[(?:alert|crit|emerg)\].*$/mg;
is($errors, '', 'no alert, crit or emerg in the error log');

stop($w1);

done_testing();
