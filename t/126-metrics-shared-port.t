# /metrics shows the shared ICE port's counters of each SFU worker that
# serves one (sfu-worker --rtc-udp-port), labelled by its socket path, as
# the worker reports them in its hello and every pong: strangers' packets
# sent to a real worker's port show up as exactly those events; a worker
# without the shared port has no series; a restarted worker starts again
# from its own counts; a worker reporting malformed counters is logged
# once and changes nothing.
use strict;
use warnings;
use Test::More;
use Digest::SHA qw(hmac_sha1);
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time);
use SFUTest::FakeWorker;
use SFUTest::HTTP;
use SFUTest::Worker;

my @counters = qw(udp_datagrams udp_unknown_source udp_kernel_drops
                  stun_requests stun_responses stun_malformed
                  stun_unknown_ufrag stun_bad_credentials stun_unrouted
                  tcp_accepted tcp_refused tcp_auth_timeouts tcp_over_limit
                  tcp_accept_pauses tcp_send_drops);

# a port free for both UDP and TCP on 127.0.0.1
sub free_udp_tcp_port {
    for (1 .. 50) {
        my $port = SFUTest::NginxProc::free_port();
        my $u = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                      LocalPort => $port, Proto => 'udp');
        return $port if $u;
    }
    die "no free UDP and TCP port\n";
}

my $port = free_udp_tcp_port();
my @mux_args = ('--rtc-listen', '127.0.0.1', '--rtc-udp-port', $port,
                '--rtc-peer-networks', '127.0.0.0/8');
my $mux = SFUTest::Worker->start(@mux_args);
my $plain = SFUTest::Worker->start('--rtc-listen', '127.0.0.1');
my $dir = tempdir(CLEANUP => 1);
my $fake = SFUTest::FakeWorker->new(path => "$dir/fake.sock", id => 2);
my %port_of_fake = map { $_ => 7 } @counters;
$fake->{live} = { rooms => 1, participants => 1, packet_cache_bytes => 0,
                  shared_port => { %port_of_fake } };

# the real workers are listening once they greet a connection
$_->connect->close for $mux, $plain;

# one nginx worker process: one link per SFU worker, so "logged once" is
# one line
my $ngx = SFUTest::HTTP->start_nginx(
    workers => 1, log_level => 'info',
    http_config => join('', map { "    sfu_worker unix:$_;\n" }
                                $mux->path, $plain->path, "$dir/fake.sock")
                   . "    sfu_worker_ping_interval 200ms;\n",
    config => 'location = /metrics { sfu_metrics; }');

# "name{labels}" => value, pumping the stand-in worker meanwhile
sub scrape {
    my $r = $ngx->request(GET => '/metrics');
    my %m;
    for (split /\n/, $r->{body}) {
        next if /^#/;
        /^(\S+) (-?\d+)$/ and $m{$1} = $2;
    }
    return \%m;
}

