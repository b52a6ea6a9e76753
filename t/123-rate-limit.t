# Rate limits in Redis through POST /api/v1/rooms: a fixed window per API
# key, 429 with Retry-After beyond it; and with Redis gone or not
# answering, "sfu_redis_fail_mode open" lets requests through while
# "closed" refuses them with 503.
#
# A request that needs Redis while a worker's connection is still being
# made waits for it, within sfu_redis_timeout: once Redis answers, it is
# counted like any later one (never a 503 just because the worker is
# young); when the connection fails or Redis stays silent, it gets the
# fail mode's answer, as during any outage.  A paused Redis is one that
# accepts TCP connections and answers nothing.
use strict;
use warnings;
use Test::More;
use POSIX ();
use Time::HiRes ();
use SFUTest::Services;
use SFUTest::HTTP;
use SFUTest::RedisServer;

my $KEY = '0123456789abcdef0123';
my %AUTH = (Authorization => "Bearer $KEY");
my $COUNTER = 'sfu:rl:create:ops:60';

my $redis = SFUTest::RedisServer->start;

sub start {
    my ($mode, $timeout) = @_;
    $timeout //= '300ms';
    return SFUTest::HTTP->start_nginx(
        http_config => qq{
            sfu_postgres "\$TEST_NGINX_PG_CONNINFO";
            sfu_api_key $KEY ops;
            sfu_token_secret 0123456789abcdef0123456789abcdef;
            sfu_redis } . $redis->addr . qq{;
            sfu_redis_timeout $timeout;
            sfu_redis_fail_mode $mode;
            sfu_room_create_rate 10r/m;
        },
        config => 'location /api/ { sfu_api; }');
}

sub create {
    my ($ngx) = @_;
    return $ngx->request(POST => '/api/v1/rooms', headers => \%AUTH,
                         json => {name => 'limited', max_participants => 2});
}

# creates until one is counted in Redis: nginx is connected again
sub until_counted {
    my ($ngx) = @_;
    my $deadline = time + 10;
    until ($redis->cmd('EXISTS', 'sfu:rl:create:ops:60') == 1) {
        die "never counted in Redis\n" if time > $deadline;
        create($ngx);
        select(undef, undef, undef, 0.05);
    }
}

my $ngx = start('open');

# start the window once a create has been counted
until_counted($ngx);
$redis->cmd('DEL', 'sfu:rl:create:ops:60');

my $r = create($ngx);
is($r->{status}, 201, 'window: the first create');

for (2 .. 10) {
    is(create($ngx)->{status}, 201, "window: create $_ of 10");
}

$r = create($ngx);
is($r->{status}, 429, 'window: the 11th is 429');
is($r->{json}{error}{code}, 'rate-limited', 'window: rate-limited');
my $retry = $r->{headers}{'retry-after'};
ok(defined $retry && $retry >= 1 && $retry <= 60,
   'window: Retry-After within the minute (' . ($retry // 'none') . ')');
is($redis->cmd('GET', 'sfu:rl:create:ops:60'), 11, 'redis: one counter per key and window');
my $ttl = $redis->cmd('TTL', 'sfu:rl:create:ops:60');
ok($ttl >= 1 && $ttl <= 60, "redis: the counter expires with the window ($ttl)");

# a window that has ended starts again
$redis->cmd('EXPIRE', 'sfu:rl:create:ops:60', 1);
select(undef, undef, undef, 1.2);
is(create($ngx)->{status}, 201, 'window: a new window allows again');

# fail open: gone, then not answering
$redis->stop;
is(create($ngx)->{status}, 201, 'open, Redis gone: allowed');
$redis->restart;
until_counted($ngx);
$redis->pause;
$r = create($ngx);
is($r->{status}, 201, 'open, Redis not answering: allowed after the timeout');
$redis->resume;
$ngx->stop;

# fail closed
$redis->restart;
$ngx = start('closed');
my $deadline = time + 10;
$r = create($ngx);
while ($r->{status} != 201 && time < $deadline) {
    select(undef, undef, undef, 0.05);
    $r = create($ngx);
}
is($r->{status}, 201, 'closed, Redis up: allowed');

$redis->pause;
$r = create($ngx);
is($r->{status}, 503, 'closed, Redis not answering: 503');
is($r->{json}{error}{code}, 'rate-limiter-unavailable',
   'closed: rate-limiter-unavailable');
$redis->resume;

$redis->stop;
$r = create($ngx);
is($r->{status}, 503, 'closed, Redis gone: 503');
like($ngx->error_log, qr/sfu: redis \S+ is unavailable/, 'closed: the loss is logged');
unlike($ngx->error_log, qr/\[(alert|crit|emerg)\]/, 'no alerts');
$ngx->stop;

# resumes the paused Redis from a child while the parent's request waits
sub resume_after {
    my ($seconds) = @_;
    my $pid = fork // die "fork: $!\n";
    if (!$pid) {
        Time::HiRes::sleep($seconds);
        $redis->resume;
        POSIX::_exit(0);
    }
    return $pid;
}

# --- closed: Redis answers only after the first request came
$redis->restart;
$redis->cmd('DEL', $COUNTER);
$redis->pause;
$ngx = start('closed', '10s');
my $child = resume_after(1);
$r = create($ngx);
waitpid $child, 0;
is($r->{status}, 201, 'closed, Redis late: the first request waits and gets in');
is($redis->cmd('GET', $COUNTER), 1, 'closed, Redis late: and is counted');
is(create($ngx)->{status}, 201, 'closed: the next one too');
is($redis->cmd('GET', $COUNTER), 2, 'closed: counted');
unlike($ngx->error_log, qr/redis \S+ is unavailable/,
       'closed, Redis late: no outage is logged');
$ngx->stop;

# --- open: the same, a young worker does not let requests through uncounted
$redis->cmd('DEL', $COUNTER);
$redis->pause;
$ngx = start('open', '10s');
$child = resume_after(1);
$r = create($ngx);
waitpid $child, 0;
is($r->{status}, 201, 'open, Redis late: the first request gets in');
is($redis->cmd('GET', $COUNTER), 1, 'open, Redis late: and is counted');
$ngx->stop;

# --- Redis silent past the timeout: the Redis-down answer of each mode
$redis->pause;
$ngx = start('closed', '500ms');
$r = create($ngx);
is($r->{status}, 503, 'closed, Redis silent from the start: 503');
is($r->{json}{error}{code}, 'rate-limiter-unavailable',
   'closed, Redis silent from the start: rate-limiter-unavailable');
like($ngx->error_log, qr/sfu: redis \S+ is unavailable/, 'closed: logged');
$ngx->stop;

$ngx = start('open', '500ms');
is(create($ngx)->{status}, 201, 'open, Redis silent from the start: allowed');
$ngx->stop;
$redis->resume;

# --- Redis gone at the start (refused): answered at once, as in an outage
$redis->stop;
$ngx = start('closed', '10s');
my $t0 = Time::HiRes::time();
$r = create($ngx);
is($r->{status}, 503, 'closed, Redis gone from the start: 503');
ok(Time::HiRes::time() - $t0 < 5,
   'closed, Redis gone from the start: without waiting for the timeout');
$ngx->stop;

$ngx = start('open', '10s');
is(create($ngx)->{status}, 201, 'open, Redis gone from the start: allowed');
unlike($ngx->error_log, qr/\[(alert|crit|emerg)\]/, 'no alerts');
$ngx->stop;

done_testing();
