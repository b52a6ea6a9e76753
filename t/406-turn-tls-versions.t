#!/usr/bin/perl
# Patch 0005: with no-tlsv1/no-tlsv1_1 (our configuration), a TLS 1.0 or 1.1
# ClientHello gets a protocol_version alert at once; Debian's stock 4.6.1
# holds such a connection open forever. TLS 1.2 works on both TLS ports.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time);
use SFUTurn;

SFUTurn::require_build();
my $redis = SFUTurn::start_redis();

# openssl s_client with one TLS version: (seconds taken, output). A server
# that never answers is cut off after 5 s (timeout's exit status 124).
sub hello {
    my ($port, $version) = @_;
    my $t0 = time;
    my $out = qx{timeout 5 openssl s_client -$version -connect 127.0.0.1:$port </dev/null 2>&1};
    return (time - $t0, $? >> 8, $out);
}

my $turn = SFUTurn::start_turnserver(redis => $redis, fields => { SFU_PEERS => '127.0.0.2' });
for my $port ($turn->{tls_port}, $turn->{alt_tls_port}) {
    for my $v (qw(tls1 tls1_1)) {
        my ($secs, $rc, $out) = hello($port, $v);
        like($out, qr/alert protocol version/, "port $port, $v: refused with a protocol_version alert");
        cmp_ok($secs, '<', 3, "port $port, $v: at once");
    }
    my ($secs, $rc, $out) = hello($port, 'tls1_2');
    like($out, qr/Protocol\s*: TLSv1\.2|New, TLSv1\.2/, "port $port, tls1_2: handshake completes");
}
SFUTurn::stop($turn->{pid});

SKIP: {
    skip "$SFUTurn::STOCK is missing (Debian package coturn): cannot show the stock fault", 1
        unless -x $SFUTurn::STOCK;
    my $stock = SFUTurn::start_turnserver(bin => $SFUTurn::STOCK, redis => $redis,
        fields => { SFU_PEERS => '127.0.0.2' });
    my ($secs, $rc, $out) = hello($stock->{tls_port}, 'tls1');
    is($rc, 124, 'stock 4.6.1: a TLS 1.0 hello is left hanging (the fault)');
}

done_testing();
