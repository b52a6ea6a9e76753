# sfu-worker speaks the module <-> worker protocol of sfu/PROTOCOL.md on
# its Unix socket: hello on accept, ping/pong, errors, a broken stream
# closes only its own connection, SIGTERM removes the socket.
# Self-contained: needs only build/sfu/sfu-worker (make -C sfu).

use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use FindBin;
use IO::Socket::UNIX;
use IO::Select;
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Socket qw(SOCK_STREAM);
use Time::HiRes qw(sleep time);

my $worker = "$FindBin::Bin/../build/sfu/sfu-worker";
-x $worker or BAIL_OUT("$worker is not built: run make -C sfu");

my $dir  = tempdir(CLEANUP => 1);
my $sock = "$dir/worker.sock";
my $log  = "$dir/worker.log";
my $json = JSON::PP->new->canonical;

sub start_worker {
    my (@args) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDERR, '>>', $log or die "$log: $!";
        exec $worker, @args or die "exec: $!";
    }
    return $pid;
}

sub wait_for { my ($cond, $secs) = @_; my $end = time + ($secs // 5);
    while (time < $end) { return 1 if $cond->(); sleep 0.02 } return 0 }

sub connect_worker {
    my $c;
    wait_for(sub { $c = IO::Socket::UNIX->new(Type => SOCK_STREAM,
                                               Peer => $sock) });
    return $c;
}

sub send_frame {
    my ($c, $msg) = @_;
    my $body = ref $msg ? $json->encode($msg) : $msg;
    print {$c} pack('N', length $body) . $body;
    $c->flush;
}

# Reads one frame: the decoded object, or 'EOF' when the peer closed.
sub read_frame {
    my ($c) = @_;
    my $buf = '';
    my $sel = IO::Select->new($c);
    my $want = 4;
    my $len;
    while (1) {
        while (length $buf < $want) {
            $sel->can_read(5) or return 'TIMEOUT';
            my $n = sysread $c, $buf, $want - length $buf, length $buf;
            return 'EOF' if !$n;
        }
        last if defined $len;
        $len = unpack 'N', $buf;
        $buf = '';
        $want = $len;
    }
    return $json->decode($buf);
}

sub log_text { open my $f, '<', $log or return ''; local $/; <$f> }

my $pid = start_worker('--listen', $sock, '--id', 3, '--log-level', 'debug');

my $a = connect_worker();
ok($a, 'the worker accepts a connection on its socket');

my $hello = read_frame($a);
is($hello->{type}, 'hello', 'a new connection is greeted with hello');
is($hello->{worker}, 3, 'hello carries the worker id');
is($hello->{pid}, $pid, 'hello carries the worker pid');
is($hello->{protocol}, 1, 'hello carries the protocol version');
is($hello->{max_frame}, 1048576, 'hello carries the frame size limit');

send_frame($a, { type => 'ping', id => 42 });
is_deeply(read_frame($a), { type => 'pong', id => 42, rooms => 0, participants => 0, packet_cache_bytes => 0 },
          'ping is answered by pong with the same id');

send_frame($a, { type => 'ping', id => 'abc' });
send_frame($a, { type => 'ping', id => 43 });
is_deeply([ read_frame($a), read_frame($a) ],
          [ { type => 'pong', id => 'abc', rooms => 0, participants => 0, packet_cache_bytes => 0 },
            { type => 'pong', id => 43, rooms => 0, participants => 0, packet_cache_bytes => 0 } ],
          'two pings in one write are answered in order');

# one frame written in three pieces
my $body = $json->encode({ type => 'ping', id => 44 });
my $frame = pack('N', length $body) . $body;
for my $piece (substr($frame, 0, 2), substr($frame, 2, 7), substr($frame, 9)) {
    print {$a} $piece; $a->flush; sleep 0.05;
}
is_deeply(read_frame($a), { type => 'pong', id => 44, rooms => 0, participants => 0, packet_cache_bytes => 0 },
          'a frame split across writes is reassembled');

send_frame($a, { type => 'bogus', id => 7 });
my $err = read_frame($a);
is($err->{type}, 'error', 'an unknown type gets an error');
is($err->{code}, 'unknown-type', '... with code unknown-type');
is($err->{id}, 7, '... echoing the request id');
like($err->{message}, qr/bogus/, '... naming the type');

send_frame($a, { id => 8 });
$err = read_frame($a);
is_deeply([ @$err{qw(type code id)} ], [ 'error', 'bad-message', 8 ],
          'a message without a type gets a bad-message error');

send_frame($a, { type => 'ping', id => 45 });
is_deeply(read_frame($a), { type => 'pong', id => 45, rooms => 0, participants => 0, packet_cache_bytes => 0 },
          'the connection still works after error replies');

my $b = connect_worker();
is(read_frame($b)->{type}, 'hello', 'a second connection gets its own hello');

for my $case ([ 'not json', '{"type":', 'invalid-json' ],
              [ 'not an object', '[1,2,3]', 'not-an-object' ],
              [ 'zero length', '', 'empty' ],
              [ 'oversize', undef, 'oversize' ])
{
    my ($name, $payload, $reason) = @$case;
    my $c = connect_worker();
    read_frame($c);
    if (defined $payload) {
        print {$c} pack('N', length $payload) . $payload;
    } else {
        print {$c} pack('N', 1048577);
    }
    $c->flush;
    my $e = read_frame($c);
    is_deeply([ @$e{qw(type code reason)} ], [ 'error', 'bad-frame', $reason ],
              "$name: error frame with reason $reason");
    is(read_frame($c), 'EOF', "$name: then the worker closes the connection");
}

send_frame($b, { type => 'ping', id => 46 });
is_deeply(read_frame($b), { type => 'pong', id => 46, rooms => 0, participants => 0, packet_cache_bytes => 0 },
          'the other connections keep working after protocol errors');

# backpressure: a peer that writes without reading holds the worker's
# reading, not its memory; every request is still answered once it reads
{
    my $c = connect_worker();
    read_frame($c);
    my $n = 200_000;
    my $out = join '', map { my $m = qq({"type":"ping","id":$_});
                             pack('N', length $m) . $m } 1 .. $n;
    $c->blocking(0);
    my $off = 0;
    my $end = time + 10;
    while ($off < length $out && time < $end) {
        my $w = syswrite $c, $out, 1 << 16, $off;
        if (defined $w) { $off += $w; next }
        sleep 0.05;
        last if log_text() =~ /conn \d+: \d+ bytes queued, reading paused/;
    }
    ok(log_text() =~ /reading paused/,
       'backpressure: the worker stops reading while its queue is full');

    my ($buf, $pongs, $last) = ('', 0, 0);
    my $sel = IO::Select->new($c);
    while ($pongs < $n && time < $end) {
        if ($off < length $out) {
            my $w = syswrite $c, $out, 1 << 16, $off;
            $off += $w if defined $w;
        }
        $sel->can_read(0.5) or next;
        my $r = sysread $c, $buf, 1 << 20, length $buf;
        last if defined $r && $r == 0;
        while (length $buf >= 4 && length $buf >= 4 + unpack 'N', $buf) {
            my $l = unpack 'N', $buf;
            ($last) = substr($buf, 4, $l) =~ /^\{"type":"pong".*"id":(\d+)[,}]/
                or last;
            substr($buf, 0, 4 + $l) = '';
            $pongs++;
        }
    }
    is($pongs, $n, 'backpressure: every ping is answered once the peer reads');
    is($last, $n, 'backpressure: in order');
    like(log_text(), qr/reading resumed/, 'backpressure: reading resumes');
    close $c;
}

# a frame cut short by the peer closing
{
    my $c = connect_worker();
    read_frame($c);
    print {$c} pack('N', 100) . '{"type"';
    $c->flush;
    close $c;
    ok(wait_for(sub { log_text() =~ /peer closed inside a frame/ }),
       'a frame truncated by close is logged');
}

# a second worker on the same socket is refused while the first lives
{
    my $pid2 = start_worker('--listen', $sock, '--id', 4);
    waitpid($pid2, 0);
    is($? >> 8, 1, 'a second worker on a live socket exits with status 1');
    like(log_text(), qr/another worker is listening on \Q$sock\E/,
         '... and says why');
}

like(log_text(),
     qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[info\] worker 3: /m,
     'log lines carry a timestamp, level and worker id');

kill 'TERM', $pid;
waitpid($pid, 0);
is($?, 0, 'SIGTERM: the worker exits with status 0');
ok(!-e $sock, 'SIGTERM: the socket file is removed');
is(read_frame($b), 'EOF', 'SIGTERM: connections are closed');

# a stale socket left by a killed worker is replaced
$pid = start_worker('--listen', $sock);
ok(wait_for(sub { -S $sock }), 'a new worker listens');
kill 'KILL', $pid;
waitpid($pid, 0);
ok(-S $sock, 'SIGKILL leaves the socket file behind');
$pid = start_worker('--listen', $sock, '--mode', '0600');
$a = connect_worker();
is(read_frame($a)->{type}, 'hello',
   'a worker started on a stale socket replaces it and serves');
is((stat $sock)[2] & 07777, 0600, '--mode sets the socket permissions');
kill 'INT', $pid;
waitpid($pid, 0);
is($?, 0, 'SIGINT: clean exit');

open my $f, '>', "$dir/plain" or die;
close $f;
$pid = start_worker('--listen', "$dir/plain");
waitpid($pid, 0);
is($? >> 8, 1, 'a path that is a regular file is refused');
ok(-f "$dir/plain", '... and left alone');

$pid = start_worker('--listen', $sock, '--log-level', 'loud');
waitpid($pid, 0);
is($? >> 8, 2, 'an unknown log level is a usage error');

# The media transport's options (sfu-worker --help).
for my $bad (['--rtc-ports', '2000-1000'], ['--rtc-ports', '0-10'],
             ['--rtc-ports', '5000'], ['--rtc-listen', 'localhost'],
             ['--rtc-announce', 'example.org'], ['--srtp-only', 'NULL'],
             ['--no-ice-udp', '--no-ice-tcp']) {
    $pid = start_worker('--listen', $sock, @$bad);
    waitpid($pid, 0);
    is($? >> 8, 2, "@$bad is a usage error");
}
like(log_text(), qr/--rtc-ports wants MIN-MAX within 1-65535, not "2000-1000"/,
     '... saying which value is wrong');

$pid = start_worker('--listen', $sock, '--rtc-ports', '40000-40099',
                    '--rtc-listen', '127.0.0.1', '--rtc-listen', '::1',
                    '--rtc-announce', '192.0.2.1', '--no-ice-tcp',
                    '--srtp-only', 'AEAD_AES_128_GCM');
ok(connect_worker(), 'the worker starts with every transport option');
like(log_text(), qr/dtls: certificate sha-256 (?:[0-9A-F]{2}:){31}[0-9A-F]{2}\n/,
     '... and logs the fingerprint of the certificate it made');
kill 'TERM', $pid;
waitpid($pid, 0);
is($?, 0, '... and exits cleanly');

done_testing();
