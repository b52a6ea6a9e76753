#!/usr/bin/perl
# bench-srtp, the floor make bench compares ngx-sfu with: its sendmsg
# round to a given address (--sendmsg-to) reaching a reader that drains
# it (--drain), both on loopback here; where it may send, the same rule
# as sfu-load's (loopback, or networks named with --allow-netns); and bad
# arguments a usage error (exit 2) saying what is wrong.
use strict;
use warnings;
use FindBin;
use Test::More;

my $bench = "$FindBin::Bin/../build/sfu/bench-srtp";
-x $bench or BAIL_OUT("$bench is missing (make)");

sub run { my $out = `@_ 2>&1`; return ($? >> 8, $out) }

# --- usage errors
for my $case (
    [ '--sendmsg-to 192.0.2.1:5004', qr/--sendmsg-to: "192.0.2.1:5004": the address must be on loopback or in a network given with --allow-netns/,
      'a destination off loopback without --allow-netns' ],
    [ '--sendmsg-to 10.201.0.6:5004 --allow-netns 10.201.0.0/30', qr/--allow-netns/,
      'a destination outside the --allow-netns network' ],
    [ '--drain 192.0.2.1:0', qr/--drain: .*loopback/, 'a drain off loopback' ],
    [ '--sendmsg-to 127.0.0.1:0', qr/the port must be 1\.\.65535/, 'port 0 to send to' ],
    [ '--sendmsg-to 127.0.0.1', qr/expected ADDRESS:PORT/, 'no port' ],
    [ '--sendmsg-to localhost:5004', qr/not an IP address/, 'a name' ],
    [ '--allow-netns 10.0.0.0/99', qr/--allow-netns: /, 'a bad --allow-netns' ],
    [ '--drain 127.0.0.1:0 --seconds 0', qr/--seconds: expected 1\.\.3600, got "0"/, '--seconds 0' ],
    [ '--drain 127.0.0.1:0 --sendmsg-to 127.0.0.1:9', qr/do not go together/, 'both modes at once' ],
    [ '--bogus', qr/usage: bench-srtp/, 'an unknown option' ],
    [ 'extra', qr/unexpected argument "extra"/, 'a stray argument' ],
) {
    my ($args, $want, $what) = @$case;
    my ($rc, $out) = run("$bench $args");
    is $rc, 2, "$what: usage error (exit 2)";
    like $out, $want, '... saying why';
}

# --- a drain on loopback, and a sendmsg round to it
my $pid = open(my $drain, '-|', $bench, '--drain', '127.0.0.1:0', '--seconds', 120)
    or die "$bench: $!";
my $bound = <$drain>;
like $bound, qr/^draining 127\.0\.0\.1:(\d+)$/, 'the drain says where it reads';
my ($port) = $bound =~ /:(\d+)$/;
my ($rc, $out) = run("BENCH_PACKETS=2000 BENCH_ROUNDS=1 $bench --sendmsg-to 127.0.0.1:$port");
is $rc, 0, 'bench-srtp --sendmsg-to exits 0';
like $out, qr/^UDP sendmsg on loopback\s+[\d.]+ us\/packet/m, 'it still prints the loopback figure';
like $out, qr/^UDP sendmsg to 127\.0\.0\.1:$port\s+[\d.]+ us\/packet\s+[\d.]+ allocations\/packet$/m,
    'and the round to the drain, none failed';
like $out, qr/^SRTP protect, AEAD_AES_128_GCM\s+[\d.]+ us/m, 'and the protect figures';
like $out, qr/CPU time/, 'timed in CPU time';
kill 'TERM', $pid;
my $rest = do { local $/; <$drain> } // '';
close $drain;
is $? >> 8, 0, 'the drain ends on TERM, exit 0';
my ($got) = $rest =~ /^drained (\d+) datagrams$/m;
ok $got && $got > 0, "the drain read what was sent (${\ ($got // 0)} of 2001)" or diag $rest;

done_testing;
