# Joining over signaling, and what a joined client may send, against a
# stand-in SFU worker (t/lib/SFUTest/FakeWorker.pm, unit isolation) and
# real PostgreSQL: the join token is checked (signature, expiry, its
# participant in its room, not used up, not in use), the join reaches the
# worker stamped with the verified identity and without the token, and
# every later message is checked against its type's fields: a bad one
# costs an "error", nothing more; a good one is forwarded unchanged under
# "msg".  Over the message rate, messages are dropped, then the client is
# closed.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use SFUTest::Signaling;
use SFUTest::FakeWorker;
use SFUTest::WS;

my $dir = tempdir(CLEANUP => 1);
my $fw = SFUTest::FakeWorker->new(path => "$dir/w1.sock", id => 1);
my $sig = SFUTest::Signaling->start(workers => ["$dir/w1.sock"], config => <<'CONF');
        location = /ws-limited {
            sfu_signaling;
            sfu_ws_message_rate 5r/s burst=3;
        }
CONF
ok($fw->wait_for(sub { $sig->workers_up }, 10), 'the stand-in worker is linked');

sub jwt { SFUTest::Signaling::jwt(@_) }

# a joined client: (ws, join answer)
sub joined {
    my (%o) = @_;
    my $c = $sig->client($o{room} // $sig->room, path => $o{path} // '/ws');
    $fw->wait_for(sub { defined $fw->conn_of($c->{id}) }, 5)
        or die "the join of $c->{id} did not arrive";
    return ($c->{ws}, $c->{join});
}

sub refused {
    my ($ws, $code, $message, $name) = @_;
    my $m = $ws->recv_json(5) // {};
    is($m->{type}, 'error', "$name: an error message");
    is($m->{code}, $code, "$name: code $code");
    like($m->{message}, $message, "$name: ... saying why") if $message;
    my ($close, $reason) = $ws->wait_close(5);
    return ($close, $reason);
}

# --- a good join

my $room = $sig->room;
my $j = $sig->join($room, name => 'Grace');
my $before = $sig->metric('webrtc_participants_total');
my $ws = $sig->ws;
$ws->send_json({ type => 'join', token => $j->{token} });
ok($fw->wait_for(sub { $fw->of_type('join') == 1 }), 'the join reaches the worker');
my ($m) = $fw->of_type('join');
is_deeply($m->{msg}, { type => 'client', room => $room,
                       participant => $j->{participant_id},
                       role => 'participant', name => 'Grace',
                       msg => { type => 'join' } },
          '... as a client envelope with the verified room, participant, role '
          . 'and name, the token left out');
is($sig->state($j->{participant_id}), 'connected', 'PostgreSQL has the participant connected');
is($sig->metric('webrtc_participants_total'), $before + 1, 'webrtc_participants_total counts it');

$ws->send_json({ type => 'join', token => $j->{token} });
$m = $ws->recv_json(5);
is_deeply([ @$m{qw(type code)} ], [ 'error', 'already-joined' ],
          'a second join on the connection: error already-joined');
$ws->send_json({ type => 'chat', text => 'still here' });
ok($fw->wait_for(sub { $fw->of_type('chat') == 1 }), '... and the connection carries on');

my $again = $sig->ws;
$again->send_json({ type => 'join', token => $j->{token} });
refused($again, 'already-connected', qr/connected already/, 'the same token on a second connection');

# --- the client's close: the worker is told, PostgreSQL records it

$fw->clear;
$ws->send_close(1000);
$ws->wait_close(5);
ok($fw->wait_for(sub { $fw->of_type('disconnect') == 1 }), 'a closed WebSocket sends disconnect');
is_deeply(($fw->of_type('disconnect'))[0]{msg},
          { type => 'disconnect', room => $room, participant => $j->{participant_id} },
          '... naming room and participant');
ok($fw->wait_for(sub { ($sig->state($j->{participant_id}))[1] eq 'disconnected' }),
   'the participant is marked left (disconnected) in PostgreSQL');
is($sig->state($j->{participant_id}), 'left', '... state left');
is($sig->metric('webrtc_participants_total'), $before, 'the gauge is back');

$ws = $sig->ws;
$ws->send_json({ type => 'join', token => $j->{token} });
refused($ws, 'invalid-token', qr/has left: join the room again/, 'a used-up token');

# --- bad tokens and messages before the join

my ($close, $reason);
$ws = $sig->ws;
$ws->send_json({ type => 'offer', sdp => 'v=0' });
($close, $reason) = refused($ws, 'join-first', qr/^the first message must be join$/, 'an offer first');
is("$close $reason", '1008 join-first', '... closed 1008');

$ws = $sig->ws;
$ws->send_json({ type => 'join' });
($close) = refused($ws, 'bad-message', qr/"token" is required/, 'a join without a token');
is($close, 1008, '... closed 1008');

$ws = $sig->ws;
$ws->send_json({ type => 'join', token => 'abc' });
($close) = refused($ws, 'invalid-token', qr/not valid: malformed/, 'a malformed token');
is($close, 1008, '... closed 1008');

my $other = $sig->join($room);
for my $case (
    [ 'an expired token', { exp => int(time) - 5 }, undef, qr/not valid: expired/ ],
    [ 'a token signed with another secret', {}, 'another-secret-another-secret-xx', qr/invalid signature/ ],
    [ 'a token for a room its participant is not in',
      { room => $sig->room }, undef, qr/names no participant of its room/ ],
    [ 'a token for a participant that does not exist',
      { room => $room, sub => 'nobody' }, undef, qr/names no participant of its room/ ],
) {
    my ($name, $claims, $key, $why) = @$case;
    $ws = $sig->ws;
    $ws->send_json({ type => 'join', token => jwt(claims => { room => $room,
        sub => $other->{participant_id}, %$claims }, key => $key) });
    ($close) = refused($ws, 'invalid-token', $why, $name);
    is($close, 1008, "$name: closed 1008");
}

my $ended = $sig->room;
my $late = $sig->join($ended);
$sig->request(DELETE => "/api/v1/rooms/$ended",
              headers => { Authorization => "Bearer $SFUTest::Signaling::KEY" });
$ws = $sig->ws;
$ws->send_json({ type => 'join', token => $late->{token} });
refused($ws, 'room-ended', qr/has ended/, 'a token for a room that has ended since');

my $host = $sig->join($room, host => 1);
$ws = $sig->ws;
$ws->send_json({ type => 'join', token => $host->{token} });
ok($fw->wait_for(sub { grep { $_->{msg}{participant} eq $host->{participant_id} }
                       $fw->of_type('join') }), 'a host joins');
is((grep { $_->{msg}{participant} eq $host->{participant_id} } $fw->of_type('join'))[0]{msg}{role},
   'host', '... stamped role host, from the token');
$ws->close_socket;

# --- every message type: the good is forwarded as sent, the bad is an error

($ws, $j) = joined(room => $room);
$fw->clear;

my $long = 'x' x 65537;
my @good = (
    { type => 'offer', sdp => "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n" },
    { type => 'answer', sdp => "v=0\r\n" },
    { type => 'ice-candidate', pc => 'publish',
      candidate => 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host',
      sdpMid => '0', sdpMLineIndex => 0, usernameFragment => 'abcd' },
    { type => 'ice-candidate', pc => 'subscribe', candidate => '',
      sdpMid => undef, sdpMLineIndex => undef },
    { type => 'start-screen-share' },
    { type => 'start-screen-share', mid => '2' },
    { type => 'stop-screen-share' },
    { type => 'update-quality', quality => 'low' },
    { type => 'toggle-audio', enabled => JSON::PP::false },
    { type => 'toggle-video', enabled => JSON::PP::true },
    { type => 'chat', text => "h\x{e9}llo\nworld" },
);
my @bad = (
    [ { type => 'dance' }, 'unknown-type', 'unknown message type "dance"' ],
    [ { type => 7 }, 'bad-message', 'a message needs a string "type"' ],
    [ { sdp => 'v=0' }, 'bad-message', 'a message needs a string "type"' ],
    [ { type => 'offer' }, 'bad-message', '"sdp" is required' ],
    [ { type => 'offer', sdp => 1 }, 'bad-message', '"sdp" must be a string' ],
    [ { type => 'offer', sdp => '' }, 'bad-message', '"sdp" must be 1 to 65536 characters long' ],
    [ { type => 'answer', sdp => $long }, 'bad-message', '"sdp" must be 1 to 65536 characters long' ],
    [ { type => 'offer', sdp => 'v=0', room => 'r-other' }, 'bad-message', 'unknown field "room"' ],
    [ { type => 'chat', text => 'x', participant => 'p-other' }, 'bad-message', 'unknown field "participant"' ],
    [ { type => 'ice-candidate', candidate => '' }, 'bad-message', '"pc" is required' ],
    [ { type => 'ice-candidate', pc => 'sideways', candidate => '' }, 'bad-message',
      '"pc" must be "publish" or "subscribe"' ],
    [ { type => 'ice-candidate', pc => 'publish' }, 'bad-message', '"candidate" is required' ],
    [ { type => 'ice-candidate', pc => 'publish', candidate => 'c' x 1025 }, 'bad-message',
      '"candidate" must be 0 to 1024 characters long' ],
    [ { type => 'ice-candidate', pc => 'publish', candidate => '', sdpMLineIndex => -1 },
      'bad-message', '"sdpMLineIndex" must be between 0 and 1023' ],
    [ { type => 'ice-candidate', pc => 'publish', candidate => '', sdpMLineIndex => '0' },
      'bad-message', '"sdpMLineIndex" must be an integer or null' ],
    [ { type => 'ice-candidate', pc => 'publish', candidate => '', sdpMid => 0 },
      'bad-message', '"sdpMid" must be a string or null' ],
    [ { type => 'start-screen-share', source => 'screen' }, 'bad-message', 'unknown field "source"' ],
    [ { type => 'start-screen-share', mid => 2 }, 'bad-message', '"mid" must be a string' ],
    [ { type => 'start-screen-share', mid => '' }, 'bad-message', '"mid" must be 1 to 32 characters long' ],
    [ { type => 'start-screen-share', mid => 'm' x 33 }, 'bad-message', '"mid" must be 1 to 32 characters long' ],
    [ { type => 'update-quality', quality => 'ultra' }, 'bad-message',
      '"quality" must be "low", "medium", "high", "auto" or "off"' ],
    [ { type => 'update-quality' }, 'bad-message', '"quality" is required' ],
    [ { type => 'toggle-audio', enabled => 'yes' }, 'bad-message', '"enabled" must be a boolean' ],
    [ { type => 'toggle-video' }, 'bad-message', '"enabled" is required' ],
    [ { type => 'chat', text => '' }, 'bad-message', '"text" must be 1 to 4000 characters long' ],
    [ { type => 'chat', text => 'c' x 4001 }, 'bad-message', '"text" must be 1 to 4000 characters long' ],
    [ { type => 'leave', reason => 'bored' }, 'bad-message', 'unknown field "reason"' ],
);

for my $b (@bad) {
    my ($msg, $code, $text) = @$b;
    $ws->send_json($msg);
    my $e = $ws->recv_json(5) // {};
    is_deeply($e, { type => 'error', code => $code, message => $text },
              "bad input: $text");
}
$ws->send_json($_) for @good;
ok($fw->wait_for(sub { $fw->messages == @good }), 'every good message is forwarded, '
   . 'none of the bad ones');
is_deeply([ map { $_->{msg} } $fw->messages ],
          [ map { { type => 'client', room => $room, participant => $j->{participant_id},
                    role => 'participant', msg => $_ } } @good ],
          '... each under msg, unchanged, stamped with room, participant and role');
is($ws->recv_json(0.3), undef, 'and the good ones get no answer from nginx');

# leave: forwarded, then the server closes
$ws->send_json({ type => 'leave' });
($close, $reason) = $ws->wait_close(5);
is("$close $reason", '1000 left', 'after leave the server closes with 1000');
ok($fw->wait_for(sub { $fw->of_type('leave') == 1 }), '... the leave went to the worker');
ok($fw->wait_for(sub { ($sig->state($j->{participant_id}))[1] eq 'left' }),
   '... and PostgreSQL has it left (left)');
is(scalar $fw->of_type('disconnect'), 0, '... with no disconnect on top');

# --- the message rate

($ws, $j) = joined(path => '/ws-limited');
$fw->clear;
$ws->send_json({ type => 'chat', text => "m$_" }) for 1 .. 5;
$m = $ws->recv_json(5) // {};
is_deeply([ @$m{qw(type code)} ], [ 'error', 'rate-limited' ],
          'over 5r/s burst=3, a message is dropped with one rate-limited error');
like($m->{message}, qr/more than 5 messages per 1 s/, '... saying the rate');
ok($fw->wait_for(sub { $fw->of_type('chat') >= 2 }),
   'the burst went through (the join was one of its 3)');
is(scalar $fw->of_type('chat'), 2, '... only the burst');
is($ws->recv_json(0.3), undef, 'the second drop in a row gets no error of its own');
select undef, undef, undef, 0.5;
$ws->send_json({ type => 'chat', text => 'later' });
ok($fw->wait_for(sub { grep { $_->{msg}{msg}{text} eq 'later' } $fw->of_type('chat') }),
   'once the bucket refills, messages go through again');
$ws->send_json({ type => 'chat', text => "flood $_" }) for 1 .. 10;
$m = $ws->recv_json(5) // {};
is($m->{code}, 'rate-limited', 'a flood: rate-limited');
$m = $ws->recv_json(5) // {};
is($m->{code}, 'rate-limited', '... and when it goes on past the burst, an error');
($close, $reason) = $ws->wait_close(5);
is("$close $reason", '1008 rate-limited', '... and 1008');
ok($fw->wait_for(sub { $fw->of_type('disconnect') == 1 }), 'the worker is told');

# --- a hold that ran out: the place may have gone

my $small = $sig->room(max_participants => 1);
my $first = $sig->join($small);
SFUTest::Services::psql("UPDATE sfu_participants SET joined_at = now() - interval '2 minutes'"
                        . " WHERE id = '$first->{participant_id}'");
my $second = $sig->client($small);
ok($fw->wait_for(sub { ($sig->state($second->{id}) // '') eq 'connected' }),
   'a room of one: once the first joiner\'s hold ran out, a second joiner connects');
$ws = $sig->ws;
$ws->send_json({ type => 'join', token => $first->{token} });
($close) = refused($ws, 'room-full', qr/the room is full/,
                   'the first joiner, late, finds the room full');
is($close, 1008, '... closed 1008');
$second->{ws}->close_socket;

# --- PostgreSQL away: joins cannot be checked

my $pending = $sig->join($room);
SFUTest::Services::pg_stop();
$ws = $sig->ws;
$ws->send_json({ type => 'join', token => $pending->{token} });
($close, $reason) = refused($ws, 'database-unavailable', qr/database is unavailable/,
                            'a join while PostgreSQL is down');
is("$close $reason", '1011 database-unavailable', '... closed 1011');
SFUTest::Services::pg_start();

is(join('', $sig->error_log =~ /^.*\[(?:alert|crit|emerg)\].*$/mg), '',
   'nothing worse than an error in the error log');

done_testing();
