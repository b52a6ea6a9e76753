# The TURN secret behind GET /api/v1/turn-credentials: the newest member of
# Redis' turn/realm/<realm>/secret by its score in .../secret/added, read by
# a timer (sfu_turn_secret_refresh) and not per request; sfu_turn_secret
# when Redis has none or is gone; 503 when there is no secret at all.
# Which secret signed a credential is found by recomputing the HMAC.
use strict;
use warnings;
use Test::More;
use Digest::SHA qw(hmac_sha1);
use MIME::Base64 qw(encode_base64);
use SFUTest::Services;
use SFUTest::HTTP;
use SFUTest::RedisServer;

my $KEY = '0123456789abcdef0123';
my $SET = 'turn/realm/example.org/secret';
my @SECRETS = qw(directive-secret old-secret new-secret unscored-secret
                 redis-only-secret);

my $redis = SFUTest::RedisServer->start;

sub start {
    my ($turn_secret) = @_;
    my $ngx = SFUTest::HTTP->start_nginx(
        http_config => qq{
            sfu_postgres "\$TEST_NGINX_PG_CONNINFO";
            sfu_api_key $KEY ops;
            sfu_token_secret 0123456789abcdef0123456789abcdef;
            sfu_redis } . $redis->addr . qq{;
            sfu_turn_realm example.org;
            sfu_turn_uri turn:127.0.0.1:3478?transport=udp;
            sfu_turn_secret_refresh 100ms;
            $turn_secret
        },
        config => 'location /api/ { sfu_api; }');

    # a join token, once PostgreSQL is in
    my $deadline = time + 10;
    my $r;
    do {
        select(undef, undef, undef, 0.05);
        $r = $ngx->request(POST => '/api/v1/rooms',
                           headers => {Authorization => "Bearer $KEY"},
                           json => {name => 'turn', max_participants => 5});
    } while ($r->{status} != 201 && time < $deadline);
    # a join has ICE servers too: without sfu_turn_secret, it waits for
    # the first read from Redis
    my $room = $r->{json}{id};
    do {
        select(undef, undef, undef, 0.05);
        $r = $ngx->request(POST => "/api/v1/rooms/$room/join",
                           json => {name => 'Ada'});
    } while ($r->{status} != 200 && time < $deadline);
    $ngx->{token} = $r->{json}{token} or die "no join token: $r->{body}\n";
    return $ngx;
}

# the secret that signed a fresh credential, or the error code
sub signer {
    my ($ngx) = @_;
    my $r = $ngx->request(GET => '/api/v1/turn-credentials',
                          headers => {Authorization => "Bearer $ngx->{token}"});
    return "$r->{status} $r->{json}{error}{code}" if $r->{status} != 200;
    my ($turn) = grep { exists $_->{username} } @{$r->{json}{ice_servers}};
    for my $s (@SECRETS) {
        return $s if $turn->{credential}
                     eq encode_base64(hmac_sha1($turn->{username}, $s), '');
    }
    return 'an unknown secret';
}

# the refresh runs every 100 ms: wait for the change to show
sub signed_by {
    my ($ngx, $want, $name) = @_;
    my $deadline = time + 5;
    my $got = signer($ngx);
    while ($got ne $want && time < $deadline) {
        select(undef, undef, undef, 0.05);
        $got = signer($ngx);
    }
    is($got, $want, $name);
}

my $ngx = start('sfu_turn_secret directive-secret;');
signed_by($ngx, 'directive-secret', 'Redis has none: sfu_turn_secret');

$redis->cmd('SADD', $SET, 'old-secret', 'new-secret', 'unscored-secret');
$redis->cmd('ZADD', "$SET/added", 100, 'old-secret', 200, 'new-secret');
signed_by($ngx, 'new-secret', 'rotation: the highest score wins');

$redis->cmd('ZADD', "$SET/added", 300, 'old-secret');
signed_by($ngx, 'old-secret', 'rotation: scores, not names or order');

$redis->cmd('ZREM', "$SET/added", 'old-secret', 'new-secret');
signed_by($ngx, 'unscored-secret',
          'rotation: unscored members are the oldest, ties to the greatest');

$redis->cmd('DEL', $SET);
signed_by($ngx, 'directive-secret', 'set emptied: sfu_turn_secret again');

$redis->cmd('SADD', $SET, 'new-secret');
signed_by($ngx, 'new-secret', 'Redis again');
$redis->stop;
signed_by($ngx, 'directive-secret', 'Redis gone: sfu_turn_secret');
$ngx->stop;

# without sfu_turn_secret
$redis->restart;
$redis->cmd('SADD', $SET, 'redis-only-secret');
$ngx = start('');
signed_by($ngx, 'redis-only-secret', 'no directive: the Redis secret');
$redis->stop;
select(undef, undef, undef, 0.5);
is(signer($ngx), 'redis-only-secret',
   'no directive, Redis gone: the last secret read is kept');
$redis->restart;
signed_by($ngx, '503 turn-unavailable', 'no secret anywhere: 503');
like($ngx->error_log, qr/\[error\].*sfu: no TURN secret/,
     'no secret anywhere: logged');
$ngx->stop;

my $refused = eval {
    SFUTest::HTTP->start_nginx(
        http_config => 'sfu_turn_uri turn:127.0.0.1:3478;',
        config => 'location = /x { return 204; }');
};
ok(!$refused, 'TURN URIs with no place for a secret: nginx refuses to start');
like($@, qr/"sfu_turn_uri" needs "sfu_turn_secret" or "sfu_redis"/,
     'and says why');

done_testing();
