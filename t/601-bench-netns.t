#!/usr/bin/perl
# make bench's network: t/bin/bench-netns makes two namespaces joined by a
# veth pair and removes them afterwards, failed or interrupted; Janus
# (t/bin/bench-janus) answers its HTTP API inside the SFU namespace, and
# sfu-load's Janus backend (signal_janus, driven by janus-check) creates a
# room, joins, publishes, and reports a refused join as a clear failure.
use strict;
use warnings;
use FindBin;
use Test::More;
use Time::HiRes qw(sleep);

my $repo = "$FindBin::Bin/..";
my $netns = "$repo/t/bin/bench-netns";
my $check = "$repo/build/sfu/janus-check";

# Skip only when namespaces cannot be made at all (no root, no
# CAP_SYS_ADMIN); anything else that goes wrong must fail.
my $probe = qx{$netns true 2>&1};
plan skip_all => "network namespaces unavailable: $probe" if $? >> 8 == 3;
is($?, 0, 'bench-netns runs a command') or diag $probe;

sub namespaces { return grep { /^sfubench-/ } map { (split)[0] // '' } qx{ip netns list} }
sub links { return grep { /\bvb\d+[sl]\b/ } qx{ip -o link show} }

# Ours only: other runs (other worktrees) may hold theirs right now.
sub ours { my ($pid) = @_; return grep { /^sfubench-b$pid-/ } namespaces() }

# bench-netns running a bash script: (exit status, stdout and stderr)
sub in_netns {
    my ($script) = @_;
    open(my $fh, '-|', $netns, 'bash', '-c', "exec 2>&1\n$script") or die "$netns: $!";
    my $out = do { local $/; <$fh> } // '';
    close $fh;
    return ($?, $out);
}

# --- the network inside, and what is left afterwards
my $inside = <<'EOS';
echo "ns $BENCH_NS_SFU $BENCH_NS_LOAD"
echo "pid $$ $PPID"
ip -n "$BENCH_NS_SFU" -o -4 addr show dev "$BENCH_SFU_IF" | awk '{print "sfu", $4}'
ip -n "$BENCH_NS_LOAD" -o -4 addr show dev "$BENCH_LOAD_IF" | awk '{print "load", $4}'
ip -n "$BENCH_NS_SFU" -o link show dev lo | grep -q 'UP' && echo "sfu lo up"
ip netns exec "$BENCH_NS_LOAD" bash -c "echo > /dev/udp/$BENCH_SFU_ADDR/9" && echo "udp sent"
EOS
my ($status, $out) = in_netns($inside);
is($status, 0, 'the script inside ran') or diag $out;
my ($ns_sfu, $ns_load) = $out =~ /^ns (\S+) (\S+)$/m;
my ($owner) = $out =~ /^pid \d+ (\d+)$/m;
like($ns_sfu // '', qr/^sfubench-b\d+-sfu$/, 'the SFU namespace has a name of its own');
like($out, qr{^sfu 10\.201\.0\.1/30$}m, 'the SFU end has 10.201.0.1/30');
like($out, qr{^load 10\.201\.0\.2/30$}m, 'the load end has 10.201.0.2/30');
like($out, qr/^sfu lo up$/m, 'lo is up in the SFU namespace');
like($out, qr/^udp sent$/m, 'the load namespace reaches the SFU address');
ok(!grep({ $_ eq $ns_sfu || $_ eq $ns_load } namespaces()), 'both namespaces are gone');
ok(!grep({ /\bvb$owner[sl]\b/ } links()), 'no veth end is left on the host') if $owner;

# --- a failing command: its status comes back, the namespaces still go
($status, $out) = in_netns('echo "pid $PPID"; exit 7');
is($status >> 8, 7, "a failing command's status is bench-netns's");
($owner) = $out =~ /^pid (\d+)$/m;
is(scalar ours($owner), 0, 'and its namespaces are gone');

# --- an interrupted run (TERM while the command runs) cleans up too
{
    my $pid = open(my $fh, '-|', $netns, 'bash', '-c', 'echo up; sleep 60');
    my $line = <$fh>;
    is($line, "up\n", 'a long command started');
    is(scalar ours($pid), 2, 'its two namespaces exist meanwhile');
    kill 'TERM', $pid;
    close $fh;
    is(scalar ours($pid), 0, 'TERM removes them');
}

# --- bench-steer: each veth end's receive on its own side's CPU
{
    my $cpus = qx{nproc --all} + 0;
    my $all = sprintf '%x', (1 << $cpus) - 1;
    my $entries = '/proc/sys/net/core/rps_sock_flow_entries';
    my $before = qx{cat $entries} + 0;
    my $steer = "$repo/t/bin/bench-steer";
    ($status, $out) = in_netns(<<EOS);
echo "== show"; $steer show
echo "== pin"; $steer pin 0 @{[$cpus - 1]}
echo "== follow"; $steer follow
echo "== bad"; $steer pin $cpus 0; echo "status \$?"
EOS
    is($status, 0, 'bench-steer ran') or diag $out;
    my %part = $out =~ /^== (\w+)\n(.*?)(?=^== |\z)/msg;
    like($part{show}, qr/^veth-sfu rps_cpus=0+ rps_flow_cnt=0$/m, 'a new veth end has no steering');
    like($part{pin}, qr/^veth-sfu rps_cpus=0*1 rps_flow_cnt=0$/m, 'pin: the SFU end receives on the SFU\'s CPU');
    my $load_mask = sprintf '%x', 1 << ($cpus - 1);
    like($part{pin}, qr/^veth-load rps_cpus=0*$load_mask rps_flow_cnt=0$/m,
         "pin: the load end on sfu-load's CPU");
    like($part{follow}, qr/^veth-load rps_cpus=0*$all rps_flow_cnt=4096$/m, 'follow: flow steering on the load end');
    like($part{follow}, qr/^veth-sfu rps_cpus=0*$all rps_flow_cnt=4096$/m, '... and on the SFU end');
    my ($raised) = $part{follow} =~ /^rps_sock_flow_entries=(\d+)$/m;
    cmp_ok($raised // 0, '>=', 32768, "follow: the host's flow table is large enough");
    like($part{bad}, qr/^bench-steer: no CPU $cpus\nstatus 2$/m, 'a CPU the machine lacks is a usage error');
    is(qx{cat $entries} + 0, $before, 'bench-netns puts the host\'s flow table back as it found it');
}

# --- Janus inside the SFU namespace, asked from the load namespace
SKIP: {
    skip 'janus-check is not built (make -C sfu janus-check)', 4 unless -x $check;
    my $state = "$repo/build/bench/t600-janus-$$";
    my $janus = <<EOS;
set -u
ip netns exec "\$BENCH_NS_SFU" "$repo/t/bin/bench-janus" "$state" "\$BENCH_SFU_ADDR" 8088 "\$BENCH_SFU_IF" &
janus=\$!
in_load() { ip netns exec "\$BENCH_NS_LOAD" "\$@"; }
for i in \$(seq 200); do
    in_load curl -s -m 2 -X POST -d '{"janus":"info","transaction":"t600"}' \\
        "http://\$BENCH_SFU_ADDR:8088/janus" > "$state.info" 2>/dev/null && break
    sleep 0.1
done
cat "$state.info"; echo
in_load "$check" "http://\$BENCH_SFU_ADDR:8088/janus"
echo "check \$?"
kill \$janus; wait \$janus
EOS
    ($status, $out) = in_netns($janus);
    like($out, qr/"janus":\s*"server_info".*"version_string":\s*"1\.1\.\d+"/,
         'Janus answers "info" inside the namespace');
    like($out, qr/^A publish-answer recvonly$/m, "the backend's publish offer gets Janus's answer");
    like($out, qr/^X failed: VideoRoom error 426 on the publish handle: No such room/m,
         'a join to a room that does not exist fails with a clear line');
    like($out, qr/^check 0$/m, 'janus-check met every expectation') or diag $out;
    system('rm', '-rf', $state, "$state.info");
}

done_testing();
