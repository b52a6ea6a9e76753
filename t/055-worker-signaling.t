# In-room signaling through a real sfu-worker (sfu/PROTOCOL.md): two module
# connections stand for two nginx worker processes, each holding some of
# the clients.  Join, offers from SDP fixtures answered by the worker,
# subscribe offers and answers, screen share, chat, toggles, participants
# and stats, kick, disconnect, a closing connection, close-room, and bad
# input of every kind answered to its sender alone.  The media itself is
# proven elsewhere with real browsers; here no ICE peer ever answers.
# Self-contained: needs only build/sfu/sfu-worker (make -C sfu).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use SFUTest::Worker;

my $fixtures = "$FindBin::Bin/../sfu/tests/fixtures";
my $room = 'room-1';

sub fixture {
    my ($name) = @_;
    open my $f, '<', "$fixtures/$name" or die "$fixtures/$name: $!";
    local $/;
    return <$f>;
}

sub client {
    my ($c, $participant, $msg, $role, $name) = @_;
    $c->send({ type => 'client', room => $room, participant => $participant,
               role => $role // 'participant', msg => $msg, defined $name ? (name => $name) : () });
}

# The next message delivered to $participant with that type, or undef.
sub delivered {
    my ($c, $participant, $type, $secs) = @_;
    my $d = $c->expect(sub { $_[0]{type} eq 'deliver' && $_[0]{participant} eq $participant
                             && $_[0]{msg}{type} eq $type }, $secs);
    return $d ? $d->{msg} : undef;
}

sub top {
    my ($c, $type, $secs) = @_;
    return $c->expect(sub { $_[0]{type} eq $type }, $secs);
}

# The error a participant got, checked to be the only thing either
# connection received meanwhile.
sub only_error {
    my ($c, $participant, @others) = @_;
    my @got = $c->sync;
    my @rest = map { $_->sync } @others;
    my @errors = grep { $_->{type} eq 'deliver' && $_->{participant} eq $participant
                        && $_->{msg}{type} eq 'error' } @got;
    return (@errors == 1 && @got == 1 && !@rest) ? $errors[0]{msg}{code}
         : 'got: ' . join(', ', map { $_->{msg}{type} // $_->{type} } @got, @rest);
}

# A browser's answer to the worker's subscribe offer.
sub answer_for {
    my ($offer) = @_;
    my @out;
    for my $l (split /\r\n/, $offer) {
        next if $l =~ /^a=(?:ssrc|ssrc-group|msid|candidate|end-of-candidates):/
             || $l eq 'a=end-of-candidates';
        $l =~ s/^o=.*/o=- 4242 1 IN IP4 127.0.0.1/;
        $l = 'a=recvonly' if $l eq 'a=sendonly';
        $l = 'a=setup:active' if $l =~ /^a=setup:/;
        $l = 'a=ice-ufrag:brws' if $l =~ /^a=ice-ufrag:/;
        $l = 'a=ice-pwd:browserpasswordbrowser' if $l =~ /^a=ice-pwd:/;
        $l = 'a=fingerprint:sha-256 6B:8F:0C:2E:91:D4:3A:57:B8:1C:E6:20:7F:A3:45:D9:'
           . '0B:6E:C2:88:14:F7:3D:A9:52:0E:BC:71:C6:39:84:2F' if $l =~ /^a=fingerprint:/;
        push @out, $l;
    }
    return join("\r\n", @out) . "\r\n";
}

my $w = SFUTest::Worker->start('--rtc-listen', '127.0.0.1', '--log-level', 'debug');
my $a = $w->connect;   # nginx worker process 1: alice
my $b = $w->connect;   # nginx worker process 2: bob

# join, and deliveries on the connection each join came through
client($a, 'alice', { type => 'join' }, 'host', 'Ada');
my $joined = delivered($a, 'alice', 'joined');
is_deeply($joined, { type => 'joined', participant_id => 'alice', participants => [],
                      simulcast => JSON::PP::true },
          'alice joins an empty room (and may publish simulcast)');
is_deeply(top($a, 'event'), { type => 'event', event => 'participant-joined', room => $room,
                              participant => 'alice' }, 'the module gets participant-joined');

client($b, 'bob', { type => 'join', audio => JSON::PP::true, video => JSON::PP::false });
$joined = delivered($b, 'bob', 'joined');
is_deeply($joined->{participants}, [ { participant_id => 'alice', name => 'Ada', role => 'host',
                                       audio => JSON::PP::true, video => JSON::PP::true, screen => JSON::PP::false,
                                       tracks => [] } ],
          'bob\'s joined lists alice as host, with her name, on his connection');
my $pj = delivered($a, 'alice', 'participant-joined');
is_deeply($pj, { type => 'participant-joined', participant_id => 'bob', role => 'participant',
                 audio => JSON::PP::true, video => JSON::PP::false },
          'alice hears of bob on her own connection');
ok(top($b, 'event'), 'bob\'s participant-joined event comes on his connection');
is(scalar($a->sync) + scalar($b->sync), 0, 'nobody got anything twice or on the wrong connection');

# publish: the worker answers alice's Chromium offer
client($a, 'alice', { type => 'offer', sdp => fixture('chromium_publish.sdp') });
my $answer = delivered($a, 'alice', 'answer');
ok($answer, 'alice\'s offer is answered');
my $sdp = $answer->{sdp} // '';
like($sdp, qr/^a=group:BUNDLE 0 1\r$/m, 'answer: BUNDLE 0 1');
like($sdp, qr/^a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host/m, 'answer: the worker\'s candidate');
like($sdp, qr/^a=end-of-candidates\r$/m, 'answer: end-of-candidates');
like($sdp, qr/^a=setup:active\r$/m, 'answer: a=setup:active');
is(() = $sdp =~ /^a=recvonly\r$/mg, 2, 'answer: both m-lines recvonly');
like($sdp, qr/^m=audio 9 UDP\/TLS\/RTP\/SAVPF 111\r$/m, 'answer: audio is opus alone');
like($sdp, qr/^m=video 9 UDP\/TLS\/RTP\/SAVPF 96 97\r$/m, 'answer: video is VP8 and its rtx');
like($sdp, qr/^a=fingerprint:sha-256 [0-9A-F:]{95}\r$/m, 'answer: the worker\'s fingerprint');

my %pub = map { my $m = delivered($b, 'bob', 'track-published'); ($m->{kind} => $m) } 1 .. 2;
is_deeply($pub{audio}, { type => 'track-published', participant_id => 'alice', track_id => 'alice:0',
                         kind => 'audio', source => 'microphone', mid => '0' },
          'bob hears of alice\'s microphone, on his mid 0');
is_deeply($pub{video}, { type => 'track-published', participant_id => 'alice', track_id => 'alice:1',
                         kind => 'video', source => 'camera', mid => '1' },
          'and of her camera, on his mid 1');
my $offer = delivered($b, 'bob', 'offer');
ok($offer, 'bob is offered alice\'s tracks');
like($offer->{sdp}, qr/^a=msid:alice alice:1\r$/m, 'offer: alice\'s camera in her stream');
like($offer->{sdp}, qr/^a=setup:actpass\r$/m, 'offer: a=setup:actpass');
is(() = $offer->{sdp} =~ /^a=sendonly\r$/mg, 2, 'offer: two sendonly m-lines');
like($offer->{sdp}, qr/^a=ssrc-group:FID \d+ \d+\r$/m, 'offer: video with an rtx SSRC');
client($b, 'bob', { type => 'answer', sdp => answer_for($offer->{sdp}) });
is(scalar($b->sync), 0, 'bob\'s answer is taken without reply');

# bad input: an error to its sender alone
client($b, 'bob', { type => 'answer', sdp => answer_for($offer->{sdp}) });
is(only_error($b, 'bob', $a), 'wrong-state', 'an answer with no offer out: wrong-state, to bob alone');
client($b, 'bob', { type => 'offer', sdp => "v=0\r\nm=video banana\r\n" });
is(only_error($b, 'bob', $a), 'bad-sdp', 'malformed SDP: bad-sdp');
client($b, 'bob', { type => 'offer', sdp => fixture('aiortc_publish_unfixed.sdp') });
is(only_error($b, 'bob', $a), 'bad-sdp', 'aiortc 1.4\'s stock offer (one extension id, two URIs): bad-sdp');
client($a, 'alice', { type => 'dance' });
is(only_error($a, 'alice', $b), 'unknown-type', 'an unknown type: unknown-type');
client($a, 'alice', { type => 'toggle-video', enabled => 'no' });
is(only_error($a, 'alice', $b), 'bad-message', 'a field of the wrong type: bad-message');
client($b, 'bob', { type => 'ice-candidate', pc => 'publish', candidate => 'candidate:1 1 udp 1 127.0.0.1 9 typ host' });
is(only_error($b, 'bob', $a), 'wrong-state', 'a publish candidate before any offer: wrong-state');
client($b, 'bob', { type => 'ice-candidate', pc => 'subscribe', candidate => 'candidate:garbage' });
is(only_error($b, 'bob', $a), 'bad-candidate', 'a malformed candidate: bad-candidate');
client($a, 'carol', { type => 'chat', text => 'hi' });
is(only_error($a, 'carol', $b), 'not-joined', 'a message before join: not-joined, to the connection it came on');
client($b, 'bob', { type => 'join' });
is(only_error($b, 'bob', $a), 'already-joined', 'a second join: already-joined');
$a->send({ type => 'client', room => $room, participant => 'p q', role => 'host', msg => { type => 'join' } });
my @got = $a->sync;
is_deeply([ map { [ $_->{type}, $_->{code} ] } @got ], [ [ 'error', 'bad-message' ] ],
          'an envelope with a malformed participant id: bad-message to the module');
$a->send({ type => 'client', room => $room, participant => 'alice', role => 'host', msg => [] });
@got = $a->sync;
is($got[0]{code}, 'bad-message', 'an envelope whose msg is not an object: bad-message');

# the room still works for everyone
client($b, 'bob', { type => 'chat', text => "h\x{e9}llo" });
my $chat = delivered($a, 'alice', 'chat');
is($chat->{text}, "h\x{e9}llo", 'chat reaches alice');
is($chat->{participant_id}, 'bob', '... naming bob');
ok(!grep({ ($_->{msg}{type} // '') eq 'chat' } $b->sync), 'chat is not echoed to bob');
client($a, 'alice', { type => 'toggle-audio', enabled => JSON::PP::false });
is_deeply(delivered($b, 'bob', 'media-state'),
          { type => 'media-state', participant_id => 'alice', audio => JSON::PP::false, video => JSON::PP::true },
          'toggle-audio: bob gets alice\'s media-state');

# screen share: the m-line named by start-screen-share becomes the screen track
client($a, 'alice', { type => 'start-screen-share', mid => '2' });
my $screen_sdp = fixture('chromium_publish.sdp');
$screen_sdp =~ s/a=group:BUNDLE 0 1/a=group:BUNDLE 0 1 2/;
$screen_sdp .= "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\na=sendonly\r\n"
             . "a=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\na=ssrc:77777 cname:Qb3m6W8n0kE5sT1v\r\n";
client($a, 'alice', { type => 'offer', sdp => $screen_sdp });
ok(delivered($a, 'alice', 'answer'), 'the offer adding the screen is answered');
is_deeply(delivered($b, 'bob', 'track-published'),
          { type => 'track-published', participant_id => 'alice', track_id => 'alice:2', kind => 'video',
            source => 'screen', mid => '2' }, 'bob hears of alice\'s screen, on his mid 2');
$offer = delivered($b, 'bob', 'offer');
like($offer->{sdp}, qr/^a=msid:alice-screen alice:2\r$/m, 'and is offered it in a stream of its own');
client($b, 'bob', { type => 'answer', sdp => answer_for($offer->{sdp}) });

# the codec policy: a VP8 room refuses an H264-only publisher's video
client($b, 'bob', { type => 'offer', sdp => fixture('gstreamer_h264_publish.sdp') });
my $err = delivered($b, 'bob', 'error');
is($err->{code}, 'codec-unsupported', 'H264-only video in a VP8 room: codec-unsupported');
$answer = delivered($b, 'bob', 'answer');
like($answer->{sdp}, qr/^m=video 0 /m, 'its video m-line is refused with port 0');
like($answer->{sdp}, qr/^a=group:BUNDLE audio1\r$/m, 'its bundle-only audio is taken and tags the BUNDLE');
my $bob_audio = delivered($a, 'alice', 'track-published');
is_deeply([ @$bob_audio{qw(participant_id kind source)} ], [ 'bob', 'audio', 'microphone' ],
          'alice hears of bob\'s microphone');

# participants and stats for the REST API
$a->send({ type => 'participants', id => 7, room => $room });
my $list = top($a, 'participants');
is($list->{id}, 7, 'participants echoes its id');
is_deeply([ map { $_->{participant_id} } @{ $list->{participants} } ], [ 'alice', 'bob' ], 'both listed');
is_deeply([ map { $_->{source} } @{ $list->{participants}[0]{tracks} } ], [ qw(microphone camera screen) ],
          'alice: microphone, camera and screen');
ok($list->{participants}[0]{screen}, 'alice is sharing her screen');
$a->send({ type => 'stats', id => 8, room => $room });
my $reply = top($a, 'stats');
is($reply->{id}, 8, 'stats echoes its id');
my $stats = $reply->{stats};
is_deeply([ map { $_->{codec} } @{ $stats->{participants}[0]{tracks} } ], [ qw(opus VP8 VP8) ],
          'stats: alice\'s tracks with their codecs');
ok(exists $stats->{participants}[0]{publish}{packets_in}, 'stats: her publish transport\'s counters');
is(scalar @{ $stats->{participants}[1]{subscriptions} }, 3, 'stats: bob receives three tracks');
$a->send({ type => 'stats', id => 9, room => 'elsewhere' });
is_deeply(top($a, 'stats'), { type => 'stats', id => 9, room => 'elsewhere', stats => {} },
          'stats of a room this worker does not hold: empty');

# kick
$a->send({ type => 'kick', id => 10, room => $room, participant => 'bob' });
is_deeply(top($a, 'kick'), { type => 'kick', id => 10, room => $room, participant => 'bob', found => JSON::PP::true },
          'a kick is answered with its id, found');
ok(delivered($b, 'bob', 'kicked'), 'bob is told he was kicked');
is_deeply(top($b, 'event'), { type => 'event', event => 'participant-left', room => $room, participant => 'bob' },
          'the module holding bob gets participant-left');
my $unpub = delivered($a, 'alice', 'track-unpublished');
is($unpub->{participant_id}, 'bob', 'alice loses bob\'s microphone');
is_deeply(delivered($a, 'alice', 'participant-left'),
          { type => 'participant-left', participant_id => 'bob', reason => 'kicked' },
          'and hears he left, kicked');
$a->send({ type => 'kick', id => 11, room => $room, participant => 'bob' });
is_deeply(top($a, 'kick'), { type => 'kick', id => 11, room => $room, participant => 'bob', found => JSON::PP::false },
          'kicking someone not there: found false');

# disconnect, and a whole connection closing
client($b, 'bob', { type => 'join' });
ok(delivered($b, 'bob', 'joined'), 'bob joins again');
$b->send({ type => 'disconnect', room => $room, participant => 'bob' });
is_deeply(delivered($a, 'alice', 'participant-left'),
          { type => 'participant-left', participant_id => 'bob', reason => 'disconnected' },
          'disconnect: alice hears bob left');
client($b, 'bob', { type => 'join' });
ok(delivered($b, 'bob', 'joined'), 'bob joins once more');
$b->close;
is(delivered($a, 'alice', 'participant-left')->{participant_id}, 'bob',
   'bob\'s module connection closes: he leaves the room');

# leave, close-room
my $c = $w->connect;
client($c, 'dave', { type => 'join' });
ok(delivered($c, 'dave', 'joined'), 'dave joins through a third connection');
client($c, 'dave', { type => 'leave' });
is_deeply(delivered($a, 'alice', 'participant-left'), { type => 'participant-left', participant_id => 'dave' },
          'leave: alice hears dave left');
is(top($c, 'event', 5)->{event}, 'participant-joined', '(dave\'s join event)');
is(top($c, 'event')->{event}, 'participant-left', 'the module gets dave\'s participant-left');
$c->send({ type => 'close-room', id => 12, room => $room });
is_deeply(top($c, 'close-room'), { type => 'close-room', id => 12, room => $room }, 'close-room is answered');
is_deeply(delivered($a, 'alice', 'room-closed'), { type => 'room-closed' }, 'alice hears the room closed');
$c->send({ type => 'participants', id => 13, room => $room });
is_deeply(top($c, 'participants')->{participants}, [], 'the room is gone');

like($w->log_text, qr/room room-1: video codec VP8/, 'the room\'s codec choice is logged');
unlike($w->log_text, qr/\[error\]/, 'no errors logged');
is($w->stop, 0, 'the worker exits cleanly on SIGTERM');

done_testing();
