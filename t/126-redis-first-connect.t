# A request that needs Redis while a worker's connection is still being
# made waits for it, within sfu_redis_timeout: once Redis answers, it is
# counted like any later one (never a 503 just because the worker is
# young); when the connection fails or Redis stays silent, it gets the
# sfu_redis_fail_mode answer, as during any outage.  A paused Redis is one
# that accepts TCP connections and answers nothing.
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
                         json => {name => 'early', max_participants => 2});
}

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
$redis->cmd('DEL', $COUNTER);
$redis->pause;
my $ngx = start('closed', '10s');
my $child = resume_after(1);
my $r = create($ngx);
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
