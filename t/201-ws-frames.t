# WebSocket framing (RFC 6455 section 5) on the signaling endpoint, as a
# client sees it: fragmented messages reassembled (control frames in
# between, UTF-8 split across fragments), pings answered, and every kind
# of bad frame closed with its code: 1002 protocol, 1003 binary, 1007 bad
# UTF-8 or JSON, 1009 too big.  A server ping the client does not answer
# closes the connection; so does a client that never joins.  Messages
# reach the relay only whole: a join with a bad token, answered
# "invalid-token", shows that a message arrived.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time);
use SFUTest::Signaling;
use SFUTest::WS;

my $sig = SFUTest::Signaling->start(config => <<'CONF');
        location = /ws-small {
            sfu_signaling;
            sfu_ws_max_message_size 1k;
        }
        location = /ws-fast {
            sfu_signaling;
            sfu_ws_ping_interval 300ms;
            sfu_ws_ping_timeout 300ms;
            sfu_ws_join_timeout 60s;
        }
        location = /ws-join {
            sfu_signaling;
            sfu_ws_join_timeout 500ms;
        }
CONF

sub ws { $sig->ws(@_) }

# a message that reaches the relay: {"type":"join","token":"bad ..."}
sub bad_join { '{"type":"join","token":"' . ($_[0] // 'not-a-token') . '"}' }

sub invalid_token_answer {
    my ($ws, $name) = @_;
    my $m = $ws->recv_json(5);
    is($m->{code}, 'invalid-token', "$name: the message arrived whole")
        or diag explain $m;
    is(($ws->wait_close(5))[0], 1008, "$name: ... answered and closed 1008");
}

sub closes_with {
    my ($ws, $code, $name) = @_;
    my ($got, $reason) = $ws->wait_close(5);
    is($got, $code, $name) or diag "reason: " . ($reason // 'none');
    ok($ws->{eof}, "$name: ... and the server closes TCP");
    return $reason;
}

# --- whole messages

my $ws = ws();
$ws->send_text(bad_join());
invalid_token_answer($ws, 'one masked frame');

$ws = ws();
my $text = bad_join();
$ws->send_frame(opcode => 1, fin => 0, payload => substr($text, 0, 5));
$ws->send_frame(opcode => 0, fin => 0, payload => substr($text, 5, 7));
$ws->send_frame(opcode => 0, fin => 1, payload => substr($text, 12));
invalid_token_answer($ws, 'three fragments');

$ws = ws();
$ws->{auto_pong} = 0;
$ws->send_frame(opcode => 1, fin => 0, payload => substr($text, 0, 9));
$ws->send_frame(opcode => 9, payload => 'are you there');
$ws->send_frame(opcode => 10, payload => 'unsolicited');
$ws->send_frame(opcode => 0, fin => 1, payload => substr($text, 9));
my $f = $ws->recv_frame(5);
is_deeply([ $f->{opcode}, $f->{payload}, $f->{masked} ], [ 10, 'are you there', 0 ],
          'a ping inside a fragmented message is answered with an unmasked pong '
          . 'carrying its payload');
invalid_token_answer($ws, 'control frames between fragments');

# "é" (c3 a9) and "😀" (f0 9f 98 80) cut across fragments
$ws = ws();
my $utf8 = bad_join("caf\xc3\xa9-\xf0\x9f\x98\x80");
my $cut1 = index($utf8, "\xc3") + 1;
my $cut2 = index($utf8, "\xf0") + 2;
$ws->send_frame(opcode => 1, fin => 0, payload => substr($utf8, 0, $cut1));
$ws->send_frame(opcode => 0, fin => 0, payload => substr($utf8, $cut1, $cut2 - $cut1));
$ws->send_frame(opcode => 0, fin => 1, payload => substr($utf8, $cut2));
invalid_token_answer($ws, 'UTF-8 characters split across fragments');

$ws = ws(after_headers => SFUTest::WS::frame(opcode => 1, payload => bad_join()));
is($ws->{status}, 101, 'a frame sent along with the handshake');
invalid_token_answer($ws, '... is read as the first message');

$ws = ws();
$ws->send_frame(opcode => 1, payload => bad_join('x' x 200), length_form => 16);
invalid_token_answer($ws, 'a 16-bit length');

$ws = ws(path => '/ws-small');
$ws->send_frame(opcode => 1, payload => bad_join('y' x 990));
invalid_token_answer($ws, 'a message of exactly the size limit');

# --- pings and closes from the client

$ws = ws();
$ws->{auto_pong} = 0;
$ws->send_frame(opcode => 9, payload => 'x' x 125);
$f = $ws->recv_frame(5);
is_deeply([ $f->{opcode}, $f->{payload} ], [ 10, 'x' x 125 ],
          'a 125-byte ping gets its pong');
$ws->send_close(1000, 'bye');
my ($code, $reason) = $ws->wait_close(5);
is($code, 1000, 'a close is answered with the same code');
ok($ws->{eof}, '... and the server closes TCP after the handshake');

$ws = ws();
$ws->send_frame(opcode => 8, payload => '');
is(($ws->wait_close(5))[0], 1005, 'an empty close is answered with an empty close');

$ws = ws();
$ws->send_close(4321, 'application code');
is(($ws->wait_close(5))[0], 4321, 'an application close code is echoed');

# --- protocol errors: 1002

my @bad = (
    [ 'an unmasked frame', SFUTest::WS::frame(opcode => 1, payload => 'x', mask => 0),
      'unmasked frame from the client' ],
    [ 'RSV1 set (no extension negotiated)', SFUTest::WS::frame(opcode => 1, payload => 'x', rsv => 0x40),
      'reserved bits set, no extension was negotiated' ],
    [ 'RSV3 set', SFUTest::WS::frame(opcode => 9, rsv => 0x10), 'reserved bits set, no extension was negotiated' ],
    [ 'reserved opcode 3', SFUTest::WS::frame(opcode => 3, payload => 'x'), 'reserved opcode' ],
    [ 'reserved control opcode 0xB', SFUTest::WS::frame(opcode => 11), 'reserved opcode' ],
    [ 'a 126-byte ping', SFUTest::WS::frame(opcode => 9, payload => 'p' x 126),
      'control frame payload over 125 bytes' ],
    [ 'a fragmented ping', SFUTest::WS::frame(opcode => 9, fin => 0, payload => 'p'),
      'fragmented control frame' ],
    [ 'a continuation with nothing to continue', SFUTest::WS::frame(opcode => 0, payload => 'x'),
      'continuation frame outside a fragmented message' ],
    [ 'a new message inside a fragmented one',
      SFUTest::WS::frame(opcode => 1, fin => 0, payload => '{')
      . SFUTest::WS::frame(opcode => 1, payload => '}'),
      'new message inside a fragmented message' ],
    [ 'a 16-bit length for 3 bytes', SFUTest::WS::frame(opcode => 1, payload => 'abc', length_form => 16),
      'payload length not in its shortest form' ],
    [ 'a 64-bit length for 300 bytes', SFUTest::WS::frame(opcode => 1, payload => 'a' x 300, length_form => 64),
      'payload length not in its shortest form' ],
    [ 'a 64-bit length with the top bit set',
      SFUTest::WS::frame(opcode => 1, length_form => 64, claimed_length => 2**63 + 1),
      '64-bit payload length with the top bit set' ],
    [ 'a close with a 1-byte payload', SFUTest::WS::frame(opcode => 8, payload => 'x'),
      'close frame with a 1-byte payload' ],
    [ 'close code 1005 (never sent)', SFUTest::WS::frame(opcode => 8, payload => pack('n', 1005)),
      'invalid close code' ],
    [ 'close code 999', SFUTest::WS::frame(opcode => 8, payload => pack('n', 999)),
      'invalid close code' ],
);

for my $case (@bad) {
    my ($name, $bytes, $why) = @$case;
    $ws = ws();
    $ws->send_raw($bytes);
    my $reason = closes_with($ws, 1002, "$name: 1002");
    is($reason, $why, "$name: ... the reason says what was wrong");
}

like($sig->error_log, qr/\[info\] .*signaling client broke the WebSocket protocol: unmasked frame from the client; closing with 1002/,
     'a protocol error is logged at info');

# --- 1003, 1007, 1009

$ws = ws();
$ws->send_frame(opcode => 2, payload => "\x00\x01");
is(closes_with($ws, 1003, 'a binary message: 1003'), 'binary messages are not accepted',
   '... saying binary is not accepted');

$ws = ws();
$ws->send_frame(opcode => 1, payload => "{\"type\":\"join\",\"token\":\"\xed\xa0\x80\"}");
is(closes_with($ws, 1007, 'a UTF-16 surrogate in a text message: 1007'),
   'invalid UTF-8 in a text message', '... saying so');

$ws = ws();
$ws->send_frame(opcode => 1, payload => "\xc0\xaf");
closes_with($ws, 1007, 'an overlong encoding: 1007');

$ws = ws();
$ws->send_frame(opcode => 1, fin => 0, payload => "ab\xe2\x82");
$ws->send_frame(opcode => 0, fin => 1, payload => "");
is(closes_with($ws, 1007, 'a message ending inside a character: 1007'),
   'text message ends inside a UTF-8 sequence', '... saying so');

$ws = ws();
$ws->send_frame(opcode => 8, payload => pack('n', 1000) . "\xff");
closes_with($ws, 1007, 'a close reason that is not UTF-8: 1007');

$ws = ws();
$ws->send_text('this is not JSON');
is(closes_with($ws, 1007, 'text that is not JSON: 1007'), 'not a JSON object',
   '... saying a JSON object is expected');

$ws = ws();
$ws->send_text('["join"]');
closes_with($ws, 1007, 'JSON that is not an object: 1007');

$ws = ws();
$ws->send_text('{"type":"join","type":"offer"}');
closes_with($ws, 1007, 'an object with a duplicate key: 1007');

# the header alone is enough: no payload follows
$ws = ws(path => '/ws-small');
$ws->send_raw(substr(SFUTest::WS::frame(opcode => 1, payload => 'z' x 1025), 0, 8));
is(closes_with($ws, 1009, 'a frame over sfu_ws_max_message_size: 1009 from its header'),
   'message over the size limit', '... saying so');

$ws = ws(path => '/ws-small');
$ws->send_frame(opcode => 1, fin => 0, payload => 'a' x 600);
$ws->send_raw(substr(SFUTest::WS::frame(opcode => 0, payload => 'b' x 600), 0, 8));
closes_with($ws, 1009, 'fragments adding up over the limit: 1009');

# --- keepalive: server pings, a client that stops answering

$ws = ws(path => '/ws-fast');
$ws->{auto_pong} = 0;
my $pings = 0;
my $end = time + 3;
while (time < $end && $pings < 3) {
    my $g = $ws->recv_frame($end - time) or last;
    next unless $g->{opcode} == 9;
    $pings++;
    $ws->send_frame(opcode => 10, payload => $g->{payload});
}
is($pings, 3, 'the server pings every sfu_ws_ping_interval; answered, the '
   . 'connection stays');
my $t0 = time;
($code, $reason) = $ws->wait_close(5);
is("$code $reason", '1001 ping timeout',
   'unanswered, the connection is closed with 1001 "ping timeout"');
cmp_ok(time - $t0, '<', 2, '... within interval + timeout (0.6 s here)');
like($sig->error_log, qr/\[info\] .*signaling client sent nothing within 300 ms of a ping; closing/,
     '... and logged at info');

$ws = ws(path => '/ws-join');
$t0 = time;
my $m = $ws->recv_json(5);
is($m->{code}, 'join-timeout', 'a client that does not join in sfu_ws_join_timeout gets join-timeout');
is(($ws->wait_close(5))[0], 1008, '... and 1008');
cmp_ok(time - $t0, '<', 2, '... in time');

# --- a client that goes away without a close

$ws = ws();
$ws->send_frame(opcode => 1, fin => 0, payload => '{"type":');
$ws->close_socket;
$ws = ws();
$ws->send_raw(substr(SFUTest::WS::frame(opcode => 1, payload => 'q' x 5000), 0, 100));
$ws->close_socket;
my $ok = 0;
for (1 .. 100) {
    last if $ok = (($sig->metric('sfu_signaling_connections') // -1) == 0);
    select undef, undef, undef, 0.05;
}
ok($ok, 'clients that vanish mid-frame leave no connection behind');
is($sig->request(GET => '/metrics')->{status}, 200, 'nginx serves on');
is(join('', $sig->error_log =~ /^.*\[(?:alert|crit|emerg)\].*$/mg), '',
   'nothing worse than an error in the error log');

done_testing();
