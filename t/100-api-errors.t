# REST API: authentication, routing and request-body validation.
# Every refusal is a JSON error with the right status; nothing reaches the
# database that should not.
use Test::Nginx::Socket 'no_plan';
use SFUTest::Services;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: no API key is 401 with a JSON error and WWW-Authenticate
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_api_key 0123456789abcdef0123 ops;
sfu_token_secret 0123456789abcdef0123456789abcdef;
--- config
location /api/ { sfu_api; }
--- request
GET /api/v1/rooms
--- error_code: 401
--- response_headers
Content-Type: application/json
WWW-Authenticate: Bearer
--- response_body
{"error":{"code":"unauthorized","message":"an API key is required"}}



=== TEST 2: a wrong API key is 401
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_api_key 0123456789abcdef0123 ops;
sfu_token_secret 0123456789abcdef0123456789abcdef;
--- config
location /api/ { sfu_api; }
--- request
GET /api/v1/rooms
--- more_headers
Authorization: Bearer 0123456789abcdef0124
--- error_code: 401
--- response_body
{"error":{"code":"unauthorized","message":"the API key is not valid"}}



=== TEST 3: a malformed Authorization header is 401
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_api_key 0123456789abcdef0123 ops;
sfu_token_secret 0123456789abcdef0123456789abcdef;
--- config
location /api/ { sfu_api; }
--- request
GET /api/v1/rooms
--- more_headers
Authorization: Basic b3BzOnNlY3JldA==
--- error_code: 401
--- response_body
{"error":{"code":"unauthorized","message":"the API key is not valid"}}



=== TEST 4: a wrong key on join (where a key is optional) is still 401
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_api_key 0123456789abcdef0123 ops;
sfu_token_secret 0123456789abcdef0123456789abcdef;
--- config
location /api/ { sfu_api; }
--- request
POST /api/v1/rooms/abc/join
{"name":"eve"}
--- more_headers
Authorization: Bearer not-a-key-at-all-0000
Content-Type: application/json
--- error_code: 401
--- response_body
{"error":{"code":"unauthorized","message":"the API key is not valid"}}



=== TEST 5: unknown resources are 404
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_api_key 0123456789abcdef0123 ops;
sfu_token_secret 0123456789abcdef0123456789abcdef;
--- config
location /api/ { sfu_api; }
--- request
GET /api/v1/roomsx
--- more_headers
Authorization: Bearer 0123456789abcdef0123
--- error_code: 404
--- response_body
{"error":{"code":"not-found","message":"no such API resource"}}



=== TEST 6: a room id with characters outside [A-Za-z0-9_-] is 404
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_api_key 0123456789abcdef0123 ops;
sfu_token_secret 0123456789abcdef0123456789abcdef;
--- config
location /api/ { sfu_api; }
--- request
GET /api/v1/rooms/a'%20OR%201=1--
--- more_headers
Authorization: Bearer 0123456789abcdef0123
--- error_code: 404
--- response_body
{"error":{"code":"not-found","message":"no such API resource"}}



=== TEST 7: a wrong method is 405 with Allow
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_api_key 0123456789abcdef0123 ops;
sfu_token_secret 0123456789abcdef0123456789abcdef;
--- config
location /api/ { sfu_api; }
--- request
PUT /api/v1/rooms
--- more_headers
Authorization: Bearer 0123456789abcdef0123
--- error_code: 405
--- response_headers
Allow: GET, HEAD, POST
--- response_body
{"error":{"code":"method-not-allowed","message":"allowed methods: GET, HEAD, POST"}}



=== TEST 8: a body that is not JSON is 415
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_api_key 0123456789abcdef0123 ops;
sfu_token_secret 0123456789abcdef0123456789abcdef;
--- config
location /api/ { sfu_api; }
--- request
POST /api/v1/rooms
name=x
--- more_headers
Authorization: Bearer 0123456789abcdef0123
Content-Type: application/x-www-form-urlencoded
--- error_code: 415
--- response_body
{"error":{"code":"unsupported-media-type","message":"the body must be application/json"}}



