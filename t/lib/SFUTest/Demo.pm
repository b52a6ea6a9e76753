package SFUTest::Demo;

# The example configuration as a person runs it, for the browser tests:
# conf/nginx.conf rendered by conf/render-conf on free ports (http on
# 127.0.0.1, https with a fresh self-signed certificate for localhost),
# the test run's PostgreSQL and Redis, the demo page and SDK from conf/www,
# and optionally real SFU workers.
#
#   use SFUTest::Demo;
#   my $why = SFUTest::Demo::signaling_missing();  # undef once the module
#                                                  # has sfu_signaling
#   $why = SFUTest::Demo::rooms_missing();         # undef once the worker
#                                                  # handles room messages
#   my $demo = SFUTest::Demo->start(workers => 1); # dies if nginx won't start
#   $demo->url('/')            http://127.0.0.1:PORT/
#   $demo->https_url('/')      https://localhost:PORT/ (the sfu_public_url)
#   $demo->api(POST => '/api/v1/rooms', json => {...})  # with the API key
#   $demo->request(GET => '/demo/rooms')                 # without it
#   $demo->api_key, $demo->conf (the rendered nginx.conf), $demo->error_log
#   $demo->kill_worker(0)      SIGKILL worker 0; ->start_worker(0) again
#   $demo->kill_nginx_workers  SIGKILL nginx's workers (its master respawns them)
#   $demo->stop                also on destruction
#
# Calls through the demo page's own UI (SFUTest::Chromium pages):
#   my $why = SFUTest::Demo::call_missing();       # skip reason, or undef
#   my ($demo, $browser, $room, $ada, $bob) =      # skips the test when a
#       SFUTest::Demo->call_test('Ada', 'Bob');    # call cannot run here
#   SFUTest::Demo->call_test({ browser => { args => [...] } }, 'Ada', 'Bob');
#                        # the same with SFUTest::Chromium->launch options
#   my ($ada, $id) = $demo->open_call($browser, 'Ada');        # creates a room
#   my $bob = $demo->open_call($browser, 'Bob', room => $id);  # joins it
#   $ada->wait_for(SFUTest::Demo::playing_js(1), what => ...); # n remote
#                        # tiles of a source ('camera') with frames rising
#   $SFUTest::Demo::Screenshots                    # build/screenshots
#   $browser->new_page(@SFUTest::Demo::PHONE);     # a 375 px phone screen
#   $page->eval(SFUTest::Demo::phone_misfits_js()) # [] when the call view
#                        # fits it: no sideways scrolling, buttons reachable
#
# SFU workers get --rtc-listen 127.0.0.1 --rtc-peer-networks 127.0.0.0/8
# once they have them, each its shared port (--rtc-udp-port, a free one
# kept across restarts) as make run gives it, unless SFU_TEST_UDP_MUX=0
# (as for SFUTest::Stack), then SFU_TEST_WORKER_ARGS (split on spaces).

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use IO::Socket::UNIX;
use JSON::PP ();
use POSIX qw(WNOHANG);
use Socket qw(SOCK_STREAM);
use Test::More ();
use Time::HiRes qw(sleep time);

use SFUTest::Chromium;
use SFUTest::NginxProc;
use SFUTest::HTTP;
use SFUTest::Services;
use SFUTest::Stack ();

our $Repo = abs_path(dirname(abs_path(__FILE__)) . '/../../..');
our $Module = $ENV{TEST_NGINX_LOAD_MODULES} || "$Repo/build/ngx_http_sfu_module.so";
our $Worker = "$Repo/build/sfu/sfu-worker";
our $Nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';

sub _random_hex { join '', map { sprintf '%02x', int rand 256 } 1 .. $_[0] }

