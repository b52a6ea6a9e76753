# REST API flows against real PostgreSQL: the room lifecycle, joins with
# capacity and passwords, join tokens and TURN credentials checked by
# recomputing their signatures, SQL injection attempts in every string.
use strict;
use warnings;
use Test::More;
use Digest::SHA qw(hmac_sha256 hmac_sha1);
use MIME::Base64 qw(encode_base64 decode_base64);
use JSON::PP;
use URI::Escape ();
use POSIX ();
use SFUTest::Services;
use SFUTest::HTTP;

my $KEY = '0123456789abcdef0123';
my $TOKEN_SECRET = '0123456789abcdef0123456789abcdef';
my $TURN_SECRET = 'turn-secret-for-tests';
my %AUTH = (Authorization => "Bearer $KEY");

my $ngx = SFUTest::HTTP->start_nginx(
    http_config => qq{
        sfu_postgres "\$TEST_NGINX_PG_CONNINFO";
        sfu_api_key $KEY ops;
        sfu_token_secret $TOKEN_SECRET;
        sfu_token_ttl 600;
        sfu_turn_secret $TURN_SECRET;
        sfu_turn_realm example.org;
        sfu_turn_ttl 3600;
        sfu_stun_uri stun:127.0.0.1:3478;
        sfu_turn_uri turn:127.0.0.1:3478?transport=udp;
        sfu_turn_uri turn:127.0.0.1:3478?transport=tcp;
        sfu_public_url https://sfu.example.org;
        sfu_password_iterations 1000;
    },
    config => 'location /api/ { sfu_api; }',
);

sub api { my ($m, $p, %o) = @_; $ngx->request($m => "/api/v1$p", %o) }

sub b64url_decode {
    my $s = shift;
    $s =~ tr{-_}{+/};
    $s .= '=' x ((4 - length($s) % 4) % 4);
    return decode_base64($s);
}

sub check_jwt {
    my ($jwt, $name) = @_;
    my ($h, $p, $sig) = split /\./, $jwt;
    my $expect = encode_base64(hmac_sha256("$h.$p", $TOKEN_SECRET), '');
    $expect =~ tr{+/}{-_};
    $expect =~ s/=+$//;
    is($sig, $expect, "$name: the token is HS256 with the configured secret");
    is(decode_json(b64url_decode($h))->{alg}, 'HS256', "$name: alg HS256");
    return decode_json(b64url_decode($p));
}

sub check_turn {
    my ($ice, $participant, $name) = @_;
    my ($stun) = grep { !exists $_->{username} } @$ice;
    my ($turn) = grep { exists $_->{username} } @$ice;
    is_deeply($stun->{urls}, ['stun:127.0.0.1:3478'], "$name: STUN URI");
    is_deeply($turn->{urls}, ['turn:127.0.0.1:3478?transport=udp',
                              'turn:127.0.0.1:3478?transport=tcp'],
              "$name: TURN URIs");
    my ($exp, $user) = split /:/, $turn->{username}, 2;
    is($user, $participant, "$name: TURN username names the participant");
    ok($exp > time + 3500 && $exp <= time + 3601,
       "$name: TURN credential expires after sfu_turn_ttl");
    is($turn->{credential},
       encode_base64(hmac_sha1($turn->{username}, $TURN_SECRET), ''),
       "$name: TURN credential is base64(HMAC-SHA1(secret, username))");
}

# --- create, read, list, update
my $r = api(POST => '/rooms', json => {name => 'Standup', max_participants => 2},
            headers => \%AUTH);