# the worker's shared-port counters as "name=value ..." (absent: none)
sub port_of {
    my ($m, $path) = @_;
    return join ' ', map {
        "$_=" . ($m->{"sfu_worker_ice_${_}_total{worker=\"$path\"}"} // 'none')
    } @counters;
}

sub expect_port {
    my ($path, $want, $name, $secs) = @_;
    my $want_text = join ' ', map { "$_=" . ($want->{$_} // 0) } @counters;
    my $got;
    $fake->wait_for(sub { $got = port_of(scrape(), $path); $got eq $want_text },
                    $secs // 15);
    is($got, $want_text, $name);
}

expect_port($mux->path, {}, 'a worker on the shared port: every counter, 0');
expect_port("$dir/fake.sock", \%port_of_fake,
            'each worker its own series (the stand-in\'s)');

my $r = $ngx->request(GET => '/metrics');
for my $c (@counters) {
    my $name = "sfu_worker_ice_${c}_total";
    like($r->{body}, qr/^# HELP $name \S.*\n# TYPE $name counter$/m,
         "$name has HELP and TYPE counter");
}
my $plain_path = $plain->path;
unlike($r->{body}, qr/^sfu_worker_ice_\w+\{worker="\Q$plain_path\E"\}/m,
       'a worker without the shared port has no series');

# --- strangers on the shared port

my $udp = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                Proto => 'udp') or die "udp: $!";

# not STUN, from an address no check validated
$udp->send('not ICE, not from a peer');

# looks like STUN (cookie, length), but its attribute overruns the message
my $tid = 'stranger-tid';
$udp->send(pack('n n N a12 n n N', 0x0001, 8, 0x2112A442, $tid,
                0x0006, 100, 0));

# a well-formed binding request for a ufrag nobody has: 401
my $user = 'nobody:stranger';
my $attrs = pack('n n a*', 0x0006, length $user, $user)
          . "\0" x ((4 - length($user) % 4) % 4);
my $head = pack('n n N a12', 0x0001, length($attrs) + 24, 0x2112A442, $tid);
$udp->send($head . $attrs . pack('n n', 0x0008, 20)
           . hmac_sha1($head . $attrs, 'not-the-password'));
my $answer = '';
IO::Select->new($udp)->can_read(10) and $udp->recv($answer, 1500);
# a binding error response whose first attribute is ERROR-CODE
my ($type, $class, $number) = length $answer >= 28
    ? unpack('n x18 x4 x2 C C', $answer) : (0, 0, 0);
is(sprintf('%04x %d', $type, ($class & 7) * 100 + $number), '0111 401',
   'a request for an unknown ufrag: a binding error, 401');

# ICE-TCP: a first frame that is no binding request, and silence
my $junk_tcp = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $port) or die "tcp: $!";
print {$junk_tcp} pack('n a*', 4, 'junk');
my $silent_tcp = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                       PeerPort => $port) or die "tcp: $!";

sub closed_by_worker {
    my ($sock, $secs) = @_;
    my $end = time + $secs;
    while (time < $end) {
        $fake->wait_for(sub { 0 }, 0.2);
        next unless IO::Select->new($sock)->can_read(0);
        my $n = sysread $sock, my $buf, 100;
        return 1 if !$n;
    }
    return 0;
}
ok(closed_by_worker($junk_tcp, 10), 'ICE-TCP junk: closed at once');
ok(closed_by_worker($silent_tcp, 25),
   'ICE-TCP silence: closed after the 10 s authentication timeout');

my %events = (udp_datagrams => 3, udp_unknown_source => 1,
              stun_malformed => 1, stun_requests => 1,
              stun_unknown_ufrag => 1, tcp_accepted => 2, tcp_refused => 1,
              tcp_auth_timeouts => 1);
expect_port($mux->path, \%events,
            'exactly the strangers\' events, nothing else');

# --- a restarted worker starts again from its own counts

my $mux_path = $mux->path;
$mux->stop;
$mux = SFUTest::Worker->start({ sock => $mux_path }, @mux_args);
$mux->connect->close;
$udp->send('again');
expect_port($mux->path, { udp_datagrams => 1, udp_unknown_source => 1 },
            'a restarted worker: its own counts (a counter reset)');

# --- a worker reporting malformed counters

$fake->{live} = { rooms => 2, participants => 1, packet_cache_bytes => 0,
                  shared_port => { %port_of_fake, udp_datagrams => 9,
                                   tcp_refused => -1 } };
my $rooms;
$fake->wait_for(sub { ($rooms = scrape()->{webrtc_rooms_total} // 0) == 2 }, 10);
is($rooms, 2, 'a pong with a bad counter: its rooms are still taken');
$fake->{live}{rooms} = 3;
$fake->{live}{shared_port}{tcp_refused} = 'many';
$fake->wait_for(sub { ($rooms = scrape()->{webrtc_rooms_total} // 0) == 3 }, 10);
is($rooms, 3, '... and the next');
expect_port("$dir/fake.sock", \%port_of_fake, '... its counters unchanged', 1);
my @logged = $ngx->error_log
    =~ /\[warn\].*sfu worker "\Q$dir\E\/fake\.sock" sent an invalid "shared_port" \(field "tcp_refused"\)/g;
is(scalar @logged, 1, '... logged once');

$fake->{live} = { rooms => 3, participants => 1, packet_cache_bytes => 0 };
expect_port("$dir/fake.sock", { map { $_ => 'none' } @counters },
            'a worker that stops reporting the shared port: its series go');

# --- a worker reporting a malformed room or cache count: that figure
# stays, the others are taken, logged once

$fake->{live} = { rooms => -1, participants => 1, packet_cache_bytes => 4096 };
my $cache;
$fake->wait_for(sub { ($cache = scrape()->{sfu_worker_packet_cache_bytes} // 0) == 4096 }, 10);
is($cache, 4096, 'a pong with a negative room count: its cache figure is taken');
is(scrape()->{webrtc_rooms_total}, 3, '... its room count is not');
$fake->{live} = { rooms => 'many', participants => 1, packet_cache_bytes => 8192 };
$fake->wait_for(sub { ($cache = scrape()->{sfu_worker_packet_cache_bytes} // 0) == 8192 }, 10);
is(scrape()->{webrtc_rooms_total}, 3, '... nor the next, a string');
@logged = $ngx->error_log
    =~ /\[warn\].*sfu worker "\Q$dir\E\/fake\.sock" sent an invalid "rooms": its figure is not updated/g;
is(scalar @logged, 1, '... logged once');

unlike($ngx->error_log, qr/\[(alert|crit|emerg)\]/, 'no alerts');

done_testing();
