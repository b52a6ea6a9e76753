#!/usr/bin/perl
# Credentials minted the module's way allocate and relay to an allowed (SFU)
# peer over UDP, TCP and TLS on both TLS ports; forged and expired ones get
# 401; allocation events reach redis-statsdb.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use SFUTurn qw(mint);
use SFUTurn::Client;

SFUTurn::require_build();

my $redis = SFUTurn::start_redis();
my ($out, $rc) = SFUTurn::secret_cmd($redis, 'add', 'first-secret-0123456789');
is($rc, 0, 'sfu-turn-secret add') or diag $out;

# Allocation events, as redis-statsdb publishes them.
my $events = "$SFUTurn::TMP/events.log";
SFUTurn::spawn($events, 'redis-cli', '-p', $redis->{port}, 'PSUBSCRIBE', "turn/realm/$SFUTurn::REALM/*");

my $sfu = SFUTurn::start_peer('127.0.0.2');
my $turn = SFUTurn::start_turnserver(redis => $redis, fields => { SFU_PEERS => '127.0.0.2' });

my $secret = SFUTurn::newest_secret($redis);
is($secret, 'first-secret-0123456789', 'the module would sign with the secret just added');
my ($user, $pass) = mint($secret, 'participant-1', 600);
my %peer = (peer => '127.0.0.2', peer_port => $sfu->{port}, user => $user, pass => $pass);

# A relay both ways over each transport to the client: 20 messages on a
# channel to the echoing peer come back whole (SFUTurn::Client frames the
# stream itself; turnutils_uclient loses an echo that shares a TLS record
# with the one before).
my %transports = (
    'UDP'                        => { port => $turn->{port},         transport => 'udp' },
    'TCP'                        => { port => $turn->{port},         transport => 'tcp' },
    'TLS on the TLS port'        => { port => $turn->{tls_port},     transport => 'tls' },
    'TLS on the second TLS port' => { port => $turn->{alt_tls_port}, transport => 'tls' },
);
for my $name (sort keys %transports) {
    my $c = SFUTurn::Client->new(%{$transports{$name}}, username => $user, password => $pass);
    my $a = $c->allocate;
    ok($a->{ok}, "$name: Allocate succeeds") or diag explain $a;
    my $b = $c->channel_bind(0x4000, $peer{peer}, $peer{peer_port});
    ok($b->{ok}, "$name: ChannelBind to the SFU succeeds") or diag explain $b;
    my @sent = map { sprintf('message %02d ', $_) . ('x' x (3 * $_)) } 1 .. 20;
    my @got;
    for my $m (@sent) {
        $c->send_channel(0x4000, $m);
        select(undef, undef, undef, 0.01);
    }
    while (@got < @sent) {
        my ($channel, $data) = $c->recv_channel(5) or last;
        push @got, $data if $channel == 0x4000;
    }
    is_deeply([sort @got], [sort @sent], "$name: relays to the SFU and back, nothing lost");
    ok($c->refresh(lifetime => 0)->{ok}, "$name: the allocation is deleted");
}

# Credentials coturn must refuse. turnutils_uclient answers every 401
# challenge by trying again and ends with "Cannot complete Allocation"; the
# exact answer (401) is checked with SFUTurn::Client.
sub refused {
    my ($what, $u, $p) = @_;
    my $o = SFUTurn::uclient(%peer, port => $turn->{port}, user => $u, pass => $p);
    like($o, qr/Cannot complete Allocation/, "$what: turnutils_uclient cannot allocate");
    unlike($o, qr/Total lost packets/, "$what: nothing relayed");
    my $c = SFUTurn::Client->new(port => $turn->{port}, username => $u, password => $p);
    my $r = $c->allocate;
    is($r->{code}, 401, "$what: Allocate answered 401");
}

refused('forged credential (another secret)', mint('some-other-secret-000', 'participant-1', 600));
refused('expired credential', mint($secret, 'participant-1', -5));
my ($other_user) = mint($secret, 'participant-2', 600);
refused("another username with this password", $other_user, $pass);

# Quotas: user-quota (12 by default) concurrent allocations per username.
my ($quser, $qpass) = mint($secret, 'participant-quota', 600);
my @held = map { SFUTurn::Client->new(port => $turn->{port}, username => $quser, password => $qpass) } 1 .. 13;
my @codes = map { my $r = $_->allocate; $r->{ok} ? 'ok' : $r->{code} } @held;
is_deeply([@codes[0 .. 11]], [('ok') x 12], 'user-quota: 12 allocations for one participant');
is($codes[12], 486, 'user-quota: the 13th gets 486 (Allocation Quota Reached)');

sleep 1;
my $ev = do { local (@ARGV, $/) = $events; <> } // '';
like($ev, qr{turn/realm/\Q$SFUTurn::REALM\E/user/\Q$user\E/allocation/\d+/status\s+new lifetime=\d+},
    'redis-statsdb: allocation "new" event for the participant');
like($ev, qr{/allocation/\d+/status\s+deleted}, 'redis-statsdb: allocation "deleted" event');

done_testing();
