# The signaling WebSocket's opening handshake (RFC 6455 section 4) as
# clients see it: a right one gets 101 with the right Sec-WebSocket-Accept,
# a wrong one gets the API's JSON error saying what is wrong; over plain
# TCP and TLS.  Configuration mistakes are refused when nginx reads them.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use SFUTest::Signaling;
use SFUTest::WS;
use SFUTest::NginxProc;
use JSON::PP qw(decode_json);

my $h2 = SFUTest::NginxProc::free_port();
my $sig = SFUTest::Signaling->start(tls => 1, http => qq{
    server {
        listen 127.0.0.1:$h2 http2;
        location = /ws { sfu_signaling; }
    }
});
my $port = $sig->{port};

# --- a good handshake

my $key = 'dGhlIHNhbXBsZSBub25jZQ==';    # RFC 6455's example
my $ws = SFUTest::WS->connect(port => $port, key => $key);
is($ws->{status}, 101, 'a WebSocket handshake is answered 101');
is($ws->{status_line}, 'HTTP/1.1 101 Switching Protocols', '... with its reason phrase');
is($ws->{headers}{'sec-websocket-accept'}, 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
   '... and the Sec-WebSocket-Accept RFC 6455 gives for its sample key');
is(lc $ws->{headers}{upgrade}, 'websocket', '... Upgrade: websocket');
like($ws->{headers}{connection}, qr/^upgrade$/i, '... Connection: upgrade');
ok(!exists $ws->{headers}{'content-length'}
   && !exists $ws->{headers}{'transfer-encoding'}, '... and no body framing');
is($sig->metric('sfu_signaling_connections'), 1, 'the open connection is counted');
$ws->send_close(1000);
is(($ws->wait_close(5))[0], 1000, 'the client\'s close is echoed');
ok($ws->{eof}, '... and the server closes TCP');

my $tls = $sig->ws(tls => 1);
is($tls->{status}, 101, 'the handshake works over TLS');
is($tls->{headers}{'sec-websocket-accept'},
   SFUTest::WS::accept_for($tls->{key}), '... with the right accept value');
$tls->close_socket;

# Connection and Upgrade are token lists, any case, any line
$ws = SFUTest::WS->connect(port => $port, headers => {
    'Connection' => 'keep-alive, Upgrade', 'Upgrade' => 'WebSocket' });
is($ws->{status}, 101, '"Connection: keep-alive, Upgrade" is a valid handshake');
$ws->close_socket;

# --- refusals

