# The Redis connection of each nginx worker: addresses checked at start-up,
# TCP and unix sockets, and a lost Redis -- closed, or not answering within
# sfu_redis_timeout -- logged once as an error however many requests come
# meanwhile, and its return once as a notice.
use strict;
use warnings;
use Test::More;
use File::Spec;
use Time::HiRes ();
use SFUTest::HTTP;
use SFUTest::RedisServer;

my $LOCATIONS = 'location = /health { sfu_health; }';

sub refused {
    my ($http_config, $emerg, $name) = @_;
    my $ngx = eval {
        SFUTest::HTTP->start_nginx(http_config => $http_config,
                                   config => $LOCATIONS);
    };
    ok(!$ngx, "$name: nginx refuses to start");
    like($@, $emerg, "$name: says why");
}

refused('sfu_redis localhost:6379;', qr/host names are not resolved/,
        'host name');
refused('sfu_redis 127.0.0.1:65536;', qr/invalid "sfu_redis" address/,
        'port out of range');
refused('sfu_redis ::1:6379;', qr/invalid "sfu_redis" address/,
        'IPv6 without brackets');
refused('sfu_room_create_rate 10r/m;', qr/need "sfu_redis"/,
        'a rate limit without Redis');

sub redis_state {
    my ($ngx) = @_;
    my $r = $ngx->request(GET => '/health');
    return $r->{json} ? $r->{json}{redis}{status} : "no JSON: $r->{body}";
}

sub wait_state {
    my ($ngx, $want, $name) = @_;
    my $deadline = time + 10;
    my $state = redis_state($ngx);
    while ($state ne $want && time < $deadline) {
        Time::HiRes::sleep(0.05);
        $state = redis_state($ngx);
    }
    is($state, $want, $name);
}

sub count_lines {
    my ($ngx, $re) = @_;
    return scalar(() = $ngx->error_log =~ /$re/g);
}

# --- unix socket
my $sock = SFUTest::RedisServer->start(
    unix => File::Spec->rel2abs('t/servroot_redis_122.sock'));
my $ngx = SFUTest::HTTP->start_nginx(
    http_config => 'sfu_redis ' . $sock->addr . ';',
    config => $LOCATIONS);
wait_state($ngx, 'up', 'unix socket: up');
$ngx->stop;
$sock->stop;
unlink 't/servroot_redis_122.sock';

# --- TCP: lose it, get it back, lose it to a pause
my $redis = SFUTest::RedisServer->start;
$ngx = SFUTest::HTTP->start_nginx(
    http_config => 'sfu_redis ' . $redis->addr . ';
                    sfu_redis_timeout 300ms;
                    sfu_turn_secret_refresh 100ms;',
    config => $LOCATIONS);
wait_state($ngx, 'up', 'tcp: up');
is(count_lines($ngx, qr/\[error\]/), 0, 'tcp: nothing to report');

$redis->stop;
wait_state($ngx, 'down', 'stopped: down');
for (1 .. 20) {
    is(redis_state($ngx), 'down', 'stopped: still down');
}
my $addr = quotemeta $redis->addr;
is(count_lines($ngx, qr/\[error\].*sfu: redis $addr is unavailable: Server closed the connection; retrying/),
   1, 'stopped: one error line');
is(count_lines($ngx, qr/\[error\]/), 1, 'stopped: and no other');

$redis->restart;
wait_state($ngx, 'up', 'restarted: up again');
is(count_lines($ngx, qr/\[notice\].*sfu: redis $addr is available again/),
   1, 'restarted: one notice');

# The TURN secret is read every 100 ms: with Redis paused, that command
# times out and takes the connection down.  Reconnections to the paused
# server connect, but their PING times out too: no more lines.
$ngx->mark_log;
$redis->pause;
wait_state($ngx, 'down', 'paused: down');
Time::HiRes::sleep(1.5);
is(count_lines($ngx, qr/\[error\].*is unavailable: command timed out; retrying/),
   1, 'paused: one error line, the command timeout');
is(count_lines($ngx, qr/\[error\]/), 1, 'paused: and no other');

$redis->resume;
wait_state($ngx, 'up', 'resumed: up again');
is(count_lines($ngx, qr/\[notice\].*is available again/), 1,
   'resumed: one notice');
unlike($ngx->error_log, qr/\[(alert|crit|emerg)\]/, 'no alerts');

done_testing();