is($r->{status}, 201, 'create: 201');
my $room = $r->{json};
like($room->{id}, qr/^[A-Za-z0-9_-]{22}$/, 'create: a 128-bit url-safe id');
like($r->{headers}{location}, qr{^(http://127\.0\.0\.1:\d+)?/api/v1/rooms/$room->{id}$},
     'create: Location');
is($room->{join_url}, "https://sfu.example.org/?room=$room->{id}",
   'create: join_url on sfu_public_url');
is_deeply([@$room{qw(name max_participants has_password waiting_room
                     recording_enabled status participant_count)}],
          ['Standup', 2, JSON::PP::false, JSON::PP::false, JSON::PP::false,
           'open', 0], 'create: the room as stored');

$r = api(GET => "/rooms/$room->{id}", headers => \%AUTH);
is($r->{status}, 200, 'get: 200');
is($r->{json}{name}, 'Standup', 'get: the same room');

$r = api(PATCH => "/rooms/$room->{id}", json => {name => 'Daily',
         waiting_room => JSON::PP::true}, headers => \%AUTH);
is($r->{status}, 200, 'update: 200');
is_deeply([@{$r->{json}}{qw(name waiting_room max_participants)}],
          ['Daily', JSON::PP::true, 2], 'update: changed fields only');

my @ids = ($room->{id});
for my $i (1 .. 3) {
    $r = api(POST => '/rooms', json => {name => "r$i", max_participants => 5},
             headers => \%AUTH);
    push @ids, $r->{json}{id};
}
$r = api(GET => '/rooms?limit=2', headers => \%AUTH);
is(scalar @{$r->{json}{rooms}}, 2, 'list: limit');
is_deeply([map { $_->{id} } @{$r->{json}{rooms}}], [@ids[3, 2]],
          'list: newest first');
$r = api(GET => "/rooms?limit=2&cursor=$r->{json}{next_cursor}",
         headers => \%AUTH);
is_deeply([map { $_->{id} } @{$r->{json}{rooms}}], [@ids[1, 0]],
          'list: the cursor continues where the page ended');

# --- joins: capacity, tokens, TURN
$r = api(POST => "/rooms/$room->{id}/join", json => {name => 'Ada'});
is($r->{status}, 200, 'join: 200');
my $join = $r->{json};
is($join->{role}, 'participant', 'join: without a key, a participant');
is($join->{signaling_url}, 'wss://sfu.example.org/ws',
   'join: signaling_url');
my $claims = check_jwt($join->{token}, 'join');
is($claims->{room}, $room->{id}, 'join: token names the room');
is($claims->{sub}, $join->{participant_id}, 'join: token names the participant');
is($claims->{role}, 'participant', 'join: token carries the role');
ok($claims->{exp} > time + 590 && $claims->{exp} <= time + 601,
   'join: token expires after sfu_token_ttl');
check_turn($join->{ice_servers}, $join->{participant_id}, 'join');

$r = api(GET => '/turn-credentials',
         headers => {Authorization => "Bearer $join->{token}"});
is($r->{status}, 200, 'turn-credentials: 200 with the join token');
check_turn($r->{json}{ice_servers}, $join->{participant_id},
           'turn-credentials');

$r = api(POST => "/rooms/$room->{id}/join", json => {name => 'Host'},
         headers => \%AUTH);
is($r->{json}{role}, 'host', 'join: with the API key, a host');

$r = api(POST => "/rooms/$room->{id}/join", json => {name => 'Late'});
is($r->{status}, 409, 'join: a full room is 409');
is($r->{json}{error}{code}, 'room-full', 'join: room-full');

$r = api(POST => "/rooms/$room->{id}/join",
         json => {name => 'x', role => 'host'});
is($r->{status}, 403, 'join: host without a key is 403');

# the live list is the SFU worker's (t/205, t/300); this nginx has none
$r = api(GET => "/rooms/$room->{id}/participants", headers => \%AUTH);
is("$r->{status} $r->{json}{error}{code}", '503 worker-unavailable',
   'participants: without an SFU worker, 503 worker-unavailable');

# --- concurrent joins never overfill a room
$r = api(POST => '/rooms', json => {name => 'race', max_participants => 3},
         headers => \%AUTH);
my $race = $r->{json}{id};
my @kids;
for my $i (1 .. 12) {
    my $pid = fork // die;
    if ($pid == 0) {
        my $x = SFUTest::HTTP::request(POST => $ngx->url("/api/v1/rooms/$race/join"),
                                       json => {name => "p$i"});
        # _exit: the parent's nginx object must not be destroyed here
        POSIX::_exit($x->{status} == 200 ? 0 : $x->{status} == 409 ? 1 : 2);
    }
    push @kids, $pid;
}
my %codes;
for (@kids) { waitpid($_, 0); $codes{$? >> 8}++ }
is($codes{0}, 3, 'concurrent joins: exactly max_participants succeed');
is($codes{1}, 9, 'concurrent joins: the rest are room-full');
is((SFUTest::Services::psql(
    "select count(*) from sfu_participants where room_id = '$race'"))[0][0],
   3, 'concurrent joins: three rows in PostgreSQL');

# --- passwords
$r = api(POST => '/rooms', json => {name => 'secret', max_participants => 5,
         password => 'correct horse'}, headers => \%AUTH);
my $locked = $r->{json};
is($locked->{has_password}, JSON::PP::true, 'password: has_password');
my ($hash) = @{(SFUTest::Services::psql(
    "select password_hash from sfu_rooms where id = '$locked->{id}'"))[0]};
like($hash, qr/^pbkdf2-sha256\$1000\$/, 'password: stored as PBKDF2');
unlike($hash, qr/correct horse/, 'password: never in plain text');

$r = api(POST => "/rooms/$locked->{id}/join", json => {name => 'x'});
is($r->{status}, 401, 'password: none given is 401');
is($r->{json}{error}{code}, 'password-required', 'password: password-required');
$r = api(POST => "/rooms/$locked->{id}/join",
         json => {name => 'x', password => 'wrong horse'});
is($r->{status}, 403, 'password: a wrong one is 403');
is($r->{json}{error}{code}, 'wrong-password', 'password: wrong-password');
$r = api(POST => "/rooms/$locked->{id}/join",
         json => {name => 'x', password => 'correct horse'});
is($r->{status}, 200, 'password: the right one joins');
$r = api(POST => "/rooms/$locked->{id}/join", json => {name => 'key'},
         headers => \%AUTH);
is($r->{status}, 200, 'password: an API key needs none');

$r = api(PATCH => "/rooms/$locked->{id}", json => {password => undef},
         headers => \%AUTH);
is($r->{json}{has_password}, JSON::PP::false, 'password: null removes it');
$r = api(POST => "/rooms/$locked->{id}/join", json => {name => 'y'});
is($r->{status}, 200, 'password: then anyone with the link joins');

# --- ending
$r = api(DELETE => "/rooms/$room->{id}", headers => \%AUTH);
is($r->{status}, 200, 'end: 200');
is($r->{json}{status}, 'ended', 'end: status ended');
ok($r->{json}{ended_at}, 'end: ended_at set');
is((SFUTest::Services::psql("select count(*) from sfu_participants where"
    . " room_id = '$room->{id}' and left_at is null"))[0][0], 0,
   'end: every participant marked left');
$r = api(POST => "/rooms/$room->{id}/join", json => {name => 'z'});
is($r->{status}, 410, 'end: joining an ended room is 410');
$r = api(PATCH => "/rooms/$room->{id}", json => {name => 'z'},
         headers => \%AUTH);
is($r->{status}, 409, 'end: updating an ended room is 409');
$r = api(GET => '/rooms?status=ended', headers => \%AUTH);
is_deeply([map { $_->{id} } @{$r->{json}{rooms}}], [$room->{id}],
          'end: listed under status=ended');

# --- tokens that are not right
for my $case (['forged', do { my @p = split /\./, $join->{token};
                              $p[2] =~ tr/A-Za-z/B-ZAb-za/; join '.', @p }],
              ['alg none', join('.', map { my $e = encode_base64($_, '');
                                           $e =~ tr{+/}{-_}; $e =~ s/=+$//; $e }
                                     '{"alg":"none","typ":"JWT"}',
                                     encode_json({%$claims})) . '.'],
              ['garbage', 'not.a.jwt'])
{
    $r = api(GET => '/turn-credentials',
             headers => {Authorization => "Bearer $case->[1]"});
    is($r->{status}, 401, "turn-credentials: $case->[0] token is 401");
    is($r->{json}{error}{code}, 'invalid-token',
       "turn-credentials: $case->[0] token is invalid-token");
}
$r = api(GET => '/turn-credentials');
is($r->{status}, 401, 'turn-credentials: no token is 401');

# --- SQL injection in every string field is only ever data
my @evil = ("'); DROP TABLE sfu_rooms; --", "x' OR '1'='1",
            "\\'; SELECT pg_sleep(5); --", "Robert'); DELETE FROM sfu_participants;--");
for my $s (@evil) {
    $r = api(POST => '/rooms', json => {name => $s, max_participants => 2,
             password => $s}, headers => \%AUTH);
    is($r->{status}, 201, "injection: create with \"$s\"");
    is($r->{json}{name}, $s, 'injection: the name is stored as given');
    my $id = $r->{json}{id};
    $r = api(PATCH => "/rooms/$id", json => {name => "$s!"}, headers => \%AUTH);
    is($r->{json}{name}, "$s!", 'injection: update stores it as given');
    $r = api(POST => "/rooms/$id/join", json => {name => $s, password => $s});
    is($r->{status}, 200, 'injection: join with it as name and password');
    $r = api(GET => "/rooms?cursor=" . URI::Escape::uri_escape($s),
             headers => \%AUTH);
    is($r->{status}, 400, 'injection: as a cursor it is refused');
}
ok((SFUTest::Services::psql("select count(*) from sfu_rooms"))[0][0] >= 8,
   'injection: the rooms table is intact');

unlike($ngx->error_log, qr/\[(alert|crit|emerg)\]/, 'no alerts in the error log');

done_testing();
