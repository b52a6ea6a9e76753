# Rate limits in Redis through POST /api/v1/rooms: a fixed window per API
# key, 429 with Retry-After beyond it; and with Redis gone or not
# answering, "sfu_redis_fail_mode open" lets requests through while
# "closed" refuses them with 503.
use strict;
use warnings;
use Test::More;
use SFUTest::Services;
use SFUTest::HTTP;
use SFUTest::RedisServer;

my $KEY = '0123456789abcdef0123';
my %AUTH = (Authorization => "Bearer $KEY");

my $redis = SFUTest::RedisServer->start;

sub start {
    my ($mode) = @_;
    return SFUTest::HTTP->start_nginx(
        http_config => qq{
            sfu_postgres "\$TEST_NGINX_PG_CONNINFO";
            sfu_api_key $KEY ops;
            sfu_token_secret 0123456789abcdef0123456789abcdef;
            sfu_redis } . $redis->addr . qq{;
            sfu_redis_timeout 300ms;
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

done_testing();
