#!/usr/bin/perl
# The whole TURN path as a client sees it: nginx with the module and the
# patched coturn share one Redis secret set; a participant joins, asks
# GET /api/v1/turn-credentials with its join token, and allocates and
# relays through coturn with exactly the username and credential it got.
# Then the secret rotates through Redis (turn/sfu-turn-secret) with both
# running on; and a credential past its sfu_turn_ttl is refused.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep time);
use SFUTurn;
use SFUTurn::Client;
use SFUTest::Services;
use SFUTest::HTTP;

SFUTurn::require_build();

my $KEY = '0123456789abcdef-turn-e2e';
my $OLD = 'module-e2e-old-secret-0123456789';
my $NEW = 'module-e2e-new-secret-0123456789';

my $redis = SFUTurn::start_redis();
my ($out, $rc) = SFUTurn::secret_cmd($redis, 'add', $OLD);
is($rc, 0, 'sfu-turn-secret add: the first secret') or diag $out;

my $sfu = SFUTurn::start_peer('127.0.0.2');
my $turn = SFUTurn::start_turnserver(redis => $redis, fields => { SFU_PEERS => '127.0.0.2' });

# nginx signs with the newest secret of the same Redis set coturn reads;
# there is no sfu_turn_secret to fall back on.
sub start_nginx {
    my ($ttl) = @_;
    return SFUTest::HTTP->start_nginx(
        http_config => qq{
            sfu_postgres "\$TEST_NGINX_PG_CONNINFO";
            sfu_api_key $KEY ops;
            sfu_token_secret 0123456789abcdef0123456789abcdef;
            sfu_redis 127.0.0.1:$redis->{port};
            sfu_turn_realm $SFUTurn::REALM;
            sfu_turn_ttl $ttl;
            sfu_turn_secret_refresh 100ms;
            sfu_stun_uri stun:127.0.0.1:$turn->{port};
            sfu_turn_uri turn:127.0.0.1:$turn->{port}?transport=udp;
            sfu_turn_uri turn:127.0.0.1:$turn->{port}?transport=tcp;
        },
        config => 'location /api/ { sfu_api; }');
}

sub poll {
    my ($what, $cond) = @_;
    my $deadline = time + 15;
    while (time < $deadline) {
        my $v = $cond->();
        return $v if $v;
        sleep 0.05;
    }
    fail("timed out waiting for $what");
    return undef;
}

# a room, and a participant's join token (once PostgreSQL and the secret
# from Redis are in)
sub join_room {
    my ($ngx) = @_;
    my $room = poll('the room to be created', sub {
        my $r = $ngx->request(POST => '/api/v1/rooms',
            headers => { Authorization => "Bearer $KEY" },
            json => { name => 'turn e2e', max_participants => 10 });
        $r->{status} == 201 && $r->{json}{id};
    }) or BAIL_OUT('no room');
    return poll('a join', sub {
        my $r = $ngx->request(POST => "/api/v1/rooms/$room/join", json => { name => 'Ada' });
        $r->{status} == 200 && $r->{json};
    }) || BAIL_OUT('no join');
}

# the TURN server entry of GET /api/v1/turn-credentials
sub turn_credentials {
    my ($ngx, $token) = @_;
    my $r = $ngx->request(GET => '/api/v1/turn-credentials',
                          headers => { Authorization => "Bearer $token" });
    is($r->{status}, 200, 'GET /api/v1/turn-credentials with the join token: 200')
        or diag $r->{body};
    my ($server) = grep { defined $_->{username} } @{ $r->{json}{ice_servers} || [] };
    return $server;
}

sub relays {
    my ($server, %o) = @_;
    my $o = SFUTurn::uclient(port => $turn->{port}, user => $server->{username},
        pass => $server->{credential}, peer => '127.0.0.2', peer_port => $sfu->{port},
        messages => 5, %o);
    return $o =~ /Total lost packets 0 \(0\.0+%\)/ ? 1 : (diag($o), 0);
}

