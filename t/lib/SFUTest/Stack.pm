package SFUTest::Stack;

# The whole stack for end-to-end call tests: nginx with the module (2
# worker processes; REST API at /api/, signaling at /ws, /health), N SFU
# workers, optionally the patched coturn, on PostgreSQL and Redis
# (SFUTest::Services), all on 127.0.0.1 and free ports; WebRTC peers
# (t/peers, SFUTest::Peer) as child processes.  Everything it started is
# stopped when the object goes away or the test exits, failed or not.
#
#   use SFUTest::Stack;
#   SFUTest::Stack::skip_unless_ready();     # skip_all until the SFU pieces exist
#   my $s = SFUTest::Stack->start(workers => 1, turn => 0);
#                  # addr => '10.201.0.1', peer_networks => '10.201.0.0/30':
#                  # clients and media on that address instead of 127.0.0.1
#                  # (nginx then listens on every address; make bench runs
#                  # the stack so in a network namespace, t/bin/bench-ngx-sfu);
#                  # worker_log_level => 'warn' (default debug)
#                  # udp_mux => 0 or 1: the workers' ICE mode, whatever
#                  # SFU_TEST_UDP_MUX says (see below)
#                  # turn => 1: the patched coturn, SFU-only (relays to
#                  # 127.0.0.1), in the join's ice_servers; $s->turn is
#                  # SFUTurn's {port, relay_ports, log, ...}, $s->turn_realm
#                  # its realm (secrets and redis-statsdb keys in the run's Redis)
#   my $room = $s->create_room(name => 'standup');      # id; dies on failure
#   my $r = $s->api(GET => "/api/v1/rooms/$room/participants");  # SFUTest::HTTP reply
#   my $a = $s->peer(aiortc => $room, 'alice', '--expect-peers', 1);
#   my $g = $s->peer(gst => $room, 'gina', '--expect-peers', 1);   # SFUTest::Peer
#   my @p = $s->call($room, [aiortc => 'alice'], [gst => 'gina']);  # a full mesh
#   my @q = $s->join_peers($room, {expect => 2}, [gst => 'gus']);   # no waiting
#   $s->wait_met(90, @p, @q);                # each met its --expect-peers
#   $s->media_ok(10, @p);                    # Test::More: each decodes each other
#   $s->media_from($receiver, $sender, 10)   # {video, audio, tone_hz} decoded
#   $s->leave_all;                           # every peer leaves, exits
#   $s->kill_worker(0);  $s->start_worker(0);  $s->worker_pid(0)
#   $s->url, $s->api_key, $s->dir, $s->error_log, $s->worker_log(0)
#   $s->describe                             # logs' tails, for diag
#   $s->stop;
#
# Environment: SFU_TEST_UDP_MUX=0 gives every worker a libnice agent and
# UDP and TCP ports per peer connection instead of its shared port (the
# default, as make run and docker-compose run it; t/310, t/311, t/315 and
# t/316 re-run t/300, t/301, t/305 and t/306 with 0); SFU_E2E_REQUIRED=1
# turns the "pieces missing" skip into a failure; SFU_E2E_KEEP=1 keeps the
# work folder (logs) after the test.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use POSIX qw(WNOHANG);
use Test::More ();
use Time::HiRes qw(sleep time);

use SFUTest::HTTP;
use SFUTest::NginxProc;
use SFUTest::Peer;
use SFUTest::Services -noauto;

our $Repo = abs_path(dirname(abs_path(__FILE__)) . '/../../..');
our $Worker = "$Repo/build/sfu/sfu-worker";
our $Module = $ENV{TEST_NGINX_LOAD_MODULES} || "$Repo/build/ngx_http_sfu_module.so";
our $Nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';

