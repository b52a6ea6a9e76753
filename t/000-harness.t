# The test harness itself: Test::Nginx blocks on stock nginx features, the
# PostgreSQL/Redis fixtures, and negative self-checks (a wrong expectation
# must make a block fail).  Runs unchanged under openresty's Test::Nginx.

use Test::Nginx::Socket 'no_plan';
use SFUTest::Services;
use SFUTest::NginxProc;
use SFUTest::HTTP;
use File::Temp qw(tempdir);

$ENV{TEST_NGINX_MOCK_PORT} ||= SFUTest::NginxProc::free_port();
$ENV{TEST_NGINX_MOCK_SOCK} = server_root() . "/mock.sock";

repeat_each(2);
no_shuffle();
# workers(2) + master on for the block that asks for it, the defaults for
# the others (these settings are per file in Test::Nginx).
add_block_preprocessor(sub {
    my $block = shift;
    my $multi = $block->name =~ /master_on/;
    workers($multi ? 2 : 1);
    master_process_enabled($multi ? 1 : 0);
});
run_tests();

# The last block ran with two worker processes.
SKIP: {
    skip 'error.log accumulates under TEST_NGINX_USE_HUP', 1 if $ENV{TEST_NGINX_USE_HUP};
    open my $in, '<', server_root() . "/logs/error.log" or die $!;
    my $n = grep { /start worker process \d+/ } <$in>;
    is($n, 2, 'workers(2) + master_on: two worker processes started');
}

# --- The fixtures answer.
{
    my @rows = SFUTest::Services::psql(
        "select current_user, current_database(), 40 + 2, null");
    is_deeply(\@rows, [['sfu', 'sfu', 42, undef]], 'psql helper: one row over TCP as sfu');
    is(SFUTest::Services::redis_cmd(qw(SET harness:k v1)), 'OK', 'redis SET');
    is(SFUTest::Services::redis_cmd(qw(GET harness:k)), 'v1', 'redis GET');

    SFUTest::Services::redis_stop();
    ok(!eval { SFUTest::Services::redis_cmd('PING'); 1 }, 'redis_stop: redis is down');
    SFUTest::Services::redis_start();
    is(SFUTest::Services::redis_cmd('PING'), 'PONG', 'redis_start: redis is back');

    SFUTest::Services::pg_stop();
    ok(!eval { SFUTest::Services::psql('select 1'); 1 }, 'pg_stop: PostgreSQL is down');
    SFUTest::Services::pg_start();
    is_deeply([SFUTest::Services::psql('select 1')], [[1]], 'pg_start: PostgreSQL is back');
}