sub allocate_code {
    my ($server) = @_;
    my $r = SFUTurn::Client->new(port => $turn->{port}, username => $server->{username},
                                 password => $server->{credential})->allocate;
    # the reason too, so that a failure says what coturn answered
    return $r->{ok} ? 'ok' : $r->{code} == 401 ? 401 : "$r->{code} $r->{reason}";
}

my $ngx = start_nginx('10m');
my $joined = join_room($ngx);
my $cred = turn_credentials($ngx, $joined->{token});
like($cred->{username}, qr/^(\d+):\Q$joined->{participant_id}\E$/,
     'the username is <expiry>:<participant id of the join>');
my ($expiry) = $cred->{username} =~ /^(\d+):/;
ok($expiry > time + 500 && $expiry <= time + 601, 'the expiry is sfu_turn_ttl (10m) ahead');
is_deeply($cred->{urls}, ["turn:127.0.0.1:$turn->{port}?transport=udp",
                          "turn:127.0.0.1:$turn->{port}?transport=tcp"],
          'the TURN URIs of the configuration');

ok(relays($cred), 'module credential: allocates and relays over UDP, nothing lost');
ok(relays($cred, flags => ['-t']), 'module credential: relays over TCP');
my ($join_turn) = grep { defined $_->{username} } @{ $joined->{ice_servers} };
ok(relays($join_turn), "the join response's own credential relays too");

my $forged = { %$cred, credential => 'Zm9yZ2VkLWNyZWRlbnRpYWwtMDAwMDAwMA==' };
is(allocate_code($forged), 401, 'the same username with another credential: 401');

# --- rotation: a new secret in Redis; neither nginx nor coturn restarts
($out, $rc) = SFUTurn::secret_cmd($redis, 'add', $NEW);
is($rc, 0, 'sfu-turn-secret add: a new secret') or diag $out;
my $rotated = poll('the module to sign with the new secret', sub {
    my $r = $ngx->request(GET => '/api/v1/turn-credentials',
                          headers => { Authorization => "Bearer $joined->{token}" });
    my ($s) = grep { defined $_->{username} } @{ $r->{json}{ice_servers} || [] };
    $s && $s->{credential} eq SFUTurn::credential($NEW, $s->{username}) && $s;
});
ok($rotated, 'after the rotation the module signs with the new secret');
ok(relays($rotated), 'new-secret credential from the module relays, coturn not restarted')
    if $rotated;
ok(relays($cred), 'the credential of the old secret still relays until it is removed');

($out, $rc) = SFUTurn::secret_cmd($redis, 'remove', $OLD);
is($rc, 0, 'sfu-turn-secret remove: the old secret') or diag $out;
is(allocate_code($cred), 401, 'the old secret removed: its credential gets 401');
ok(relays($rotated), 'the new-secret credential still relays') if $rotated;
ok(kill(0, $turn->{pid}), 'the same turnserver process all along');
ok(kill(0, $ngx->{pid}), 'the same nginx process all along');
$ngx->stop;

# --- a credential past sfu_turn_ttl
my $short = start_nginx('3s');
my $sjoin = join_room($short);
my $fresh = turn_credentials($short, $sjoin->{token});
my ($sexp) = ($fresh->{username} // '') =~ /^(\d+):/;
ok($sexp && $sexp <= time + 4, 'sfu_turn_ttl 3s: the credential expires within 3 s');
my $before = allocate_code($fresh);
# (on a loaded machine the allocation may come after the expiry already)
ok($before eq 'ok' || time >= $sexp, 'before its expiry it allocates')
    or diag "allocate: $before";
poll('the credential to expire', sub { time > $sexp + 1 });
is(allocate_code($fresh), 401, 'after its expiry: Allocate answered 401');
like(SFUTurn::uclient(port => $turn->{port}, user => $fresh->{username},
                      pass => $fresh->{credential}, peer => '127.0.0.2',
                      peer_port => $sfu->{port}, messages => 2),
     qr/Cannot complete Allocation/, 'after its expiry: turnutils_uclient cannot allocate');
ok(relays(turn_credentials($short, $sjoin->{token})),
   'a credential asked for again with the same join token relays');
$short->stop;

done_testing();
