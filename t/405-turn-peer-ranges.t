#!/usr/bin/perl
# Patch 0004: allowed/denied-peer-ip ranges compare IPv6 addresses as numbers
# and never match an address of the other family. Debian's stock 4.6.1 gets
# both wrong. Only CreatePermission is sent: no traffic reaches these peers.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use SFUTurn qw(mint);
use SFUTurn::Client;

SFUTurn::require_build();

my $secret = 'ranges-secret-0123456789';
my %answer;    # {binary}{family}{peer} = 'ok' | code

# IPv6 rule alone: fd00::10 .. fd00::ffff:ffff. Then "deny all IPv6" alone.
my @cases = (
    ['--denied-peer-ip=fd00::10-fd00::ffff:ffff', ipv6 => 'fd00::1:5', 'fd00::20', 'fd00::5', 'fd00::1:0:0'],
    ['--denied-peer-ip=::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', ipv4 => '127.0.0.2'],
);

sub answers {
    my ($bin) = @_;
    my %a;
    for my $case (@cases) {
        my ($rule, $family, @peers) = @$case;
        my $turn = SFUTurn::start_turnserver(bin => $bin, args => ['--use-auth-secret',
            "--static-auth-secret=$secret", '--relay-ip=127.0.0.1', '--relay-ip=::1',
            '--allow-loopback-peers', $rule]);
        my ($u, $p) = mint($secret, 'participant', 600);
        my $c = SFUTurn::Client->new(port => $turn->{port}, username => $u, password => $p);
        $c->allocate(family => $family)->{ok} or die "allocation ($family) failed\n";
        for my $peer (@peers) {
            my $r = $c->create_permission($peer);
            $a{$peer} = $r->{ok} ? 'ok' : $r->{code};
        }
        SFUTurn::stop($turn->{pid});
    }
    return \%a;
}

my $patched = answers("$SFUTurn::BIN/turnserver");
is($patched->{'fd00::1:5'}, 403, 'fd00::1:5 lies in fd00::10-fd00::ffff:ffff: 403');
is($patched->{'fd00::20'}, 403, 'fd00::20 lies in the range: 403');
is($patched->{'fd00::5'}, 'ok', 'fd00::5 is below the range: allowed');
is($patched->{'fd00::1:0:0'}, 'ok', 'fd00::1:0:0 is above the range: allowed');
is($patched->{'127.0.0.2'}, 'ok', 'an IPv6-only deny range does not deny IPv4 peers');

SKIP: {
    skip "$SFUTurn::STOCK is missing (Debian package coturn): cannot show the stock faults", 2
        unless -x $SFUTurn::STOCK;
    my $stock = answers($SFUTurn::STOCK);
    is($stock->{'fd00::1:5'}, 'ok', 'stock 4.6.1: fd00::1:5 escapes the deny range (the fault)');
    is($stock->{'127.0.0.2'}, 403, 'stock 4.6.1: the IPv6-only deny range denies IPv4 too (the fault)');
}

done_testing();
