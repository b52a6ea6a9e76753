package SFUTurn;

# Helpers for the turn tests (t/4NN-turn-*.t): credentials minted the way the
# nginx module mints them, and Redis, coturn and turnutils processes of their
# own on 127.0.0.1, stopped when the test ends.
#
#   my ($user, $pass) = SFUTurn::mint($secret, 'alice', 600);
#   my $pass = SFUTurn::credential($secret, $user);
#   my $redis = SFUTurn::start_redis();                 # {port}
#   my $turn  = SFUTurn::start_turnserver(redis => $redis,
#                   fields => { SFU_PEERS => '127.0.0.2' });
#   my $out   = SFUTurn::uclient(port => $turn->{port}, user => $user, ...);
#
# start_turnserver renders turn/turnserver.conf with turn/render-conf (test
# values for ports, Redis, certificate and logs; `fields` adds or overrides
# any field), or, given `args`, runs turnserver with those arguments alone.
# Every process started here is killed, by its pid, at the end of the test.

use strict;
use warnings;
use Cwd qw(abs_path);
use Digest::SHA qw(hmac_sha1);
use Exporter qw(import);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64);
use POSIX qw(:sys_wait_h);
use SFUTurn::Client;
use Time::HiRes qw(sleep time);

our @EXPORT_OK = qw(mint);

