# The relay between clients and the SFU worker of their room, with nginx
# running 2 worker processes (each with its own link to the worker) and a
# stand-in worker (t/lib/SFUTest/FakeWorker.pm): a "deliver" on the link a
# participant's join came in on reaches that participant and nobody else;
# "joined" gains the ICE servers the join endpoint would mint; "kicked",
# "room-closed" and a "participant-left" event end the session; a client
# that stops reading is closed; a client that vanishes is recorded as
# gone.  Over TLS as over plain TCP.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Digest::SHA qw(hmac_sha1_base64);
use SFUTest::Signaling;
use SFUTest::FakeWorker;
use SFUTest::WS;

my $dir = tempdir(CLEANUP => 1);
my $fw = SFUTest::FakeWorker->new(path => "$dir/w1.sock", id => 1);
my $sig = SFUTest::Signaling->start(workers => ["$dir/w1.sock"],
                                    nginx_workers => 2, tls => 1);
ok($fw->wait_for(sub { $fw->connections == 2 && $sig->workers_up }, 10),
   'both nginx worker processes link to the stand-in worker');

my $room = $sig->room(max_participants => 100);

sub connect_client {
    my (%o) = @_;
    my $c = $sig->client($o{room} // $room, tls => $o{tls}, rcvbuf => $o{rcvbuf});
    $fw->wait_for(sub { defined $fw->conn_of($c->{id}) }, 5)
        or die "no join from $c->{id}";
    $c->{conn} = $fw->conn_of($c->{id});
    return $c;
}

sub gone_from_pg {
    my ($id, $reason) = @_;
    return $fw->wait_for(sub { my @s = $sig->state($id);
                               ($s[0] // '') eq 'left' && $s[1] eq $reason }, 5);
}

# --- clients on both processes; each deliver reaches its addressee only

my @clients;
my %per_conn;
while (@clients < 30 && (keys %per_conn < 2 || grep { $_ < 2 } values %per_conn)) {
    my $c = connect_client();
    push @clients, $c;
    $per_conn{ $c->{conn} }++;
}
is(scalar keys %per_conn, 2, 'clients\' joins arrive on both links '
   . '(one per nginx process): ' . join(', ', map { "$_: $per_conn{$_}" } sort keys %per_conn));
is($sig->metric('webrtc_participants_total'), scalar @clients,
   'webrtc_participants_total counts every joined client');

for my $c (@clients) {
    $fw->deliver($room, $c->{id}, { type => 'chat', from => 'p-x', text => "for $c->{id}" });
}
my $right = 0;
for my $c (@clients) {
    my $m = $c->{ws}->recv_json(5) // {};
    $right++ if ($m->{text} // '') eq "for $c->{id}";
}
is($right, scalar @clients, 'each client gets the message delivered to it');
is((grep { defined $_->{ws}->recv_json(0.05) } @clients), 0, '... and nothing else');

my ($a, $b) = @clients;
($b) = grep { $_->{conn} != $a->{conn} } @clients;
$fw->send($b->{conn}, { type => 'deliver', room => $room, participant => $a->{id},
                        msg => { type => 'chat', text => 'wrong way' } });
is($a->{ws}->recv_json(0.5), undef,
   'a deliver on another process\'s link is not passed on (nginx processes do not relay)');
$fw->send($a->{conn}, { type => 'deliver', room => 'r-other', participant => $a->{id},
                        msg => { type => 'chat', text => 'wrong room' } });
is($a->{ws}->recv_json(0.5), undef, 'nor one naming another room');

# --- joined: with ICE servers minted as the join endpoint does

$fw->deliver($room, $a->{id}, { type => 'joined', participant_id => $a->{id},
                                participants => [] });
my $m = $a->{ws}->recv_json(5) // {};
is($m->{type}, 'joined', 'joined is delivered');
is_deeply($m->{participants}, [], '... with what the worker said');
my ($stun) = grep { !exists $_->{username} } @{ $m->{ice_servers} || [] };
my ($turn) = grep { exists $_->{username} } @{ $m->{ice_servers} || [] };
is_deeply($stun, { urls => ['stun:127.0.0.1:3478'] }, '... and the STUN server added');
like($turn->{username}, qr/^\d+:\Q$a->{id}\E$/, '... and TURN credentials for the participant');
my $cred = hmac_sha1_base64($turn->{username}, 'turn-secret');
$cred .= '=' x ((4 - length($cred) % 4) % 4);
is($turn->{credential}, $cred, '... their credential HMAC-SHA1 of the username with the secret');

# --- the worker ends sessions

my $before = $sig->metric('webrtc_participants_total');
my $k = pop @clients;
$fw->deliver($room, $k->{id}, { type => 'kicked' });
is(($k->{ws}->recv_json(5) // {})->{type}, 'kicked', 'kicked is delivered');
my ($close, $reason) = $k->{ws}->wait_close(5);
is("$close $reason", '1000 kicked', '... then the server closes 1000');
ok(gone_from_pg($k->{id}, 'kicked'), '... and PostgreSQL has the participant left (kicked)');
is($sig->metric('webrtc_participants_total'), $before - 1, '... counted out');

$k = pop @clients;
$fw->deliver($room, $k->{id}, { type => 'room-closed' });
is(($k->{ws}->recv_json(5) // {})->{type}, 'room-closed', 'room-closed is delivered');
($close, $reason) = $k->{ws}->wait_close(5);
is("$close $reason", '1000 room-closed', '... then the server closes 1000');
ok(gone_from_pg($k->{id}, 'room-closed'), '... left (room-closed)');

$k = pop @clients;
$fw->send($k->{conn}, { type => 'event', event => 'participant-left', room => $room,
                        participant => $k->{id} });
($close, $reason) = $k->{ws}->wait_close(5);
is("$close $reason", '1000 left', 'a participant-left event for a connected client closes it');
ok(gone_from_pg($k->{id}, 'left'), '... left (left)');

my $absent = $sig->join($room);
$fw->send($a->{conn}, { type => 'event', event => 'participant-left', room => $room,
                        participant => $absent->{participant_id} });
ok(gone_from_pg($absent->{participant_id}, 'left'),
   'a participant-left event is recorded even for a participant not connected here');

# --- a worker that says odd things is logged and ignored

$fw->send($a->{conn}, { type => 'deliver', room => $room, participant => $a->{id} });
$fw->send($a->{conn}, { type => 'error', code => 'unknown-type', message => 'what is client?' });
ok($fw->wait_for(sub {
       $sig->error_log =~ /\[warn\] .*sfu worker ".*w1\.sock" sent a deliver without a msg object with a type; ignored/
       && $sig->error_log =~ /\[warn\] .*sfu worker ".*w1\.sock" reports an error: unknown-type: what is client\?/ }),
   'a malformed deliver and a worker error are logged as warnings');
$fw->deliver($room, $a->{id}, { type => 'chat', text => 'still fine' });
is(($a->{ws}->recv_json(5) // {})->{text}, 'still fine', '... and the link carries on');

# --- ending the room tells its worker

$fw->clear;
my $r = $sig->request(DELETE => "/api/v1/rooms/$room",
                      headers => { Authorization => "Bearer $SFUTest::Signaling::KEY" });
is($r->{status}, 200, 'the room is ended through the API');
ok($fw->wait_for(sub { $fw->of_type('close-room') == 1 }), '... and the worker is told');
is_deeply(($fw->of_type('close-room'))[0]{msg}, { type => 'close-room', room => $room },
          '... with close-room naming the room');
is($sig->metric('webrtc_participants_total'), 0,
   'the participants the room sent away are counted out');

# --- over TLS

my $room2 = $sig->room;
$fw->clear;
my $t = connect_client(room => $room2, tls => 1);
ok($t->{ws}{sock}->isa('IO::Socket::SSL'), 'a client over TLS joins');
$fw->deliver($room2, $t->{id}, { type => 'offer', sdp => "v=0\r\n" });
is(($t->{ws}->recv_json(5) // {})->{sdp}, "v=0\r\n", '... gets what the worker delivers');
$t->{ws}->send_json({ type => 'answer', sdp => "v=0\r\n" });
ok($fw->wait_for(sub { $fw->of_type('answer') == 1 }), '... and its messages are forwarded');
$t->{ws}->send_close(1000);
is(($t->{ws}->wait_close(5))[0], 1000, '... and it closes cleanly');
ok($fw->wait_for(sub { $fw->of_type('disconnect') == 1 }), '... the worker told');

# --- a client that stops reading is closed; one that vanishes is gone

$fw->clear;
# 10 MB at a client that reads nothing through a 4 KB window: more than
# nginx's socket buffer (4 MB at most here) and its 2 MiB queue take
my $slow = connect_client(room => $room2, rcvbuf => 4096);
my $big = 'z' x 100_000;
$fw->deliver($room2, $slow->{id}, { type => 'chat', text => $big }) for 1 .. 100;
ok($fw->wait_for(sub { $fw->of_type('disconnect') == 1 }, 10),
   'a client that does not read what it is sent is disconnected');
like($sig->error_log, qr/\[info\] .*signaling client is not reading, \d+ bytes wait for it; closing/,
     '... logged at info');
ok(gone_from_pg($slow->{id}, 'disconnected'), '... and recorded as gone');
$slow->{ws}->close_socket;

my $abort = connect_client(room => $room2);
$abort->{ws}->close_socket;
ok($fw->wait_for(sub { $fw->of_type('disconnect') == 2 }), 'a client that vanishes: '
   . 'the worker gets disconnect');
ok(gone_from_pg($abort->{id}, 'disconnected'), '... PostgreSQL has it left');

$_->{ws}->close_socket for @clients;
ok($fw->wait_for(sub { ($sig->metric('sfu_signaling_connections') // -1) == 0 }, 10),
   'every connection gone, sfu_signaling_connections is 0');
is($sig->metric('webrtc_participants_total'), 0, '... webrtc_participants_total too');
is($sig->request(GET => '/metrics')->{status}, 200, 'nginx serves on');
is(join('', $sig->error_log =~ /^.*\[(?:alert|crit|emerg)\].*$/mg), '',
   'nothing worse than an error in the error log');

done_testing();