# --- the worker's media options, in one place
#
# What `sfu-worker --help` must list before the call tests can run, and
# the arguments each worker gets: gather on loopback only, in a port range
# of its own, and talk to loopback peers only (Chromium also offers its
# host candidates on the machine's other interfaces; tests send nothing
# outside 127.0.0.0/8).  With the shared port (udp_mux true), each worker
# serves every peer connection's ICE, DTLS and SRTP on the first port of
# its range, UDP and ICE-TCP (--rtc-udp-port); without it, a libnice
# agent per peer connection takes its ports from the range.
our @WORKER_MEDIA_FLAGS = ('--rtc-listen', '--rtc-ports', '--rtc-peer-networks');
our $WORKER_PORTS = 200;             # UDP/TCP ports per worker

sub worker_media_args {
    my ($min, $max, $addr, $peer_networks, $udp_mux) = @_;
    return ('--rtc-listen', $addr // '127.0.0.1', '--rtc-ports', "$min-$max",
            '--rtc-peer-networks', $peer_networks // '127.0.0.0/8',
            $udp_mux ? ('--rtc-udp-port', $min) : ());
}

# The ICE mode SFU_TEST_UDP_MUX asks for: the shared port unless it is 0.
sub udp_mux_default {
    my $v = $ENV{SFU_TEST_UDP_MUX} // 1;
    $v eq '0' || $v eq '1'
        or die "SFUTest::Stack: SFU_TEST_UDP_MUX wants 1 (the shared port, the "
             . "default) or 0 (a libnice agent per peer connection), not \"$v\"\n";
    return $v;
}

# Worker i's shared port, or undef when it has ports per peer connection.
sub udp_mux_port {
    my ($self, $i) = @_;
    return $self->{udp_mux} ? $self->{workers}[$i]{ports}[0] : undef;
}

# nginx's side: where signaling is served (what the join's signaling_url
# points at, sfu_signaling_path).
our $SIGNALING = 'location = /ws { sfu_signaling; }';

# --- the participants the tests can use
#
# Each is a program with the command line and output of t/peers/README.md.

our %PEERS = (
    aiortc   => ['/usr/bin/python3', "$Repo/t/peers/aiortc_peer.py"],
    gst      => ['/usr/bin/python3', "$Repo/t/peers/gst_peer.py"],
    chromium => ["$Repo/t/peers/chromium_peer"],
);

sub peer_available {
    my ($kind) = @_;
    my $cmd = $PEERS{$kind} or return 0;
    return -x $cmd->[-1] || ($cmd->[0] =~ /python/ && -f $cmd->[-1]);
}

# --- are the SFU pieces there?

# undef when the stack can hold a call; else why not.  Dies when something
# that exists is broken (a worker that does not run, a module nginx cannot
# load): that must fail, not skip.
sub missing {
    -f $Module or return "$Module is not built (make)";
    -x $Worker or return "$Worker is not built (make)";
    my $help = `$Worker --help 2>&1`;
    $? == 0 or die "SFUTest::Stack: $Worker --help failed ($?):\n$help";
    my @absent = grep { $help !~ /\Q$_\E\b/ } @WORKER_MEDIA_FLAGS;
    return "sfu-worker --help does not list @absent (ICE/DTLS/SRTP work "
        . "not merged; flags in SFUTest::Stack::worker_media_args)" if @absent;
    my ($rc, $out) = nginx_test($SIGNALING);
    return 'the module does not know "sfu_signaling" (WebSocket signaling '
        . 'not merged)' if $rc && $out =~ /unknown directive "sfu_signaling"/;
    # any other refusal of this minimal config (no token secret...) still
    # shows that the directive exists
    return undef;
}

sub skip_unless_ready {
    my $why = missing() // return;
    Test::More::BAIL_OUT("SFU_E2E_REQUIRED is set but $why")
        if $ENV{SFU_E2E_REQUIRED};
    Test::More::plan(skip_all => $why);
}

