#!/usr/bin/perl
# Secret rotation through Redis with turn/sfu-turn-secret, coturn running
# throughout: a new secret is the one the module signs with and coturn takes
# it without a restart; the old secret's credentials work until it is
# removed, then get 401.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use SFUTurn qw(mint);
use SFUTurn::Client;

SFUTurn::require_build();

my $redis = SFUTurn::start_redis();
my ($out, $rc) = SFUTurn::secret_cmd($redis, 'add', 'old-secret-0123456789');
is($rc, 0, 'add the first secret') or diag $out;

my $sfu = SFUTurn::start_peer('127.0.0.2');
my $turn = SFUTurn::start_turnserver(redis => $redis, fields => { SFU_PEERS => '127.0.0.2' });

my $n = 0;
sub allocate_code {
    my ($secret) = @_;
    my ($u, $p) = mint($secret, 'p' . ++$n, 600);
    my $r = SFUTurn::Client->new(port => $turn->{port}, username => $u, password => $p)->allocate;
    return $r->{ok} ? 'ok' : $r->{code};
}
sub relays {
    my ($secret) = @_;
    my ($u, $p) = mint($secret, 'p' . ++$n, 600);
    SFUTurn::uclient(port => $turn->{port}, user => $u, pass => $p,
        peer => '127.0.0.2', peer_port => $sfu->{port}, messages => 5) =~ /Total lost packets 0 \(/;
}

is(allocate_code('old-secret-0123456789'), 'ok', 'old secret: allocates');
is(allocate_code('new-secret-0123456789'), 401, 'new secret not added yet: 401');

# An allocation made with the old secret, to watch across the rotation.
my ($ou, $op) = mint('old-secret-0123456789', 'long-lived', 600);
my $live = SFUTurn::Client->new(port => $turn->{port}, username => $ou, password => $op);
ok($live->allocate->{ok}, 'an allocation made with the old secret');

($out, $rc) = SFUTurn::secret_cmd($redis, 'add', 'new-secret-0123456789');
is($rc, 0, 'sfu-turn-secret add (the new one)') or diag $out;
my $set = "turn/realm/$SFUTurn::REALM/secret";
is_deeply([sort(SFUTurn::redis_cli($redis, 'SMEMBERS', $set))],
    ['new-secret-0123456789', 'old-secret-0123456789'], 'both in the set');
ok(defined((SFUTurn::redis_cli($redis, 'ZSCORE', "$set/added", 'new-secret-0123456789'))[0]),
    'the new one has its time in .../added');
my $signing = SFUTurn::newest_secret($redis);
is($signing, 'new-secret-0123456789', 'the module now signs with the new secret');
like((SFUTurn::secret_cmd($redis, 'list'))[0], qr/new-secret-0123456789  <- signing/,
    'sfu-turn-secret list marks it');

ok(relays($signing), 'credential of the new secret relays, coturn not restarted');
is(allocate_code('old-secret-0123456789'), 'ok', 'old secret still accepted until removed');

($out, $rc) = SFUTurn::secret_cmd($redis, 'remove', 'old-secret-0123456789');
is($rc, 0, 'sfu-turn-secret remove (the old one)') or diag $out;
is_deeply([SFUTurn::redis_cli($redis, 'ZRANGE', "$set/added", 0, -1)], ['new-secret-0123456789'],
    'removed from .../added too');
is(allocate_code('old-secret-0123456789'), 401, 'old secret after removal: 401');
ok(relays('new-secret-0123456789'), 'new secret still relays');
# Documented behaviour: a session keeps the key it authenticated with; it
# ends when its credential expires (patch 0003), not when the secret goes.
ok($live->refresh(lifetime => 600)->{ok}, 'an allocation made before the removal can still refresh');
ok(kill(0, $turn->{pid}), 'the same turnserver process all along');

($out, $rc) = SFUTurn::secret_cmd($redis, 'remove', 'new-secret-0123456789');
isnt($rc, 0, 'removing the last secret is refused without --force');
like($out, qr/last secret/, '... and says why');

# rotate: a new random secret, a wait of one credential lifetime, the older
# ones removed.
($out, $rc) = SFUTurn::secret_cmd($redis, 'rotate', '--ttl', 1);
is($rc, 0, 'sfu-turn-secret rotate --ttl 1') or diag $out;
my @left = SFUTurn::redis_cli($redis, 'SMEMBERS', $set);
is(scalar @left, 1, 'one secret left after the rotation');
isnt($left[0], 'new-secret-0123456789', 'and it is a new one');
is(allocate_code('new-secret-0123456789'), 401, 'the rotated-out secret: 401');
ok(relays(SFUTurn::newest_secret($redis)), 'the rotated-in secret relays');

done_testing();
