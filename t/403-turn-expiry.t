#!/usr/bin/perl
# An allocation whose REST credential has expired cannot be refreshed, nor
# get new permissions or channels (patch 0003): each such request gets 401
# "Credentials expired". Debian's stock coturn 4.6.1 grants them all, which
# is the hole.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep time);
use SFUTurn qw(mint);
use SFUTurn::Client;

SFUTurn::require_build();

my $secret = 'expiry-secret-0123456789';
my $redis = SFUTurn::start_redis();
SFUTurn::secret_cmd($redis, 'add', $secret);

# Allocates with a credential valid for 3 more seconds (and a control client
# with a long one), waits until the first has expired, then tries what keeps
# an allocation alive. Returns the answers.
sub scenario {
    my ($turn) = @_;
    my %r;
    my ($u, $p) = mint($secret, 'short', 3);
    my ($expiry) = $u =~ /^(\d+):/;
    my $c = SFUTurn::Client->new(port => $turn->{port}, username => $u, password => $p);
    my $control = SFUTurn::Client->new(port => $turn->{port}, username => (mint($secret, 'long', 600))[0],
        password => (mint($secret, 'long', 600))[1]);
    $r{allocate} = $c->allocate(lifetime => 600);
    $r{permission_before} = $c->create_permission('127.0.0.2');
    $r{control_allocate} = $control->allocate(lifetime => 600);
    sleep 0.2 while time < $expiry + 1.5;    # the expiry second is over
    $r{refresh} = $c->refresh(lifetime => 600);
    $r{permission} = $c->create_permission('127.0.0.3');
    $r{channel} = $c->channel_bind(0x4001, '127.0.0.2', 3480);
    $r{control_refresh} = $control->refresh(lifetime => 600);
    $r{control_permission} = $control->create_permission('127.0.0.3');
    $r{delete} = $c->refresh(lifetime => 0);
    return \%r;
}

{
    my $turn = SFUTurn::start_turnserver(redis => $redis, fields => { SFU_PEERS => '127.0.0.2-127.0.0.3' });
    my $r = scenario($turn);
    ok($r->{allocate}{ok}, 'allocation with a credential valid for 3 s');
    is($r->{allocate}{lifetime}, 600, 'granted lifetime 600 s (outlives the credential)');
    ok($r->{permission_before}{ok}, 'CreatePermission before expiry: granted');
    for my $what (qw(refresh permission channel delete)) {
        is($r->{$what}{code}, 401, "$what after expiry: 401");
        is($r->{$what}{reason}, 'Credentials expired', "$what after expiry: reason says why");
    }
    ok($r->{control_allocate}{ok} && $r->{control_refresh}{ok} && $r->{control_permission}{ok},
        'a session with an unexpired credential is unaffected');
    like(SFUTurn::log_of($turn), qr/user \d+:short credentials have expired/, 'logged');
    SFUTurn::stop($turn->{pid});
}

SKIP: {
    skip "$SFUTurn::STOCK is missing (Debian package coturn): cannot show the stock hole", 3
        unless -x $SFUTurn::STOCK;
    my $turn = SFUTurn::start_turnserver(bin => $SFUTurn::STOCK, redis => $redis,
        fields => { SFU_PEERS => '127.0.0.2-127.0.0.3' });
    my $r = scenario($turn);
    ok($r->{refresh}{ok}, 'stock 4.6.1: Refresh after expiry is granted (the hole)');
    ok($r->{permission}{ok}, 'stock 4.6.1: CreatePermission after expiry is granted');
    ok($r->{channel}{ok}, 'stock 4.6.1: ChannelBind after expiry is granted');
    SFUTurn::stop($turn->{pid});
}

done_testing();