# undef when the module knows sfu_signaling (the WebSocket endpoint), else why not.
sub signaling_missing {
    my $dir = tempdir('sfu-probe-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    make_path("$dir/logs");
    SFUTest::NginxProc::write_file("$dir/nginx.conf", <<"EOC");
load_module $Module;
error_log $dir/logs/error.log;
pid $dir/logs/nginx.pid;
events { }
http {
    server { listen 127.0.0.1:1; location = /ws { sfu_signaling; } }
}
EOC
    my $out = `$Nginx -t -p $dir/ -c $dir/nginx.conf 2>&1`;
    return 'the module has no sfu_signaling directive yet (WebSocket signaling, issue 3)'
        if $out =~ /unknown directive "sfu_signaling"/;
    return undef;
}

# undef when an SFU worker answers a client join with anything but
# unknown-type, else why not.
sub rooms_missing {
    return "$Worker is not built" unless -x $Worker;
    my $dir = tempdir('sfu-probe-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $sock = "$dir/w.sock";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDOUT, '>', '/dev/null';
        open STDERR, '>', '/dev/null';
        exec($Worker, '--listen', $sock, '--id', 0) or POSIX::_exit(127);
    }
    my $answer;
    my $deadline = time + 10;
    sleep 0.05 until -S $sock || time > $deadline;
    if (my $c = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $sock)) {
        my $join = JSON::PP->new->canonical->encode({ type => 'client', room => 'probe',
            participant => 'p-probe', role => 'participant', name => 'probe',
            msg => { type => 'join' } });
        print $c pack('N', length $join), $join;
        # hello first, then the answer to the join
        for (1 .. 2) {
            my $head = _read_exactly($c, 4, $deadline) // last;
            my $body = _read_exactly($c, unpack('N', $head), $deadline) // last;
            $answer = eval { JSON::PP->new->decode($body) };
        }
        close $c;
    }
    kill TERM => $pid;
    waitpid $pid, 0;
    return 'the SFU worker did not answer a client join' unless $answer;
    return 'the SFU worker does not handle rooms yet (media plane, issue 3)'
        if ($answer->{type} // '') eq 'error' && ($answer->{code} // '') eq 'unknown-type';
    return undef;
}

# The worker options media needs here: ICE on loopback only, with loopback
# peers only (Chromium also offers its other interfaces' addresses).
our @WORKER_MEDIA_ARGS = ('--rtc-listen', '127.0.0.1', '--rtc-peer-networks', '127.0.0.0/8');

# undef when the worker has the media options, else why not.
sub media_options_missing {
    return "$Worker is not built" unless -x $Worker;
    my $help = `$Worker --help 2>&1`;
    my @absent = grep { /^--/ && $help !~ /\Q$_\E\b/ } @WORKER_MEDIA_ARGS;
    return "sfu-worker has no @absent option yet (ICE/DTLS/SRTP, issue 3)" if @absent;
    return undef;
}

# Why a call through the demo page cannot run with this build, or undef.
sub call_missing {
    return SFUTest::Chromium::unavailable() // signaling_missing()
        // media_options_missing() // rooms_missing();
}

# A page that joined a call through the UI: typed name, clicked Create (or
# followed the room link and clicked Join).  Returns the page, and in list
# context the room id too.  Dies with the page's error if it did not join.
sub open_call {
    my ($self, $browser, $name, %o) = @_;
    die "SFUTest::Demo: the example conf/nginx.conf serves no sfu_signaling location\n"
        unless $self->conf =~ /^\s*sfu_signaling\b/m;
    my $page = $browser->new_page(%{ $o{page} || {} });
    $page->goto($self->https_url($o{room} ? "/?room=$o{room}" : '/'));
    $page->type('#name', $name);
    $page->click($o{room} ? '#join' : '#create');
    my $state = $page->wait_for(q{!document.querySelector('#call').hidden ? 'joined'
        : !document.querySelector('#error').hidden && document.querySelector('#error-text').textContent},
        timeout => 90, what => "$name to join");
    die "SFUTest::Demo: $name could not join: $state\n" unless $state eq 'joined';
    my $id = $page->eval(q{new URLSearchParams(location.search).get('room')});
    return wantarray ? ($page, $id) : $page;
}

# The start of a call test: skip (saying why) unless a call can run here;
# else the stack, a browser, and the named people in one room, joined
# through the UI (the first creates it).  Returns ($demo, $browser, $room,
# @pages), a page per name.  A hash first: {browser => launch options}.
sub call_test {
    my ($class, @names) = @_;
    my %o = ref $names[0] eq 'HASH' ? %{ shift @names } : ();
    my $why = call_missing();
    Test::More::plan(skip_all => $why) if $why;
    my $demo = $class->start(workers => 1);
    my $browser = SFUTest::Chromium->launch(ignore_certificate_errors => 1, %{ $o{browser} || {} });
    my ($first, $room) = $demo->open_call($browser, $names[0]);
    my @pages = ($first, map { scalar $demo->open_call($browser, $_, room => $room) } @names[1 .. $#names]);
    return ($demo, $browser, $room, @pages);
}

our $Screenshots = "$Repo/build/screenshots";

# JS: exactly $n remote tiles of $source whose video has a size and whose
# decoded frame count rises over 0.7 s.
sub playing_js {
    my ($n, $source) = @_;
    $source //= 'camera';
    return <<"JS";
(async () => {
    const videos = [...document.querySelectorAll('.tile:not(.local)[data-source="$source"] video')];
    if (videos.length !== $n) return false;
    const frames = () => videos.map(v => v.getVideoPlaybackQuality().totalVideoFrames);
    const before = frames();
    await new Promise(r => setTimeout(r, 700));
    const after = frames();
    return videos.every((v, i) => v.videoWidth > 0 && after[i] > before[i]);
})()
JS
}

# The phone width the tests use (an iPhone SE/mini class screen).
our @PHONE = (width => 375, height => 667, mobile => 1);

# JS: what does not fit a phone's screen in the call view, as a list of
# texts (empty when all is well): a page wider than the screen (sideways
# scrolling), or a toolbar button not wholly on screen, too small to touch,
# or covered by something else at its centre.
sub phone_misfits_js {
    return <<'JS';
(() => {
    const bad = [];
    if (document.documentElement.scrollWidth > innerWidth)
        bad.push(`page ${document.documentElement.scrollWidth} px wide in ${innerWidth}`);
    for (const b of document.querySelectorAll('#toolbar button')) {
        const r = b.getBoundingClientRect();
        const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        if (r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight)
            bad.push(`${b.id} off screen`);
        else if (r.width < 32 || r.height < 32) bad.push(`${b.id} ${r.width}x${r.height}`);
        else if (!top || !b.contains(top)) bad.push(`${b.id} covered`);
    }
    return bad;
})()
JS
}

sub _read_exactly {
    my ($fh, $n, $deadline) = @_;
    my $buf = '';
    while (length $buf < $n) {
        my $rin = '';
        vec($rin, fileno $fh, 1) = 1;
        my $left = $deadline - time;
        return undef if $left <= 0 || !select(my $rout = $rin, undef, undef, $left);
        my $got = sysread $fh, $buf, $n - length $buf, length $buf;
        return undef unless $got;
    }
    return $buf;
}

sub start {
    my ($class, %o) = @_;
    -f $Module or die "SFUTest::Demo: $Module is not built: run make\n";
    (my $test = $0) =~ s{.*/|\.t$}{}g;
    my $state = "$Repo/t/servroot_demo_$test";
    remove_tree($state);
    make_path("$state/tls", "$state/log", "$state/nginx", "$state/run");
    my $sockdir = tempdir('sfu-demo-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $self = bless {
        state => $state, sockdir => $sockdir, workers => [], pids => {},
        udp_mux => SFUTest::Stack::udp_mux_default(), udp_ports => [],
        http_port => SFUTest::NginxProc::free_port(),
        https_port => SFUTest::NginxProc::free_port(),
        api_key => _random_hex(16),
    }, $class;

    my $openssl = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1"
        . " -nodes -days 2 -subj /CN=localhost"
        . " -addext subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"
        . " -keyout '$state/tls/key.pem' -out '$state/tls/cert.pem'";
    my $out = `$openssl 2>&1`;
    $? == 0 or die "SFUTest::Demo: openssl could not make a certificate:\n$out";

    my @socks = map { "$sockdir/sfu-$_.sock" } 0 .. ($o{workers} // 0) - 1;
    $self->{workers} = \@socks;
    $self->start_worker($_) for 0 .. $#socks;

    $self->{conf} = "$state/nginx/nginx.conf";
    my @fields = (
        MODULE => $Module, STATE => $state, WWW => "$Repo/conf/www",
        ERROR_LOG => "$state/log/nginx-error.log",
        ACCESS_LOG => "$state/log/nginx-access.log",
        LISTEN => '127.0.0.1', PUBLIC_HOST => 'localhost',
        HTTP_PORT => $self->{http_port}, HTTPS_PORT => $self->{https_port},
        PG_PORT => $ENV{TEST_NGINX_PG_PORT}, PG_PASSWORD => 'sfu',
        REDIS_PORT => $ENV{TEST_NGINX_REDIS_PORT}, API_KEY => $self->{api_key},
        TOKEN_SECRET => _random_hex(32), TURN_SECRET => _random_hex(16),
        TURN_HOST => '127.0.0.1', TURN_PORT => SFUTest::NginxProc::free_port(),
        TURNS_PORT => SFUTest::NginxProc::free_port(), WORKERS => "@socks",
    );
    my @args;
    while (my ($k, $v) = splice @fields, 0, 2) { push @args, "$k=$v" }
    system("$Repo/conf/render-conf", '-o', $self->{conf}, @args) == 0
        or die "SFUTest::Demo: conf/render-conf failed\n";

    my $global = 'daemon off;' . ($> == 0 ? ' user root;' : '');
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        setpgrp(0, 0);
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$state/log/nginx-stderr.log";
        open STDERR, '>&', \*STDOUT;
        exec($Nginx, '-p', "$state/nginx/", '-c', $self->{conf}, '-g', $global) or POSIX::_exit(127);
    }
    $self->{nginx} = $pid;
    my $deadline = time + 15;
    until (SFUTest::NginxProc::port_open('127.0.0.1', $self->{http_port}, 0.2)
           && SFUTest::NginxProc::port_open('127.0.0.1', $self->{https_port}, 0.2)) {
        if (waitpid($pid, WNOHANG) == $pid || time > $deadline) {
            delete $self->{nginx};
            die "SFUTest::Demo: nginx did not start:\n"
                . SFUTest::NginxProc::slurp("$state/log/nginx-stderr.log")
                . SFUTest::NginxProc::slurp("$state/log/nginx-error.log");
        }
        sleep 0.05;
    }
    return $self;
}

sub start_worker {
    my ($self, $i) = @_;
    my $sock = $self->{workers}[$i];
    unlink $sock;
    my @media;
    if (!media_options_missing()) {
        @media = @WORKER_MEDIA_ARGS;
        push @media, '--rtc-udp-port',
             $self->{udp_ports}[$i] //= SFUTest::NginxProc::free_ports(1)
            if $self->{udp_mux};
    }
    my @extra = (@media, split ' ', $ENV{SFU_TEST_WORKER_ARGS} // '');
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$self->{state}/log/sfu-worker-$i.log";
        open STDERR, '>&', \*STDOUT;
        exec($Worker, '--listen', $sock, '--id', $i, @extra) or POSIX::_exit(127);
    }
    $self->{pids}{$i} = $pid;
    my $deadline = time + 10;
    until (-S $sock) {
        die "SFUTest::Demo: sfu-worker $i did not start (see $self->{state}/log)\n"
            if time > $deadline || waitpid($pid, WNOHANG) == $pid;
        sleep 0.02;
    }
    return $pid;
}

sub kill_worker {
    my ($self, $i) = @_;
    my $pid = delete $self->{pids}{$i} or return;
    kill KILL => $pid;
    waitpid $pid, 0;
}

# SIGKILL nginx's worker processes (the master starts new ones): every
# WebSocket and every link to the SFU workers drops at once, as when an
# nginx worker crashes.  Returns how many were killed.
sub kill_nginx_workers {
    my ($self) = @_;
    my $master = $self->{nginx} or return 0;
    my @workers;
    for my $stat (glob '/proc/[0-9]*/stat') {
        my $line = SFUTest::NginxProc::slurp($stat) or next;
        push @workers, $1 if $line =~ /^(\d+) \(.*\) \S+ (\d+) / && $2 == $master;
    }
    return kill KILL => @workers;
}

sub url { "http://127.0.0.1:$_[0]{http_port}" . ($_[1] // '/') }
sub https_url { "https://localhost:$_[0]{https_port}" . ($_[1] // '/') }
sub api_key { $_[0]{api_key} }
sub conf { SFUTest::NginxProc::slurp($_[0]{conf}) }
sub error_log { SFUTest::NginxProc::slurp("$_[0]{state}/log/nginx-error.log") }

sub request {
    my ($self, $method, $path, %o) = @_;
    return SFUTest::HTTP::request($method, $self->url($path), %o);
}

sub api {
    my ($self, $method, $path, %o) = @_;
    $o{headers} = { Authorization => "Bearer $self->{api_key}", %{ $o{headers} || {} } };
    return $self->request($method, $path, %o);
}

sub stop {
    my ($self) = @_;
    if (my $pid = delete $self->{nginx}) {
        SFUTest::NginxProc::stop($pid, 10);
    }
    $self->kill_worker($_) for keys %{ $self->{pids} };
}

sub DESTROY { local ($?, $@); $_[0]->stop }

1;
