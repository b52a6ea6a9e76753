# REST calls the SFU worker of the room answers, over the module's link
# (request and answer matched by "id"), against a stand-in worker:
# GET /api/v1/rooms/{id}/participants, GET /api/v1/rooms/{id}/stats and
# DELETE /api/v1/rooms/{id}/participants/{pid} (kick).  A worker that
# answers with an error or malformed is 502, one that does not answer in
# sfu_worker_timeout 504, one that is not linked 503.  (t/300 lists the
# participants of a real call.)
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use JSON::PP qw(decode_json);
use Time::HiRes qw(time);
use SFUTest::Signaling;
use SFUTest::FakeWorker;
use SFUTest::WS;

my $dir = tempdir(CLEANUP => 1);
my $fw = SFUTest::FakeWorker->new(path => "$dir/w1.sock", id => 1);
my $sig = SFUTest::Signaling->start(workers => ["$dir/w1.sock"],
                                    nginx_workers => 2,
                                    http => 'sfu_worker_timeout 500ms;');
ok($fw->wait_for(sub { $fw->connections == 2 && $sig->workers_up }, 10),
   'the stand-in worker is linked');

# the API through a raw socket, so that the stand-in worker runs meanwhile
sub api {
    my ($method, $path, %o) = @_;
    my $auth = ($o{key} // 1) ? "Authorization: Bearer $SFUTest::Signaling::KEY\r\n" : '';
    my ($status, $headers, $body) = SFUTest::WS::raw_request($sig->{port},
        "$method /api/v1$path HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n",
        timeout => 5);
    return ($status, eval { decode_json($body) } // $body);
}

my $answer;    # how the stand-in answers participants, stats and kick
$fw->{answer} = sub {
    my ($w, $conn, $msg) = @_;
    return unless $msg->{type} =~ /^(?:participants|stats|kick)$/;
    my @out = $answer->($msg);
    $w->send($conn, $_) for @out;
};

my $room = $sig->room;

# --- stats

$answer = sub {
    my ($m) = @_;
    return { type => 'stats', id => $m->{id}, room => $m->{room},
             stats => { participants => 2, bitrate_kbps => 1200 } };
};
my ($status, $body) = api(GET => "/rooms/$room/stats");
is($status, 200, 'GET stats: 200');
is_deeply($body, { room => $room, stats => { participants => 2, bitrate_kbps => 1200 } },
          '... the worker\'s stats for the room');
my ($req) = $fw->of_type('stats');
is_deeply([ sort keys %{ $req->{msg} } ], [ qw(id room type) ],
          'the worker was asked {type, id, room}');
like($req->{msg}{id}, qr/^\d+$/, '... with an integer id');

($status, $body) = api(GET => '/rooms/no-such-room/stats');
is("$status $body->{error}{code}", '404 room-not-found', 'stats of no room: 404');
($status) = api(GET => "/rooms/$room/stats", key => 0);
is($status, 401, 'stats need an API key');

$answer = sub { ({ type => 'error', id => $_[0]{id}, code => 'unknown-type',
                   message => 'unknown message type "stats"' }) };
($status, $body) = api(GET => "/rooms/$room/stats");
is("$status $body->{error}{code}", '502 worker-error', 'a worker error: 502');
is($body->{error}{message}, 'the room\'s media worker could not answer: unknown-type',
   '... saying the worker\'s code');

my @late;
$answer = sub { push @late, $_[0]; () };
my $t0 = time;
($status, $body) = api(GET => "/rooms/$room/stats");
is("$status $body->{error}{code}", '504 worker-timeout', 'no answer: 504 worker-timeout');
cmp_ok(time - $t0, '<', 2, '... after sfu_worker_timeout (500ms)');
my $conn = ($fw->of_type('stats'))[-1]{conn};
$fw->send($conn, { type => 'stats', id => $late[-1]{id}, room => $room, stats => {} });
$answer = sub { ({ type => 'stats', id => $_[0]{id}, room => $room, stats => { ok => JSON::PP::true } }) };
($status, $body) = api(GET => "/rooms/$room/stats");
is($status, 200, 'a late answer is dropped, and the next call is answered');

$answer = sub { ({ type => 'stats', id => $_[0]{id}, room => $room, stats => 'none' }) };
($status, $body) = api(GET => "/rooms/$room/stats");
is("$status $body->{error}{code}", '502 worker-error', 'stats that are not an object: 502');

# --- participants

my $ada = { participant_id => 'p-ada', name => 'Ada', role => 'host',
            audio => JSON::PP::false, video => JSON::PP::true, screen => JSON::PP::true,
            joined_at => 1700000000123,
            connection => { publish => 'connected', subscribe => 'connecting' },
            tracks => [ { track_id => 'p-ada:0', kind => 'audio', source => 'microphone' },
                        { track_id => 'p-ada:1', kind => 'video', source => 'screen' } ] };
my $bo = { participant_id => 'p-bo', role => 'participant', audio => JSON::PP::true,
           video => JSON::PP::true, screen => JSON::PP::false, joined_at => 1700000001000,
           connection => { publish => 'none', subscribe => 'none' }, tracks => [] };
my @live = ($ada, $bo);
$answer = sub { ({ type => 'participants', id => $_[0]{id}, room => $_[0]{room},
                   participants => [ @live ] }) };
($status, $body) = api(GET => "/rooms/$room/participants");
is($status, 200, 'GET participants: 200, from the worker');
is_deeply($body, { room => $room, participants => [
    { id => 'p-ada', name => 'Ada', role => 'host', joined_at => '2023-11-14T22:13:20.123Z',
      audio => JSON::PP::false, video => JSON::PP::true, screen => JSON::PP::true,
      connection => { publish => 'connected', subscribe => 'connecting' },
      tracks => [ { id => 'p-ada:0', kind => 'audio', source => 'microphone' },
                  { id => 'p-ada:1', kind => 'video', source => 'screen' } ] },
    { id => 'p-bo', role => 'participant', joined_at => '2023-11-14T22:13:21.000Z',
      audio => JSON::PP::true, video => JSON::PP::true, screen => JSON::PP::false,
      connection => { publish => 'none', subscribe => 'none' }, tracks => [] } ] },
    '... each with name, role, joined_at, media state, tracks and connection state')
    or diag explain $body;
($req) = $fw->of_type('participants');
is_deeply([ @{ $req->{msg} }{qw(type room)} ], [ 'participants', $room ],
          '... the worker was asked {type: participants, id, room}');

@live = ();
($status, $body) = api(GET => "/rooms/$room/participants");
is_deeply([ $status, $body ], [ 200, { room => $room, participants => [] } ],
          'a room with nobody in the call: 200 and an empty list');
($status, $body) = api(GET => '/rooms/no-such-room/participants');
is("$status $body->{error}{code}", '404 room-not-found', 'participants of no room: 404');
($status) = api(GET => "/rooms/$room/participants", key => 0);
is($status, 401, 'participants need an API key');

for my $bad ([ 'not a list', sub { $_[0]{participants} = 'x' } ],
             [ 'an entry without an id', sub { delete $_[0]{participants}[0]{participant_id} } ],
             [ 'a track without a kind', sub { delete $_[0]{participants}[0]{tracks}[0]{kind} } ],
             [ 'joined_at not a number', sub { $_[0]{participants}[0]{joined_at} = 'now' } ]) {
    my ($what, $spoil) = @$bad;
    $answer = sub {
        my $m = decode_json(JSON::PP->new->encode(
            { type => 'participants', id => $_[0]{id}, room => $room, participants => [ $ada ] }));
        $spoil->($m);
        return $m;
    };
    ($status, $body) = api(GET => "/rooms/$room/participants");
    is("$status $body->{error}{code}", '502 worker-error', "participants answered with $what: 502");
}
is($body->{error}{message}, 'the room\'s media worker answered participants malformed',
   '... saying so');

$answer = sub { () };
$t0 = time;
($status, $body) = api(GET => "/rooms/$room/participants");
is("$status $body->{error}{code}", '504 worker-timeout', 'participants unanswered: 504 worker-timeout');
cmp_ok(time - $t0, '<', 2, '... after sfu_worker_timeout (500ms)');

# --- kick

my $c = $sig->client($room);
ok($fw->wait_for(sub { defined $fw->conn_of($c->{id}) }), 'a participant joins');
my %in_call;
$answer = sub {
    my ($m) = @_;
    my $found = defined $fw->conn_of($m->{participant})
                && !$in_call{ $m->{participant} }++;
    $fw->deliver($m->{room}, $m->{participant}, { type => 'kicked' }) if $found;
    return { type => 'kick', id => $m->{id}, room => $m->{room},
             participant => $m->{participant},
             found => $found ? JSON::PP::true : JSON::PP::false };
};
my $before = $sig->metric('webrtc_participants_total');
($status) = api(DELETE => "/rooms/$room/participants/$c->{id}");
is($status, 204, 'DELETE a participant (kick): 204');
($req) = $fw->of_type('kick');
is_deeply([ @{ $req->{msg} }{qw(type room participant)} ], [ 'kick', $room, $c->{id} ],
          '... the worker was asked {type: kick, id, room, participant}');
is(($c->{ws}->recv_json(5) // {})->{type}, 'kicked', '... the participant gets kicked');
my ($close, $reason) = $c->{ws}->wait_close(5);
is("$close $reason", '1000 kicked', '... and 1000');
ok($fw->wait_for(sub { join(' ', $sig->state($c->{id})) eq 'left kicked' }),
   '... PostgreSQL has it left (kicked)');
is($sig->metric('webrtc_participants_total'), $before - 1, '... counted out once');

my $waiting = $sig->join($room);
($status) = api(DELETE => "/rooms/$room/participants/$waiting->{participant_id}");
is($status, 204, 'kicking a participant that has not connected yet: 204');
is(join(' ', $sig->state($waiting->{participant_id})), 'left kicked', '... left (kicked)');
my $ws = $sig->ws;
$ws->send_json({ type => 'join', token => $waiting->{token} });
is(($ws->recv_json(5) // {})->{code}, 'invalid-token', '... and its token no longer joins');

($status, $body) = api(DELETE => "/rooms/$room/participants/nobody");
is("$status $body->{error}{code}", '404 participant-not-found', 'kicking nobody: 404');
($status, $body) = api(DELETE => "/rooms/$room/participants/$c->{id}");
is($status, 404, 'kicking someone who has left: 404');
($status, $body) = api(DELETE => "/rooms/$room/participants/bad%20id");
is("$status $body->{error}{code}", '404 not-found', 'a malformed participant id: 404 not-found');
($status) = api(GET => "/rooms/$room/participants/$c->{id}");
is($status, 405, 'GET on a participant: 405');

# --- no worker

$fw->crash;
ok($fw->wait_for(sub { !$sig->workers_up }), 'the worker goes away');
($status, $body) = api(GET => "/rooms/$room/stats");
is("$status $body->{error}{code}", '503 worker-unavailable', 'stats without a worker: 503');
($status, $body) = api(GET => "/rooms/$room/participants");
is("$status $body->{error}{code}", '503 worker-unavailable', 'participants without a worker: 503');
($status, $body) = api(DELETE => "/rooms/$room/participants/$waiting->{participant_id}");
is("$status $body->{error}{code}", '503 worker-unavailable', 'kick without a worker: 503');

is(join('', $sig->error_log =~ /^.*\[(?:alert|crit|emerg)\].*$/mg), '',
   'nothing worse than an error in the error log');

done_testing();
