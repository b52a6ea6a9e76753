# /health: PostgreSQL, Redis and the SFU workers as this nginx worker sees
# them; 200 only when PostgreSQL and every worker are up.
use Test::Nginx::Socket 'no_plan';
use SFUTest::Services;
use SFUTest::NginxProc;
use SFUTest::HTTP;

# nothing listens here
$ENV{TEST_NGINX_DEAD_PORT} = SFUTest::NginxProc::free_port();

# Connections are made once nginx runs: wait until /health shows them.
sub main::wait_health {
    my ($want) = @_;
    my $url = "http://127.0.0.1:" . server_port() . "/health";
    my $deadline = time + 10;
    while (time < $deadline) {
        return if SFUTest::HTTP::request(GET => $url)->{body} =~ $want;
        select(undef, undef, undef, 0.05);
    }
    die "/health never matched $want\n";
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: nothing reachable: 503, PostgreSQL down, Redis disabled, no workers
--- config
location = /health { sfu_health; }
--- request
GET /health
--- error_code: 503
--- response_headers
Content-Type: application/json
Cache-Control: no-store
--- response_body_like chomp
^\{"status":"degraded","version":"\d+\.\d+\.\d+","postgres":\{"status":"down"\},"redis":\{"status":"disabled"\},"workers":\[\]\}$



=== TEST 2: PostgreSQL up, no Redis, no workers: 200 ok
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
--- config
location = /health { sfu_health; }
--- init
main::wait_health(qr/"postgres":\{"status":"up"\}/);
--- request
GET /health
--- error_code: 200
--- response_body_like chomp
^\{"status":"ok","version":"[^"]+","postgres":\{"status":"up"\},"redis":\{"status":"disabled"\},"workers":\[\]\}$



=== TEST 3: a worker whose socket does not exist is down: 503
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_worker /nonexistent/sfu-worker.sock;
--- config
location = /health { sfu_health; }
--- init
main::wait_health(qr/"postgres":\{"status":"up"\}/);
--- request
GET /health
--- error_code: 503
--- response_body_like chomp
^\{"status":"degraded","version":"[^"]+","postgres":\{"status":"up"\},"redis":\{"status":"disabled"\},"workers":\[\{"path":"/nonexistent/sfu-worker.sock","status":"down"\}\]\}$



=== TEST 4: Redis up
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
location = /health { sfu_health; }
--- init
main::wait_health(qr/"postgres":\{"status":"up"\},"redis":\{"status":"up"\}/);
--- request
GET /health
--- error_code: 200
--- response_body_like chomp
^\{"status":"ok",.*"redis":\{"status":"up"\},"workers":\[\]\}$
--- no_error_log
[error]



=== TEST 5: Redis unreachable: degraded, still 200, the loss logged
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_redis 127.0.0.1:$TEST_NGINX_DEAD_PORT;
--- config
location = /health { sfu_health; }
--- init
main::wait_health(qr/"postgres":\{"status":"up"\}/);
--- request
GET /health
--- error_code: 200
--- response_body_like chomp
^\{"status":"degraded",.*"postgres":\{"status":"up"\},"redis":\{"status":"down"\},"workers":\[\]\}$
--- error_log
is unavailable: Connection refused; retrying