# nginx -t on a server with this config: (exit status, output)
sub nginx_test {
    my ($config) = @_;
    my $root = tempdir('sfu-conftest-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    SFUTest::NginxProc::setup_servroot($root);
    SFUTest::NginxProc::write_file("$root/conf/nginx.conf",
        SFUTest::NginxProc::render_conf(root => $root, port => SFUTest::NginxProc::free_port(),
            load_modules => [$Module], config => $config));
    my $out = `$Nginx -t -p $root/ -c $root/conf/nginx.conf -e $root/logs/error.log 2>&1`;
    return ($? >> 8, $out);
}

# --- the stack

my @Live;        # stacks not stopped yet, for END

sub start {
    my ($class, %o) = @_;
    # A write into a pipe or socket whose other end died (a peer that
    # exited) must be an error, not a death that skips END and leaves
    # nginx, the workers and the peers running.
    $SIG{PIPE} = 'IGNORE';
    # and an interrupted test goes through END too
    for my $sig (qw(INT TERM)) {
        $SIG{$sig} = sub { exit 128 } if ($SIG{$sig} // 'DEFAULT') eq 'DEFAULT';
    }
    SFUTest::Services::ensure();
    my $self = bless {
        workers => [], peers => [], names => {},
        addr => $o{addr} // '127.0.0.1', peer_networks => $o{peer_networks},
        worker_log_level => $o{worker_log_level} // 'debug',
        udp_mux => $o{udp_mux} // udp_mux_default(),
        nginx_workers => $o{nginx_workers} // 2,
        api_key => 'e2e' . join('', map { sprintf '%02x', rand 256 } 1 .. 12),
        token_secret => join('', map { sprintf '%02x', rand 256 } 1 .. 20),
        turn_secret => join('', map { sprintf '%02x', rand 256 } 1 .. 12),
        dir => tempdir('sfu-e2e-XXXXXX', TMPDIR => 1,
                       CLEANUP => !$ENV{SFU_E2E_KEEP}),
    }, $class;
    push @Live, $self;
    Test::More::note("SFUTest::Stack: work folder $self->{dir}")
        if $ENV{SFU_E2E_KEEP};
    for my $i (0 .. ($o{workers} // 1) - 1) {
        $self->{workers}[$i] = { sock => "$self->{dir}/w$i.sock",
                                 log => "$self->{dir}/worker$i.log",
                                 ports => $self->_port_range };
        $self->_spawn_worker($i);
    }
    $self->_start_turn if $o{turn};
    $self->_start_nginx;
    $self->_wait_links;
    return $self;
}

sub url { "http://$_[0]{addr}:$_[0]{nginx}{port}" }
sub api_key { $_[0]{api_key} }
sub dir { $_[0]{dir} }
sub turn { $_[0]{turn} }
sub turn_realm { $_[0]{turn_realm} }

# A worker's ports: a random range, whose first port (the shared one)
# nothing else holds, since other suites run stacks beside this one.
sub _port_range {
    my ($self) = @_;
    my $base;
    do {
        $base = 20000 + $WORKER_PORTS * int(rand(40000 / $WORKER_PORTS));
    } until SFUTest::NginxProc::ports_free($self->{addr}, $base, 1);
    return [$base, $base + $WORKER_PORTS - 1];
}

# The patched coturn as an edge runs it (turn/turnserver.conf): an
# SFU-only relay to the workers' address, 127.0.0.1, with the REST-API
# secret in the run's Redis, under a realm of this stack's own.
sub _start_turn {
    my ($self) = @_;
    require SFUTurn;
    SFUTurn::require_build();
    my $redis = { port => $ENV{TEST_NGINX_REDIS_PORT} };
    $self->{turn_realm} = "stack-$self->{turn_secret}.test";
    my $key = "turn/realm/$self->{turn_realm}/secret";
    SFUTurn::redis_cli($redis, 'SADD', $key, $self->{turn_secret});
    SFUTurn::redis_cli($redis, 'ZADD', "$key/added", int(time), $self->{turn_secret});
    $self->{turn} = SFUTurn::start_turnserver(redis => $redis, fields => {
        REALM => $self->{turn_realm}, SFU_PEERS => '127.0.0.1' });
}

sub _stop_turn {
    my ($self) = @_;
    SFUTurn::stop($self->{turn}{pid});
    my $key = "turn/realm/$self->{turn_realm}/secret";
    SFUTurn::redis_cli({ port => $ENV{TEST_NGINX_REDIS_PORT} }, 'DEL', $key, "$key/added");
}

sub _start_nginx {
    my ($self) = @_;
    my $workers = join '', map { "    sfu_worker unix:$_->{sock};\n" }
                           @{ $self->{workers} };
    my $port = SFUTest::NginxProc::free_port();
    my $ice = '';
    if (my $t = $self->{turn}) {
        $ice = "    sfu_turn_realm $self->{turn_realm};\n"
             . "    sfu_stun_uri stun:127.0.0.1:$t->{port};\n"
             . "    sfu_turn_uri turn:127.0.0.1:$t->{port}?transport=udp;\n";
    }
    # the module this stack was checked with, also outside t/bin/run-tests
    # (make bench-call)
    local $ENV{TEST_NGINX_LOAD_MODULES} = $Module;
    $self->{nginx} = SFUTest::HTTP->start_nginx(
        root => "$self->{dir}/nginx", port => $port,
        addr => $self->{addr} eq '127.0.0.1' ? undef : '0.0.0.0',
        workers => $self->{nginx_workers}, log_level => 'info',
        # a participant holds a signaling WebSocket: room for large rooms
        # (make bench), and the descriptors they need
        worker_connections => 4096,
        main_config => 'worker_rlimit_nofile 10000;',
        http_config => <<"HTTP",
    sfu_postgres "$ENV{TEST_NGINX_PG_CONNINFO}";
    sfu_redis 127.0.0.1:$ENV{TEST_NGINX_REDIS_PORT};
    sfu_api_key $self->{api_key} e2e;
    sfu_token_secret $self->{token_secret};
    sfu_turn_secret $self->{turn_secret};
    sfu_public_url http://$self->{addr}:$port;
    sfu_signaling_path /ws;
    sfu_room_create_rate off;
    sfu_join_rate off;
    sfu_worker_ping_interval 1s;
$ice$workers
HTTP
        config => <<"CONF");
        location /api/ { sfu_api; }
        $SIGNALING
        location = /health { sfu_health; }
        location = /metrics { sfu_metrics; }
CONF
}

# A gauge or counter of /metrics (undef when absent).
sub metric {
    my ($self, $name) = @_;
    my $r = $self->{nginx}->request(GET => '/metrics', timeout => 15);
    my ($v) = ($r->{body} // '') =~ /^\Q$name\E (-?\d+)$/m;
    return $v;
}

sub _spawn_worker {
    my ($self, $i) = @_;
    my $w = $self->{workers}[$i];
    unlink $w->{sock};
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $w->{log} or die "$w->{log}: $!";
        open STDERR, '>&', \*STDOUT;
        exec $Worker, '--listen', $w->{sock}, '--id', $i,
            '--log-level', $self->{worker_log_level},
            worker_media_args(@{ $w->{ports} }, @$self{qw(addr peer_networks udp_mux)})
            or POSIX::_exit(127);
    }
    $w->{pid} = $pid;
    $w->{starts}++;
    _wait("sfu-worker $i to listen", 15, sub {
        die "SFUTest::Stack: sfu-worker $i exited at start:\n"
            . SFUTest::NginxProc::slurp($w->{log})
            if waitpid($pid, WNOHANG) == $pid;
        -S $w->{sock};
    });
}

# Every nginx worker process has logged each SFU worker's link up as
# often as that worker was started.
sub _wait_links {
    my ($self) = @_;
    for my $w (@{ $self->{workers} }) {
        my $want = $w->{starts} * $self->{nginx_workers};
        _wait("nginx to link to $w->{sock}", 20, sub {
            my @up = $self->error_log
                =~ /sfu worker "\Q$w->{sock}\E" is up/g;
            @up >= $want;
        });
    }
}

sub _wait {
    my ($what, $secs, $cond) = @_;
    my $deadline = time + $secs;
    until ($cond->()) {
        die "SFUTest::Stack: timed out waiting for $what\n" if time > $deadline;
        sleep 0.05;
    }
}

sub worker_pid { $_[0]{workers}[$_[1]]{pid} }
sub worker_log { SFUTest::NginxProc::slurp($_[0]{workers}[$_[1]]{log}) }
sub error_log { SFUTest::NginxProc::slurp("$_[0]{dir}/nginx/logs/error.log") }

# Kills worker $i (SIGKILL unless told) and reaps it.
sub kill_worker {
    my ($self, $i, $sig) = @_;
    my $w = $self->{workers}[$i];
    return unless $w->{pid};
    kill $sig // 'KILL', $w->{pid};
    my $deadline = time + 10;
    sleep 0.02 while waitpid($w->{pid}, WNOHANG) == 0 && time < $deadline;
    if (kill 0, $w->{pid}) {
        kill 'KILL', $w->{pid};
        waitpid $w->{pid}, 0;
    }
    $w->{pid} = undef;
}

# Starts worker $i again (same socket, same ports) and waits until every
# nginx worker process has linked to it.
sub start_worker {
    my ($self, $i) = @_;
    $self->_spawn_worker($i);
    $self->_wait_links;
}

# A REST call with the API key: SFUTest::HTTP's reply {status, json, ...}.
sub api {
    my ($self, $method, $path, %o) = @_;
    return $self->{nginx}->request($method, $path, timeout => 15,
        headers => { Authorization => "Bearer $self->{api_key}" }, %o);
}

sub create_room {
    my ($self, %fields) = @_;
    my $r = $self->api(POST => '/api/v1/rooms',
                       json => { name => 'e2e', max_participants => 16, %fields });
    $r->{status} == 201 && $r->{json}{id}
        or die "SFUTest::Stack: room creation failed: $r->{status} $r->{body}\n"
               . "--- nginx error.log\n" . $self->error_log;
    return $r->{json}{id};
}

# --- peers

# Starts a participant of this kind (see %PEERS) in $room; it takes
# commands on stdin (--control) and gathers on loopback.
sub peer {
    my ($self, $kind, $room, $name, @args) = @_;
    my $cmd = $PEERS{$kind} or die "SFUTest::Stack: no peer kind $kind\n";
    my $n = ++$self->{names}{$name};
    my $p = SFUTest::Peer->start(
        name => $n > 1 ? "$name-$n" : $name, log_dir => $self->{dir},
        # options first, then "--": a room id is base64url and may begin
        # with "-"
        cmd => [@$cmd, '--name', $name, '--control', '--ice-ip', '127.0.0.1',
                @args, '--', $self->url, $room]);
    push @{ $self->{peers} }, $p;
    return $p;
}

# Starts participants in $room, one per [kind, name, extra args...], each
# expecting media from $o{expect} others (default: all the others it
# starts) with $o{min_frames} (default 10) frames of each kind, staying
# until told to leave (or $o{duration}, default 180 s).  Returns them.
sub join_peers {
    my ($self, $room, $o, @who) = @_;
    return map {
        my ($kind, $name, @args) = @$_;
        $self->peer($kind, $room, $name,
                    '--expect-peers', $o->{expect} // scalar(@who) - 1,
                    '--min-frames', $o->{min_frames} // 10,
                    '--duration', $o->{duration} // 180, @args)
    } @who;
}

# Waits (up to $secs together, default 90) until each peer has met its
# condition; true if all did.
sub wait_met {
    my ($self, $secs, @peers) = @_;
    my $deadline = time + ($secs // 90);
    my $all = 1;
    for my $p (@peers) {
        $all &&= defined $p->wait_event('conditions-met', $deadline - time);
    }
    return $all;
}

# join_peers, then wait_met: a whole call.
sub call {
    my ($self, $room, @who) = @_;
    my %o = ref $who[-1] eq 'HASH' ? %{ pop @who } : ();
    my @peers = $self->join_peers($room, \%o, @who);
    $self->wait_met($o{timeout}, @peers);
    return @peers;
}

# What receiver $r has decoded from sender $s in $r's current session,
# polled (report command) until $min video frames with $s's stamp and $min
# audible audio frames arrived, or $secs (default 60) passed:
# {video => stamped frames, audio => audible frames, tone_hz => estimate}.
sub media_from {
    my ($self, $r, $s, $min, $secs) = @_;
    my $deadline = time + ($secs // 60);
    my $got;
    while (1) {
        my $pid = $s->participant_id // '';
        my $remote = ($r->report // $r->remotes)->{$pid} // {};
        my ($v, $a) = ($remote->{video} // {}, $remote->{audio} // {});
        $got = {
            video => defined $s->tag ? $v->{tags}{ $s->tag } // 0
                                     : $v->{frames} // 0,
            audio => $a->{audible} // 0,
            tone_hz => $a->{tone_hz},
        };
        last if ($got->{video} >= $min && $got->{audio} >= $min)
             || time >= $deadline || !$r->running;
        sleep 0.5;
    }
    return $got;
}

# Test::More checks that every peer decodes every other one's media: at
# least $min video frames carrying the sender's stamp (any frames, for a
# sender that does not stamp) and $min audible audio frames at the
# sender's tone (when it has one), all within $secs (default 60) together,
# so a broken call fails in a minute, not in a minute per pair.  True if
# all passed; on failure the logs go to diag.
sub media_ok {
    my ($self, $min, @peers) = @_;
    my $deadline = time + 60;
    my $all = 1;
    for my $r (@peers) {
        for my $s (grep { $_ != $r } @peers) {
            my ($rn, $sn) = ($r->name, $s->name);
            my $got = $self->media_from($r, $s, $min, max(0, $deadline - time));
            $all &= Test::More::cmp_ok($got->{video}, '>=', $min,
                "$rn decodes ${sn}'s video (frames with ${sn}'s stamp)");
            $all &= Test::More::cmp_ok($got->{audio}, '>=', $min,
                "$rn decodes ${sn}'s audio (audible frames)");
            next unless defined $s->tone_hz && $got->{audio};
            $all &= Test::More::cmp_ok(
                abs(($got->{tone_hz} // 0) - $s->tone_hz), '<=', 25,
                "... at ${sn}'s tone (heard $got->{tone_hz} Hz, sent "
                . $s->tone_hz . ' Hz)');
        }
    }
    Test::More::diag($self->describe) unless $all;
    return $all;
}

# Tells every live peer to leave and waits for them (then kills the rest).
sub leave_all {
    my ($self, $secs) = @_;
    my @live = grep { $_->running } @{ $self->{peers} };
    $_->leave for @live;
    my $deadline = time + ($secs // 20);
    $_->wait_exit(max(0, $deadline - time)) for @live;
    $_->stop for @live;
}

sub max { $_[0] > $_[1] ? $_[0] : $_[1] }

# The tails of the logs, for diag.
sub describe {
    my ($self) = @_;
    my $tail = sub { my @l = split /\n/, shift; join "\n", @l > 40 ? @l[-40 .. -1] : @l };
    return join "\n",
        '--- ICE: ' . ($self->{udp_mux} ? "each worker's shared port (--rtc-udp-port)"
                       : 'a libnice agent per peer connection (SFU_TEST_UDP_MUX=0)'),
        "--- nginx error.log (tail)", $tail->($self->error_log),
        map({ ("--- worker $_ log (tail)", $tail->($self->worker_log($_))) }
            0 .. $#{ $self->{workers} }),
        map { $_->describe } @{ $self->{peers} };
}

sub stop {
    my ($self) = @_;
    return if $self->{stopped}++;
    $_->stop for @{ $self->{peers} };
    $self->{nginx}->stop if $self->{nginx};
    for my $i (0 .. $#{ $self->{workers} }) {
        $self->kill_worker($i, 'TERM');
    }
    $self->_stop_turn if $self->{turn};
    @Live = grep { $_ != $self } @Live;
}

sub DESTROY {
    local ($?, $@);
    $_[0]->stop;
}

END {
    local $?;
    $_->stop for @Live;
}

1;