sub handshake {
    my (%o) = @_;
    my %h = (Host => "127.0.0.1:$port", Upgrade => 'websocket',
             Connection => 'Upgrade', 'Sec-WebSocket-Version' => '13',
             'Sec-WebSocket-Key' => SFUTest::WS::key(), %{ $o{headers} || {} });
    delete $h{$_} for @{ $o{without} || [] };
    my $req = ($o{request_line} // 'GET /ws HTTP/1.1') . "\r\n"
            . join('', map { "$_: $h{$_}\r\n" } sort keys %h) . "\r\n"
            . ($o{body} // '');
    my ($status, $headers, $body) = SFUTest::WS::raw_request($port, $req);
    my $json = eval { decode_json($body) } // {};
    return ($status, $headers, $json->{error} // {});
}

my ($status, $headers, $err) = handshake(request_line => 'POST /ws HTTP/1.1',
    headers => { 'Content-Length' => 0 });
is($status, 405, 'POST is refused with 405');
is($headers->{allow}, 'GET', '... Allow: GET');
is($err->{code}, 'method-not-allowed', '... the API\'s JSON error');

($status, $headers, $err) = handshake(request_line => 'GET /ws HTTP/1.0');
is($status, 400, 'HTTP/1.0 is refused with 400');
is_deeply($err, { code => 'bad-handshake',
                  message => 'a WebSocket handshake needs HTTP/1.1' },
          '... saying HTTP/1.1 is needed');

my $curl = `curl -s --http2-prior-knowledge -w '\n%{http_version} %{http_code}' http://127.0.0.1:$h2/ws`;
my ($json, $proto) = (split /\n/, $curl)[0, -1];
is($proto, '2 400', 'an HTTP/2 request is refused with 400');
is_deeply((eval { decode_json($json) } // {})->{error},
          { code => 'bad-handshake', message => 'WebSocket over HTTP/2 (RFC 8441) '
            . 'is not supported: connect with HTTP/1.1' },
          '... saying HTTP/2 WebSockets are not supported');

($status, $headers, $err) = handshake(without => ['Upgrade']);
is($status, 426, 'no Upgrade header: 426');
is($headers->{upgrade}, 'websocket', '... naming the protocol to upgrade to');
is($err->{code}, 'upgrade-required', '... code upgrade-required');

($status, $headers, $err) = handshake(headers => { Upgrade => 'h2c' });
is($status, 426, '"Upgrade: h2c" is not a WebSocket handshake');

($status, $headers, $err) = handshake(headers => { Connection => 'keep-alive' });
is($status, 400, 'a Connection header without the upgrade token: 400');
is($err->{message}, '"Connection" must name "upgrade"', '... saying so');

($status, $headers, $err) = handshake(headers => { 'Sec-WebSocket-Version' => '8' });
is($status, 426, 'version 8: 426');
is($headers->{'sec-websocket-version'}, '13', '... with Sec-WebSocket-Version: 13');
is($err->{code}, 'unsupported-version', '... code unsupported-version');

($status, $headers, $err) = handshake(without => ['Sec-WebSocket-Version']);
is($status, 426, 'no version: 426');

for my $bad ('', 'dGhlIHNhbXBsZSBub25jZQ', 'dGhlIHNhbXBsZSBub25jZQ=x',
             'dGhlIHNhbXBsZSBub2*jZQ==', 'YWJj') {
    ($status, undef, $err) = handshake(headers => { 'Sec-WebSocket-Key' => $bad });
    is("$status $err->{code}", '400 bad-handshake', "key \"$bad\" is refused");
}
($status, undef, $err) = handshake(without => ['Sec-WebSocket-Key']);
is("$status $err->{code}", '400 bad-handshake', 'no key is refused');
is($err->{message}, '"Sec-WebSocket-Key" must be 16 bytes in base64', '... saying what a key is');

($status, undef, $err) = handshake(headers => { 'Content-Length' => 2 }, body => '{}');
is("$status $err->{code}", '400 bad-handshake', 'a handshake with a body is refused');

is($sig->metric('sfu_signaling_connections'), 0,
   'no refused handshake counts as a connection');
is(join('', $sig->error_log =~ /^.*\[(?:alert|crit|emerg)\].*$/mg), '',
   'nothing worse than an error in the error log');

# --- configuration

my $dir = tempdir(CLEANUP => 1);

sub nginx_test {
    my ($http, $loc) = @_;
    my $root = "$dir/conftest";
    SFUTest::NginxProc::setup_servroot($root);
    SFUTest::NginxProc::write_file("$root/conf/nginx.conf",
        SFUTest::NginxProc::render_conf(root => $root,
            port => SFUTest::NginxProc::free_port(),
            load_modules => [ $ENV{TEST_NGINX_LOAD_MODULES} ],
            http_config => $http, config => $loc));
    my $out = `$ENV{TEST_NGINX_BINARY} -t -p $root/ -c $root/conf/nginx.conf -e $root/logs/error.log 2>&1`;
    return ($? >> 8, $out);
}

my $secret = "sfu_token_secret $SFUTest::Signaling::TOKEN_SECRET;";
my $pg = "sfu_postgres \"hostaddr=127.0.0.1 dbname=sfu\";";

my ($rc, $out) = nginx_test($secret, 'location = /ws { sfu_signaling; }');
isnt($rc, 0, 'sfu_signaling without sfu_postgres is refused');
like($out, qr/"sfu_signaling" needs "sfu_postgres"/, '... saying so');

($rc, $out) = nginx_test($pg, 'location = /ws { sfu_signaling; }');
isnt($rc, 0, 'sfu_signaling without sfu_token_secret is refused');
like($out, qr/"sfu_signaling" needs "sfu_token_secret"/, '... saying so');

($rc, $out) = nginx_test("$pg $secret",
    'location = /ws { sfu_signaling; sfu_ws_message_rate 50r/x; }');
like($out, qr/invalid rate "50r\/x": use "off" or a number of messages per s, m or h/,
     'a bad sfu_ws_message_rate is refused, saying how to write one');

($rc, $out) = nginx_test("$pg $secret",
    'location = /ws { sfu_signaling; sfu_ws_message_rate 5r/s burst=0; }');
like($out, qr/invalid "burst=0"/, 'burst=0 is refused');

($rc, $out) = nginx_test("$pg $secret",
    'location = /ws { sfu_signaling; sfu_ws_max_message_size 100; }');
like($out, qr/"sfu_ws_max_message_size" must be at least 1k/, 'a tiny message limit is refused');

($rc, $out) = nginx_test("$pg $secret sfu_ws_message_rate off; sfu_ws_ping_interval 5s;",
    'location = /ws { sfu_signaling; sfu_ws_ping_timeout 2s; sfu_ws_join_timeout 3s; }');
is($rc, 0, 'the sfu_ws_* directives are accepted at http and location level')
    or diag $out;

done_testing();
