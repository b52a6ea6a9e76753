#!/usr/bin/perl
# The SFU-only relay policy: the SFU address relays, any other peer gets 403,
# including IPv6 forms of a denied IPv4 address (CVE-2026-27624). The mapped
# forms are also tried under plain IPv4 deny rules against Debian's stock
# coturn 4.6.1, to show the hole the patch closes is real.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use SFUTurn qw(mint);
use SFUTurn::Client;

SFUTurn::require_build();

my $secret = 'policy-secret-0123456789';
my $redis = SFUTurn::start_redis();
SFUTurn::secret_cmd($redis, 'add', $secret);
my $sfu = SFUTurn::start_peer('127.0.0.2');
my $other = SFUTurn::start_peer('127.0.0.1');
my ($user, $pass) = mint($secret, 'participant-0', 600);

# IPv6 spellings of 127.0.0.1, a denied (non-SFU) address.
my @mapped = ('::ffff:127.0.0.1', '::127.0.0.1', '64:ff9b::7f00:1');

# One participant per run: a refused run leaves its allocations to time out,
# and they count against the participant's quota (user-quota).
my $n = 0;
sub relay {
    my ($turn, $peer, @flags) = @_;
    my ($u, $p) = mint($secret, 'participant-' . ++$n, 600);
    return SFUTurn::uclient(port => $turn->{port}, user => $u, pass => $p,
        peer => $peer, peer_port => $sfu->{port}, flags => \@flags, messages => 5);
}

# 1. The project's configuration (turn/turnserver.conf), SFU at 127.0.0.2.
{
    my $turn = SFUTurn::start_turnserver(redis => $redis,
        fields => { SFU_PEERS => '127.0.0.2', RELAY_IP => '127.0.0.1 ::1' });

    like(relay($turn, '127.0.0.2'), qr/Total lost packets 0 \(/, 'SFU address: relayed');
    for my $peer ('127.0.0.1', '10.1.2.3', '224.0.0.1', '255.255.255.255') {
        like(relay($turn, $peer), qr/channel bind: error 403 \(Forbidden IP\)/, "$peer: 403");
    }
    for my $peer (@mapped, '::ffff:224.0.0.1', '::1', 'fd00::1') {
        like(relay($turn, $peer, '-x'), qr/channel bind: error 403 \(Forbidden IP\)/,
            "$peer (IPv6 relay): 403");
    }
    # The mapped form of the SFU address is the SFU address.
    my $c = SFUTurn::Client->new(port => $turn->{port}, username => $user, password => $pass);
    ok($c->allocate(family => 'ipv6')->{ok}, 'IPv6 allocation');
    ok($c->create_permission('::ffff:127.0.0.2')->{ok}, '::ffff:127.0.0.2 (the SFU) is allowed');
    is($c->create_permission('::ffff:127.0.0.1')->{code}, 403, 'CreatePermission ::ffff:127.0.0.1: 403');
    SFUTurn::stop($turn->{pid});
}

# 2. IPv4 rules only (the CVE's setting): loopback peers banned by default,
# 127.0.0.0/8 denied as well; the relay has an IPv6 address.
my @ipv4_rules = ('--use-auth-secret', "--static-auth-secret=$secret", '--relay-ip=127.0.0.1',
    '--relay-ip=::1', '--denied-peer-ip=127.0.0.0-127.255.255.255');

my $patched = SFUTurn::start_turnserver(args => \@ipv4_rules);
for my $peer (@mapped) {
    like(relay($patched, $peer, '-x'), qr/channel bind: error 403 \(Forbidden IP\)/,
        "patched, IPv4 rules only: $peer gets 403");
}
SFUTurn::stop($patched->{pid});

SKIP: {
    skip "$SFUTurn::STOCK is missing (Debian package coturn): cannot show the stock hole",
        scalar @mapped unless -x $SFUTurn::STOCK;
    my $stock = SFUTurn::start_turnserver(bin => $SFUTurn::STOCK, args => \@ipv4_rules);
    for my $peer (@mapped) {
        my $o = relay($stock, $peer, '-x');
        ok($o !~ /error 403/ && $o =~ /Total lost packets/,
            "stock 4.6.1, IPv4 rules only: $peer is NOT refused (the hole)") or diag $o;
    }
    SFUTurn::stop($stock->{pid});
}

done_testing();
