# Configurations the module refuses: nginx does not start, and says why in
# one [emerg] line naming the directive.  One block per refusal.
use Test::Nginx::Socket 'no_plan';

our $PG = 'sfu_postgres "hostaddr=127.0.0.1 port=5432 dbname=sfu user=sfu";';
our $TOKEN = 'sfu_token_secret 0123456789abcdef0123456789abcdef;';

# Every block but the last (which proves a valid configuration starts) must
# keep nginx from starting; none needs PostgreSQL or Redis to be there.
add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('config', 'location = /t { return 204; }')
        unless defined $block->config;
});

no_shuffle();
run_tests();

__DATA__

=== TEST 1: sfu_api without sfu_postgres
--- http_config eval
$::TOKEN
--- config
location /api/ { sfu_api; }
--- must_die
--- error_log
[emerg]
"sfu_api" needs "sfu_postgres"



=== TEST 2: sfu_api without sfu_token_secret
--- http_config eval
$::PG
--- config
location /api/ { sfu_api; }
--- must_die
--- error_log
"sfu_api" needs "sfu_token_secret"



=== TEST 3: sfu_api twice in one location
--- http_config eval
"$::PG $::TOKEN"
--- config
location /api/ { sfu_api; sfu_api; }
--- must_die
--- error_log
"sfu_api" directive is duplicate



=== TEST 4: a host name in the PostgreSQL conninfo
--- http_config
sfu_postgres "host=db.example.org port=5432 dbname=sfu user=sfu";
--- must_die
--- error_log
"sfu_postgres" names host "db.example.org", which would need a DNS lookup: give its address with "hostaddr="



=== TEST 5: a conninfo libpq cannot parse
--- http_config
sfu_postgres "hostaddr=127.0.0.1 port";
--- must_die
--- error_log
invalid "sfu_postgres" conninfo: missing "=" after "port" in connection info string



=== TEST 6: a PostgreSQL pool of 0
--- http_config eval
"$::PG sfu_postgres_pool 0;"
--- must_die
--- error_log
"sfu_postgres_pool" must be 1 to 64



=== TEST 7: a PostgreSQL pool over 64
--- http_config eval
"$::PG sfu_postgres_pool 65;"
--- must_die
--- error_log
"sfu_postgres_pool" must be 1 to 64



=== TEST 8: a host name as the Redis address
--- http_config
sfu_redis redis.example.org:6379;
--- must_die
--- error_log
invalid "sfu_redis" address "redis.example.org:6379": use an IP address and port, as in "127.0.0.1:6379" or "[::1]:6379", or "unix:/path"; host names are not resolved



=== TEST 9: a Redis timeout of 0
--- http_config
sfu_redis 127.0.0.1:6379;
sfu_redis_timeout 0;
--- must_die
--- error_log
"sfu_redis_timeout" must be more than 0



=== TEST 10: rate limits without Redis
--- http_config
sfu_join_rate 30r/m;
--- must_die
--- error_log
rate limits ("sfu_room_create_rate", "sfu_join_rate") need "sfu_redis"



=== TEST 11: a rate in an unknown unit
--- http_config
sfu_room_create_rate 10r/d;
--- must_die
--- error_log
invalid rate "10r/d": use "off" or a number of requests per s, m or h, as in "10r/m"



=== TEST 12: a rate given twice
--- http_config
sfu_redis 127.0.0.1:6379;
sfu_join_rate 30r/m;
sfu_join_rate off;
--- must_die
--- error_log
"sfu_join_rate" directive is duplicate



=== TEST 13: an API key shorter than 16 characters
--- http_config
sfu_api_key short-key ops;
--- must_die
--- error_log
API key "short-key" is too short: use at least 16 characters



=== TEST 14: a token secret shorter than 32 bytes
--- http_config
sfu_token_secret 0123456789abcdef;
--- must_die
--- error_log
"sfu_token_secret" is too short: use at least 32 bytes



=== TEST 15: TURN URIs with nowhere to hold the TURN secret
--- http_config
sfu_turn_uri turn:127.0.0.1:3478;
--- must_die
--- error_log
"sfu_turn_uri" needs "sfu_turn_secret" or "sfu_redis" to hold the TURN secret



=== TEST 16: no password hashing iterations
--- http_config
sfu_password_iterations 0;
--- must_die
--- error_log
"sfu_password_iterations" must be between 1 and 10000000



=== TEST 17: a worker ping interval under 10 ms
--- http_config
sfu_worker_ping_interval 5ms;
--- must_die
--- error_log
"sfu_worker_ping_interval" must be at least 10ms



=== TEST 18: an SFU worker address that is not a Unix socket
--- http_config
sfu_worker 127.0.0.1:7000;
--- must_die
--- error_log
invalid SFU worker address "127.0.0.1:7000": use unix:/path/to/worker.sock



=== TEST 19: the same SFU worker twice
--- http_config
sfu_worker unix:/tmp/sfu-refusals-worker.sock;
sfu_worker unix:/tmp/sfu-refusals-worker.sock;
--- must_die
--- error_log
duplicate SFU worker "/tmp/sfu-refusals-worker.sock"



=== TEST 20: an edge id with a space
--- http_config eval
"$::PG sfu_edge_id 'edge one';"
--- must_die
--- error_log
"sfu_edge_id" "edge one" must be printable ASCII without spaces



=== TEST 21: an orphan sweep too often
--- http_config eval
"$::PG sfu_orphan_sweep 10ms;"
--- must_die
--- error_log
"sfu_orphan_sweep" must be at least 100ms



=== TEST 22: an empty edge id (refused where it is written, not replaced by the host name)
--- http_config eval
"$::PG sfu_edge_id '';"
--- must_die
--- error_log
"sfu_edge_id" must be 1 to 255 characters



=== TEST 23: a worker liveness timeout no longer than the ping interval
--- http_config
sfu_worker_ping_interval 5s;
sfu_worker_ping_timeout 5s;
--- must_die
--- error_log
"sfu_worker_ping_timeout" (5000 ms) must be longer than "sfu_worker_ping_interval" (5000 ms)



=== TEST 24: the same directives, valid, start (the refusals above are not the harness failing)
--- http_config eval
"$::PG $::TOKEN sfu_redis 127.0.0.1:6379; sfu_join_rate 30r/m; sfu_api_key 0123456789abcdef ops; sfu_edge_id edge-1; sfu_orphan_sweep 10s; sfu_worker_ping_interval 1s; sfu_worker_ping_timeout 10s;"
--- config
location /api/ { sfu_api; }
location = /t { return 204; }
--- request
GET /t
--- error_code: 204
--- no_error_log
[emerg]