our $ROOT = abs_path(dirname(__FILE__) . '/../..');
our $BIN = "$ROOT/build/turn/bin";
our $STOCK = '/usr/bin/turnserver';
our $REALM = 'sfu.test';
our $TMP = tempdir('sfu-turn-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{SFU_TURN_KEEP});

my @children;

# The patched build must be there: `make test` builds it first.
sub require_build {
    for my $p (qw(turnserver turnutils_uclient turnutils_peer)) {
        die "SFUTurn: $BIN/$p is missing: run 'make turn' (make test builds it first)\n"
            unless -x "$BIN/$p";
    }
}

# A REST-API credential as the module mints it: username
# "<expiry unix time>:<participant>", password base64(HMAC-SHA1(secret, username)).
sub mint {
    my ($secret, $participant, $ttl) = @_;
    my $user = (int(time) + $ttl) . ":$participant";
    return ($user, credential($secret, $user));
}

# The password of a REST-API username under a secret.
sub credential {
    my ($secret, $user) = @_;
    return encode_base64(hmac_sha1($user, $secret), '');
}

# The secret the module signs with: the member of turn/realm/<realm>/secret
# with the highest score in turn/realm/<realm>/secret/added (members without
# a score count as oldest).
sub newest_secret {
    my ($redis, $realm) = @_;
    $realm //= $REALM;
    my @members = redis_cli($redis, 'SMEMBERS', "turn/realm/$realm/secret");
    my %score = redis_cli($redis, 'ZRANGE', "turn/realm/$realm/secret/added", 0, -1, 'WITHSCORES');
    my ($best) = sort { ($score{$b} // -1) <=> ($score{$a} // -1) || $b cmp $a } @members;
    return $best;
}

sub redis_cli {
    my ($redis, @cmd) = @_;
    # (a refused connection prints only to stderr, silenced here: no line)
    my $pid = open(my $fh, '-|') // die "fork: $!";
    if (!$pid) {
        open STDERR, '>', '/dev/null';
        exec 'redis-cli', '-p', $redis->{port}, @cmd or die "exec redis-cli: $!";
    }
    chomp(my @out = <$fh>);
    close $fh;
    return @out;
}

# The turn/sfu-turn-secret command against the test's Redis; returns its
# output and exit status.
sub secret_cmd {
    my ($redis, @args) = @_;
    my $out = qx{$ROOT/turn/sfu-turn-secret --redis 127.0.0.1:$redis->{port} --realm $REALM @args 2>&1};
    return ($out, $? >> 8);
}

sub port_is_free {
    my ($port) = @_;
    for my $proto (qw(tcp udp)) {
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
            Proto => $proto, ReuseAddr => 0) or return 0;
        close $s;
    }
    return 1;
}

# A port free for both TCP and UDP on 127.0.0.1, or a run of $n such ports.
sub free_ports {
    my ($n) = @_;
    $n //= 1;
    for (1 .. 200) {
        my $base = 20000 + int(rand(25000));
        next if grep { !port_is_free($_) } $base .. $base + $n - 1;
        return $base;
    }
    die "SFUTurn: no run of $n free ports found\n";
}

sub spawn {
    my ($log, @cmd) = @_;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $log or die "$log: $!";
        open STDERR, '>&', \*STDOUT;
        exec 'stdbuf', '-oL', '-eL', @cmd or die "exec $cmd[0]: $!";
    }
    push @children, $pid;
    return $pid;
}

sub stop {
    my ($pid) = @_;
    return unless $pid && kill 0, $pid;
    kill 'TERM', $pid;
    for (1 .. 50) {
        return if waitpid($pid, WNOHANG) == $pid;
        sleep 0.1;
    }
    kill 'KILL', $pid;
    waitpid($pid, 0);
}

END {
    my $status = $?;
    stop($_) for reverse @children;
    $? = $status;
}

sub wait_for {
    my ($what, $cond, $secs) = @_;
    my $until = time + ($secs // 10);
    while (time < $until) {
        return 1 if $cond->();
        sleep 0.1;
    }
    die "SFUTurn: timed out waiting for $what\n";
}

sub start_redis {
    my $port = free_ports();
    my $dir = "$TMP/redis-$port";
    mkdir $dir;
    my $pid = spawn("$dir/redis.log", 'redis-server', '--bind', '127.0.0.1', '--port', $port,
        '--dir', $dir, '--save', '', '--appendonly', 'no');
    wait_for('redis-server', sub { ((redis_cli({port => $port}, 'PING'))[0] // '') eq 'PONG' });
    return { port => $port, pid => $pid };
}

# A self-signed certificate for the TLS listeners (made once per test).
sub certificate {
    my ($crt, $key) = ("$TMP/cert.pem", "$TMP/key.pem");
    return ($crt, $key) if -s $crt;
    my $err = qx{openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -keyout $key -out $crt 2>&1};
    $? == 0 or die "SFUTurn: openssl req failed:\n$err";
    return ($crt, $key);
}

sub log_of { my ($t) = @_; open my $fh, '<', $t->{log} or return ''; local $/; return <$fh> }

# Starts a turnserver (the patched build unless `bin` says otherwise) and
# waits until it answers on its listening port. Returns {pid, port,
# tls_port, alt_tls_port, relay_ports => [min, max], conf, log}.
sub start_turnserver {
    my (%o) = @_;
    my $bin = $o{bin} // "$BIN/turnserver";
    die "SFUTurn: $bin is missing\n" unless -x $bin;
    my $base = free_ports(3);
    my $relay = free_ports(40);
    my $t = { port => $base, tls_port => $base + 1, alt_tls_port => $base + 2,
              relay_ports => [$relay, $relay + 39], log => "$TMP/turn-$base.log", bin => $bin };
    my @cmd;
    if ($o{args}) {
        @cmd = ($bin, '-n', '--listening-ip=127.0.0.1', "--listening-port=$base",
            "--min-port=$relay", '--max-port=' . ($relay + 39), '--realm', $REALM,
            '--no-tls', '--no-dtls', '--no-cli', '--log-file=stdout', @{$o{args}});
    } else {
        my ($crt, $key) = certificate();
        my %f = (
            REALM => $REALM, LISTEN_IP => '127.0.0.1', RELAY_IP => '127.0.0.1',
            PORT => $base, TLS_PORT => $base + 1, ALT_TLS_PORT => $base + 2,
            MIN_PORT => $relay, MAX_PORT => $relay + 39, CERT => $crt, PKEY => $key,
            REDIS => "127.0.0.1:$o{redis}{port}", ALLOW_LOOPBACK_PEERS => 'yes',
            LOG_FILE => 'stdout', PID_FILE => "$TMP/turn-$base.pid",
            %{$o{fields} // {}},
        );
        $t->{conf} = "$TMP/turn-$base.conf";
        system("$ROOT/turn/render-conf", '-o', $t->{conf}, map { "$_=$f{$_}" } sort keys %f) == 0
            or die "SFUTurn: render-conf failed\n";
        @cmd = ($bin, '-c', $t->{conf});
    }
    $t->{pid} = spawn($t->{log}, @cmd);
    # TCP and UDP listeners come up separately: ready when both answer
    wait_for("turnserver on port $base", sub {
        die "SFUTurn: turnserver exited:\n" . log_of($t) if waitpid($t->{pid}, WNOHANG) == $t->{pid};
        IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $base, Proto => 'tcp')
            && binding_answered($base);
    });
    return $t;
}

# Whether a STUN Binding request to 127.0.0.1:$port over UDP is answered
# (three tries, 0.2 s each).
sub binding_answered {
    my ($port) = @_;
    return eval { SFUTurn::Client->new(port => $port, timeout => 0.2)->binding->{ok} };
}

# turnutils_peer echoing UDP on $ip:$port (default: a free port).
sub start_peer {
    my ($ip, $port) = @_;
    $port //= free_ports();
    my $pid = spawn("$TMP/peer-$port.log", "$BIN/turnutils_peer", '-L', $ip, '-p', $port);
    sleep 0.3;
    return { pid => $pid, port => $port, ip => $ip };
}

# Runs turnutils_uclient (bounded by a timeout) and returns its output.
#   uclient(port => P, user => U, pass => W, peer => IP, peer_port => N,
#           flags => [...], messages => 10)
sub uclient {
    my (%o) = @_;
    my @cmd = ('timeout', $o{timeout} // 30, "$BIN/turnutils_uclient",
        @{$o{flags} // []}, '-u', $o{user}, '-w', $o{pass}, '-p', $o{port},
        '-e', $o{peer}, '-r', $o{peer_port}, '-n', $o{messages} // 10, '127.0.0.1');
    my $pid = open(my $fh, '-|') // die "fork: $!";
    if (!$pid) {
        open STDERR, '>&', \*STDOUT;
        exec @cmd or die "exec $cmd[2]: $!";
    }
    local $/;
    my $out = <$fh> // '';
    close $fh;
    return $out;
}

1;