=== TEST 9: malformed JSON is 400 and says where
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_api_key 0123456789abcdef0123 ops;
sfu_token_secret 0123456789abcdef0123456789abcdef;
--- config
location /api/ { sfu_api; }
--- request
POST /api/v1/rooms
{"name": "x", "max_participants": 3
--- more_headers
Authorization: Bearer 0123456789abcdef0123
Content-Type: application/json
--- error_code: 400
--- response_body_like: ^\{"error":\{"code":"invalid-json","message":"malformed JSON at line 1, column \d+: .*"\}\}$



=== TEST 10: a JSON array is not a body
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_api_key 0123456789abcdef0123 ops;
sfu_token_secret 0123456789abcdef0123456789abcdef;
--- config
location /api/ { sfu_api; }
--- request
POST /api/v1/rooms
[{"name":"x"}]
--- more_headers
Authorization: Bearer 0123456789abcdef0123
Content-Type: application/json
--- error_code: 400
--- response_body
{"error":{"code":"invalid-json","message":"the body must be a JSON object"}}



=== TEST 11: duplicate keys are refused
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_api_key 0123456789abcdef0123 ops;
sfu_token_secret 0123456789abcdef0123456789abcdef;
--- config
location /api/ { sfu_api; }
--- request
POST /api/v1/rooms
{"name":"a","name":"b","max_participants":2}
--- more_headers
Authorization: Bearer 0123456789abcdef0123
Content-Type: application/json
--- error_code: 400
--- response_body_like: "code":"invalid-json".*duplicate



=== TEST 12: a missing required field is 400
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_api_key 0123456789abcdef0123 ops;
sfu_token_secret 0123456789abcdef0123456789abcdef;
--- config
location /api/ { sfu_api; }
--- request
POST /api/v1/rooms
{"name":"standup"}
--- more_headers
Authorization: Bearer 0123456789abcdef0123
Content-Type: application/json
--- error_code: 400
--- response_body
{"error":{"code":"missing-field","message":"\"max_participants\" is required"}}



=== TEST 13: a field of the wrong type is 400
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_api_key 0123456789abcdef0123 ops;
sfu_token_secret 0123456789abcdef0123456789abcdef;
--- config
location /api/ { sfu_api; }
--- request
POST /api/v1/rooms
{"name":"standup","max_participants":"8"}
--- more_headers
Authorization: Bearer 0123456789abcdef0123
Content-Type: application/json
--- error_code: 400
--- response_body
{"error":{"code":"invalid-field","message":"\"max_participants\" must be an integer"}}



=== TEST 14: out-of-range numbers and over-long names are 400
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_api_key 0123456789abcdef0123 ops;
sfu_token_secret 0123456789abcdef0123456789abcdef;
--- config
location /api/ { sfu_api; }
--- request eval
["POST /api/v1/rooms\n{\"name\":\"x\",\"max_participants\":0}",
 "POST /api/v1/rooms\n{\"name\":\"x\",\"max_participants\":1001}",
 "POST /api/v1/rooms\n{\"name\":\"" . ("n" x 201) . "\",\"max_participants\":2}",
 "POST /api/v1/rooms\n{\"name\":\"\",\"max_participants\":2}",
 "POST /api/v1/rooms\n{\"name\":\"tab\\there\",\"max_participants\":2}",
 "POST /api/v1/rooms\n{\"name\":\"x\",\"max_participants\":2,\"password\":\"abc\"}"]
--- more_headers
Authorization: Bearer 0123456789abcdef0123
Content-Type: application/json
--- error_code eval
[400, 400, 400, 400, 400, 400]
--- response_body eval
["{\"error\":{\"code\":\"invalid-field\",\"message\":\"\\\"max_participants\\\" must be between 1 and 1000\"}}\n",
 "{\"error\":{\"code\":\"invalid-field\",\"message\":\"\\\"max_participants\\\" must be between 1 and 1000\"}}\n",
 "{\"error\":{\"code\":\"invalid-field\",\"message\":\"\\\"name\\\" must be 1 to 200 characters long\"}}\n",
 "{\"error\":{\"code\":\"invalid-field\",\"message\":\"\\\"name\\\" must be 1 to 200 characters long\"}}\n",
 "{\"error\":{\"code\":\"invalid-field\",\"message\":\"\\\"name\\\" must not contain control characters\"}}\n",
 "{\"error\":{\"code\":\"invalid-field\",\"message\":\"\\\"password\\\" must be 4 to 128 characters long\"}}\n"]



=== TEST 15: unknown fields are refused, not ignored
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_api_key 0123456789abcdef0123 ops;
sfu_token_secret 0123456789abcdef0123456789abcdef;
--- config
location /api/ { sfu_api; }
--- request
POST /api/v1/rooms
{"name":"x","max_participants":2,"max_partcipants":3}
--- more_headers
Authorization: Bearer 0123456789abcdef0123
Content-Type: application/json
--- error_code: 400
--- response_body
{"error":{"code":"unknown-field","message":"unknown field \"max_partcipants\""}}



=== TEST 16: a body over sfu_max_body_size is 413, by Content-Length
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_api_key 0123456789abcdef0123 ops;
sfu_token_secret 0123456789abcdef0123456789abcdef;
sfu_max_body_size 64;
--- config
location /api/ { sfu_api; }
--- request eval
"POST /api/v1/rooms\n{\"name\":\"" . ("x" x 100) . "\",\"max_participants\":2}"
--- more_headers
Authorization: Bearer 0123456789abcdef0123
Content-Type: application/json
--- error_code: 413
--- response_body
{"error":{"code":"body-too-large","message":"the body must not exceed 64 bytes"}}



=== TEST 17: a chunked body over sfu_max_body_size is 413 too
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_api_key 0123456789abcdef0123 ops;
sfu_token_secret 0123456789abcdef0123456789abcdef;
sfu_max_body_size 64;
--- config
location /api/ { sfu_api; }
--- raw_request eval
my $body = "{\"name\":\"" . ("x" x 100) . "\",\"max_participants\":2}";
"POST /api/v1/rooms HTTP/1.1\r
Host: localhost\r
Authorization: Bearer 0123456789abcdef0123\r
Content-Type: application/json\r
Transfer-Encoding: chunked\r
Connection: close\r
\r
" . sprintf("%x", length $body) . "\r\n$body\r\n0\r\n\r\n"
--- error_code: 413
--- response_body
{"error":{"code":"body-too-large","message":"the body must not exceed 64 bytes"}}



=== TEST 18: an unknown room is 404 on every room resource
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_api_key 0123456789abcdef0123 ops;
sfu_token_secret 0123456789abcdef0123456789abcdef;
--- config
location /api/ { sfu_api; }
--- request eval
["GET /api/v1/rooms/no-such-room",
 "DELETE /api/v1/rooms/no-such-room",
 "GET /api/v1/rooms/no-such-room/participants",
 "PATCH /api/v1/rooms/no-such-room\n{\"name\":\"y\"}",
 "POST /api/v1/rooms/no-such-room/join\n{\"name\":\"y\"}"]
--- more_headers
Authorization: Bearer 0123456789abcdef0123
Content-Type: application/json
--- error_code eval
[404, 404, 404, 404, 404]
--- response_body eval
[("{\"error\":{\"code\":\"room-not-found\",\"message\":\"no such room\"}}\n") x 5]



=== TEST 19: list parameters are checked
--- http_config
sfu_postgres "$TEST_NGINX_PG_CONNINFO";
sfu_api_key 0123456789abcdef0123 ops;
sfu_token_secret 0123456789abcdef0123456789abcdef;
--- config
location /api/ { sfu_api; }
--- request eval
["GET /api/v1/rooms?limit=0", "GET /api/v1/rooms?limit=abc",
 "GET /api/v1/rooms?status=deleted"]
--- more_headers
Authorization: Bearer 0123456789abcdef0123
--- error_code eval
[400, 400, 400]
--- response_body_like eval
['"invalid-parameter"', '"invalid-parameter"', '"invalid-parameter"']