# --- SFUTest::HTTP: a second nginx for plain Perl tests, JSON round trip.
{
    my $ngx = SFUTest::HTTP->start_nginx(config => <<'_EOC_');
location = /j {
    default_type application/json;
    return 200 '{"port":$TEST_NGINX_SERVER_PORT,"method":"$request_method"}';
}
_EOC_
    my $r = $ngx->request(POST => '/j', json => { a => 1 });
    is($r->{status}, 200, 'SFUTest::HTTP: status');
    is_deeply($r->{json}, { port => $ngx->port, method => 'POST' },
              'SFUTest::HTTP: JSON body decoded');
    like($ngx->error_log, qr/http request line: "POST \/j/, 'SFUTest::HTTP: error_log');
    $ngx->stop;
    is(SFUTest::HTTP::request(GET => $ngx->url('/j'))->{status}, 599,
       'SFUTest::HTTP: stop');
}

# --- Negative self-checks: run a generated .t in a subprocess; each "bad"
# block must fail its own assertion, the "good" one must pass.
selfcheck();

sub selfcheck {
    my $dir = tempdir(CLEANUP => 1);
    my $t = "$dir/selfcheck.t";
    # (the data marker is spelled @@DATA@@ here so that Test::Base does not
    # take it for this file's own data section)
    my $src = <<'_EOT_';
use Test::Nginx::Socket 'no_plan';
no_shuffle();
run_tests();
@@DATA@@

=== TEST 1: good
--- config
location = /t { return 200 "hi"; }
--- request
GET /t
--- response_body chomp
hi
--- error_log
GET /t

=== TEST 2: bad body
--- config
location = /t { return 200 "hi"; }
--- request
GET /t
--- response_body chomp
bye

=== TEST 3: bad code
--- config
location = /t { return 200 "hi"; }
--- request
GET /t
--- error_code: 403

=== TEST 4: bad error_log
--- config
location = /t { return 200 "hi"; }
--- request
GET /t
--- error_log
this line is never logged

=== TEST 5: bad no_error_log
--- config
location = /t { return 404; }
--- request
GET /t
--- error_code: 404
--- no_error_log
GET /t

=== TEST 6: bad header
--- config
location = /t { add_header X-A a; return 200 "hi"; }
--- request
GET /t
--- response_headers
X-A: b

=== TEST 7: broken config
--- config
location = /t { no_such_directive; }
--- request
GET /t

=== TEST 8: must_die, but nginx starts
--- config
location = /t { return 204; }
--- must_die

=== TEST 9: must_die with the wrong message
--- config
location = /t { no_such_directive; }
--- must_die
--- error_log
another message
_EOT_
    $src =~ s/^\@\@DATA\@\@$/__DATA__/m;
    open my $fh, '>', $t or die $!;
    print $fh $src;
    close $fh;

    delete local $ENV{TEST_NGINX_RANDOMIZE};
    local $ENV{TEST_NGINX_SERVROOT} = "$dir/servroot";
    local $ENV{TEST_NGINX_SERVER_PORT} = SFUTest::NginxProc::free_port();
    local $ENV{PERL5LIB} = join ':', grep { !ref } @INC;
    my $out = `$^X $t 2>&1`;
    my $status = $? >> 8;
    ok($status != 0, 'self-check: a file with failing blocks exits non-zero');
    my %res;
    while ($out =~ /^(not ok|ok) \d+ - (.*)$/mg) {
        $res{$2} = $1;
    }
    my @expect = (
        ['TEST 1: good - status code ok', 'ok'],
        ['TEST 1: good - response_body - response is expected', 'ok'],
        ['TEST 1: good - pattern "GET /t" matches a line in error.log', 'ok'],
        ['TEST 2: bad body - status code ok', 'ok'],
        ['TEST 2: bad body - response_body - response is expected', 'not ok'],
        ['TEST 3: bad code - status code ok', 'not ok'],
        ['TEST 4: bad error_log - pattern "this line is never logged" matches a line in error.log', 'not ok'],
        ['TEST 5: bad no_error_log - status code ok', 'ok'],
        ['TEST 6: bad header - header X-A ok', 'not ok'],
        ['TEST 9: must_die with the wrong message - die as expected', 'ok'],
        ['TEST 9: must_die with the wrong message - pattern "another message" matches a line in error.log', 'not ok'],
    );
    my $all = 1;
    for my $e (@expect) {
        is($res{$e->[0]} // 'missing', $e->[1], "self-check: '$e->[0]' is $e->[1]")
            or $all = 0;
    }
    ok((grep { /^TEST 5: bad no_error_log - pattern .* should not match/ && $res{$_} eq 'not ok' } keys %res),
       'self-check: a no_error_log match fails') or $all = 0;
    ok((grep { /^TEST 7: broken config/ && $res{$_} eq 'not ok' } keys %res),
       'self-check: a config nginx rejects fails the block') or $all = 0;
    ok((grep { /^TEST 8: must_die, but nginx starts - die as expected/ && $res{$_} eq 'not ok' } keys %res),
       'self-check: must_die fails when nginx starts') or $all = 0;
    diag($out) unless $all;
}

__DATA__

=== TEST 1: return, headers, error log
--- config
location = /t {
    add_header X-Test yes;
    return 200 "hello";
}
--- request
GET /t
--- response_body chomp
hello
--- response_headers
X-Test: yes
Content-Type: text/plain
!X-Missing
--- response_headers_like
Content-Length: \d+
--- error_log
"GET /t HTTP/1.1"
--- no_error_log
[error]
[alert]



=== TEST 2: error_code, raw_request (eval)
--- config
location = /t { return 200 "x"; }
--- raw_request eval
"GET /nope HTTP/1.0\r\nHost: localhost\r\n\r\n"
--- error_code: 404
--- response_body_like: 404 Not Found
--- error_log eval
qr/open\(\) ".*nope" failed/



=== TEST 3: more_headers, request with a body, env substitution
--- config
location = /t {
    add_header X-Port $TEST_NGINX_SERVER_PORT;
    return 200 "$http_x_foo $request_method $content_length";
}
--- more_headers
X-Foo: bar
--- request
POST /t
hello
--- response_body chomp
bar POST 5
--- response_headers eval
"X-Port: $ENV{TEST_NGINX_SERVER_PORT}"



=== TEST 4: main_config, http_config
--- main_config
env HARNESS_MARK;
--- http_config
map $uri $mark { default "from-http-config"; }
--- config
location = /t { return 200 $mark; }
--- request
GET /t
--- response_body chomp
from-http-config



=== TEST 5: proxy_pass to a tcp_listen mock (TCP port)
--- config
location = /t {
    proxy_pass http://127.0.0.1:$TEST_NGINX_MOCK_PORT/back;
    proxy_set_header Host backend;
}
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_PORT}
--- tcp_query eval
"POST /back HTTP/1.0\r\nHost: backend\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello"
--- tcp_reply eval
"HTTP/1.0 201 Created\r\nContent-Length: 6\r\nX-Mock: 1\r\n\r\nmocked"
--- request
POST /t
hello
--- error_code: 201
--- response_headers
X-Mock: 1
--- response_body: mocked



=== TEST 6: tcp_listen on a Unix socket, tcp_query_len
--- config
location = /t {
    proxy_pass http://unix:$TEST_NGINX_MOCK_SOCK:/u;
}
--- tcp_listen eval: $ENV{TEST_NGINX_MOCK_SOCK}
--- tcp_query_len: 55
--- tcp_reply eval
"HTTP/1.0 200 OK\r\n\r\nvia unix"
--- request
GET /t
--- response_body: via unix



=== TEST 7: master_on with two workers (as root: user root)
--- config
location = /t { return 200 "pid=$pid"; }
--- request
GET /t
--- response_body_like: ^pid=\d+$
--- error_log eval
qr/http request line: "GET \/t HTTP\/1.1"/
--- no_error_log
[emerg]
