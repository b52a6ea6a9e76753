#!/usr/bin/perl
# The patched coturn build (make turn): where it comes from, what it is.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use SFUTurn;

SFUTurn::require_build();
my $root = $SFUTurn::ROOT;
my $bin = $SFUTurn::BIN;

# The tarball is the one the .dsc names, checked by sha256.
my $dl = "$root/build/turn/dl";
my ($dsc) = glob "$dl/coturn_4.6.1-*.dsc";
ok($dsc, 'the .dsc was fetched') or BAIL_OUT('no .dsc in build/turn/dl');
open my $fh, '<', $dsc or die "$dsc: $!";
my ($want) = map { /^ ([0-9a-f]{64}) \d+ coturn_4\.6\.1\.orig\.tar\.gz$/ ? $1 : () } <$fh>;
my ($got) = split ' ', qx{sha256sum $dl/coturn_4.6.1.orig.tar.gz};
is($got, $want, 'orig tarball sha256 matches the .dsc');

for my $p (qw(turnserver turnadmin turnutils_uclient turnutils_peer turnutils_stunclient
              turnutils_rfc5769check)) {
    ok(-x "$bin/$p", "build/turn/bin/$p");
}

like(qx{$bin/turnserver --version 2>&1}, qr/^4\.6\.1\b/, 'turnserver is coturn 4.6.1');
like(qx{ldd $bin/turnserver}, qr/libssl\.so\.3\b/, 'linked against OpenSSL 3');

# RFC 5769 test vectors: the long-term credential ones go through the MD5 key
# derivation that patch 0001 ports to OpenSSL 3.
my $vectors = qx{$bin/turnutils_rfc5769check 2>&1};
is($?, 0, 'turnutils_rfc5769check exits 0');
like($vectors, qr/long-term credentials and integrity test result: success/,
    'long-term credential vector (MD5 key) passes');
unlike($vectors, qr/result: failure|FAIL/i, 'no vector fails');

# Each patch starts with a header saying what it changes and why.
my @patches = sort glob "$root/turn/patches/*.patch";
cmp_ok(scalar @patches, '>=', 3, 'at least the three required patches');
for my $p (@patches) {
    open my $ph, '<', $p or die "$p: $!";
    local $/;
    my $text = <$ph>;
    my ($header) = $text =~ /\A(.*?)^diff /ms;
    my $name = (split m{/}, $p)[-1];
    ok(defined $header && $header =~ /^What:/m && $header =~ /^Why:/m,
        "$name has a What:/Why: header");
}

done_testing();
