# Participants orphaned by a dead nginx worker process (schema version 5,
# ngx_http_sfu_orphans.c).  A participant's row names its holder: the edge
# (sfu_edge_id, by default the host name), the nginx worker's pid and its
# incarnation.  When that worker is SIGKILLed, the master starts another
# and the live workers sweep: its participants are left ("orphaned"), the
# room's held count comes back, and a full room takes a join again.  A
# participant of a live worker, and a row of another edge, are not swept;
# a whole nginx killed and started again sweeps at start.  An upgrade
# from version 4 keeps every row.  The SFU worker is a stand-in
# (t/lib/SFUTest/FakeWorker.pm): what it does when a link drops is
# t/055's.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Sys::Hostname qw(hostname);
use SFUTest::Signaling;
use SFUTest::FakeWorker;
use SFUTest::Services;
use SFUTest::WS;

my $dir = tempdir(CLEANUP => 1);
my $fw = SFUTest::FakeWorker->new(path => "$dir/w1.sock", id => 1);
my %START = (workers => ["$dir/w1.sock"], nginx_workers => 2, master => 1,
             http => 'sfu_orphan_sweep 1s;');
my $sig = SFUTest::Signaling->start(%START);
ok($fw->wait_for(sub { $sig->workers_up }, 10), 'the stand-in worker is linked');

my $EDGE = hostname();

sub sql { SFUTest::Services::psql(shift) }
sub held { (sql("SELECT held FROM sfu_rooms WHERE id = '$_[0]'"))[0][0] }
sub holder {
    my ($row) = sql("SELECT holder_edge, holder_pid, holder_incarnation"
                    . " FROM sfu_participants WHERE id = '$_[0]'");
    return @{ $row || [] };
}
sub join_status {
    $sig->request(POST => "/api/v1/rooms/$_[0]/join",
                  json => { name => 'late' })->{status};
}

# the worker processes of an nginx master
sub workers_of {
    my ($master) = @_;
    my @workers;
    for my $stat (glob '/proc/[0-9]*/stat') {
        my $line = SFUTest::NginxProc::slurp($stat) or next;
        push @workers, $1 if $line =~ /^(\d+) \(.*\) \S+ (\d+) / && $2 == $master;
    }
    return @workers;
}

sub connected {
    my ($c) = @_;
    return $fw->wait_for(sub { ($sig->state($c->{id}) // '') eq 'connected' }, 10);
}

# --- a participant names its holder

my $full = $sig->room(max_participants => 1);
my $a = $sig->client($full);
ok(connected($a), 'a participant joins over signaling: connected');
my ($edge, $pid, $incarnation) = holder($a->{id});
my $master = $sig->{ngx}{pid};
my @workers = workers_of($master);
is(scalar @workers, 2, 'nginx runs 2 worker processes');
is($edge, $EDGE, 'its holder edge is the host name by default');
ok((grep { $_ == $pid } @workers), 'its holder pid is the worker with its WebSocket');
like($incarnation, qr{^[0-9a-f-]{36}/\d+$}, 'and the incarnation is boot id/start time');
is(held($full), 1, 'the room of 1 place holds 1');
is(join_status($full), 409, 'and is full');

my $others = $sig->room;
my @others = map { $sig->client($others) } 1 .. 4;
ok(!grep({ !connected($_) } @others), '4 participants of another room connect');

# --- the worker holding it is killed

is(kill(KILL => $pid), 1, "SIGKILL to nginx worker $pid");
ok($fw->wait_for(sub { my @w = workers_of($master); @w == 2 && !grep { $_ == $pid } @w }, 10),
   'the master starts another worker');
ok($fw->wait_for(sub { join(' ', $sig->state($a->{id})) eq 'left orphaned' }, 15),
   'within the sweep the participant is left, reason orphaned');
is(held($full), 0, 'the room holds no place again');
is(join_status($full), 200, 'and takes a join');
for my $c (@others) {
    my ($cedge, $cpid) = holder($c->{id});
    is($sig->state($c->{id}), $cpid == $pid ? 'left' : 'connected',
       "a participant of worker $cpid: " . ($cpid == $pid ? 'swept' : 'not swept'));
}
like($sig->error_log, qr/orphaned participant\(s\) marked left/, 'the sweep is logged');

# --- live holders and other edges are left alone

my $c = $sig->client($others);
ok(connected($c), 'a participant joins a live worker');
my $held = held($others);
sql("INSERT INTO sfu_participants (id, room_id, name, role, state,"
    . " holder_edge, holder_pid, holder_incarnation) VALUES"
    . " ('ghost-$$', '$others', 'ghost', 'participant', 'connected',"
    . "  '$EDGE', $pid, '$incarnation'),"
    . " ('far-$$', '$others', 'far', 'participant', 'connected',"
    . "  'other-edge', $pid, '$incarnation'),"
    . " ('reused-$$', '$others', 'reused', 'participant', 'connected',"
    . "  '$EDGE', $$, '${\ ($incarnation =~ s{/\d+$}{/1}r) }')");
is(held($others), $held + 3, 'three more rows: held by the dead worker (one on'
   . ' another edge), and by a live pid of another incarnation');
ok($fw->wait_for(sub { join(' ', $sig->state("ghost-$$")) eq 'left orphaned' }, 15),
   'the one of the dead worker on this edge is swept');
is(join(' ', $sig->state("reused-$$")), 'left orphaned',
   'so is the one whose pid lives in another process');
is($sig->state("far-$$"), 'connected', 'the one on another edge is not');
is($sig->state($c->{id}), 'connected', 'nor the participant of the live worker');
is(held($others), $held + 1, 'held counts what is left');
sql("UPDATE sfu_participants SET state = 'left', left_at = now() WHERE id = 'far-$$'");

# --- the whole nginx killed and started again

my $room = $sig->room(max_participants => 1);
my $d = $sig->client($room);
ok(connected($d), 'a participant joins');
kill KILL => -$master;
kill KILL => $master, workers_of($master);
waitpid $master, 0;
delete $sig->{ngx}{pid};
is($sig->state($d->{id}), 'connected', 'nginx killed: the participant is still connected');
# a sweep an hour apart: only the one at start can do it
$START{http} = 'sfu_orphan_sweep 1h;';
$sig = SFUTest::Signaling->start(%START);
ok($fw->wait_for(sub { join(' ', $sig->state($d->{id})) eq 'left orphaned' }, 15),
   'nginx started again: the participant is swept at start');
is(held($room), 0, 'its room holds no place');
is(join_status($room), 200, 'and takes a join');

# --- upgrade from version 4

$sig->stop;
my $rows = (sql('SELECT count(*) FROM sfu_participants'))[0][0];
sql("DROP FUNCTION sfu_connect(text, text, interval, text, integer, text);"
    . " DROP INDEX sfu_participants_holders;"
    . " ALTER TABLE sfu_participants DROP COLUMN holder_edge,"
    . " DROP COLUMN holder_pid, DROP COLUMN holder_incarnation;"
    . " DELETE FROM sfu_schema WHERE version = 5");
$sig = SFUTest::Signaling->start(%START);
is_deeply([map { $_->[0] } sql('SELECT version FROM sfu_schema ORDER BY version')],
          [1, 2, 3, 4, 5], 'the upgrade from version 4 applied version 5');
is((sql('SELECT count(*) FROM sfu_participants'))[0][0], $rows, 'no participant was lost');
my $e = $sig->client($sig->room);
ok(connected($e), 'a participant joins after the upgrade');
is((holder($e->{id}))[0], $EDGE, 'and names its holder');

done_testing();
