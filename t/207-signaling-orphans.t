# Participants orphaned by a dead nginx worker process (schema version 5,
# ngx_http_sfu_orphans.c).  A participant's row names its holder: the edge
# (sfu_edge_id, by default the host name), the nginx worker's pid and its
# incarnation.  When that worker is SIGKILLed, the master starts another
# and the live workers sweep: its participants are left ("orphaned"), the
# room's held count comes back, and a full room takes a join again.  A
# participant of a live worker, and a row of another edge, are not swept;
# a whole nginx killed and started again sweeps at start.  An upgrade
# from version 4 keeps every row.  The SFU worker is a stand-in
# (t/lib/SFUTest/FakeWorker.pm), but for the last part: a real SFU worker
# sees the dead process's link drop, and the room's other participants
# hear that its participant left.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Sys::Hostname qw(hostname);
use SFUTest::Signaling;
use SFUTest::FakeWorker;
use SFUTest::Services;
use SFUTest::WS;
use SFUTest::Worker;

my $dir = tempdir(CLEANUP => 1);
my $fw = SFUTest::FakeWorker->new(path => "$dir/w1.sock", id => 1);
my %START = (workers => ["$dir/w1.sock"], nginx_workers => 2, master => 1,
             http => 'sfu_orphan_sweep 1s;');
# nginx with both worker processes linked to the SFU worker
sub start_nginx {
    my (%o) = @_;
    my $s = SFUTest::Signaling->start(%o);
    my $path = $o{workers}[0];
    $fw->wait_for(sub { (() = $s->error_log =~ /sfu worker "\Q$path\E" is up/g) == 2 }, 10)
        or die "the nginx workers are not both linked to $path\n";
    return $s;
}

my $sig = start_nginx(%START);
ok($sig->workers_up, 'the stand-in worker is linked');

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

my $left = $sig->metric('sfu_participants_left_total');
is(kill(KILL => $pid), 1, "SIGKILL to nginx worker $pid");
ok($fw->wait_for(sub { my @w = workers_of($master); @w == 2 && !grep { $_ == $pid } @w }, 10),
   'the master starts another worker');
ok($fw->wait_for(sub { (() = $sig->error_log =~ /sfu worker .* is up/g) == 3 }, 10),
   'which links to the SFU worker');
ok($fw->wait_for(sub { join(' ', $sig->state($a->{id})) eq 'left orphaned' }, 15),
   'within the sweep the participant is left, reason orphaned');
is(held($full), 0, 'the room holds no place again');
is(join_status($full), 200, 'and takes a join');
my $swept = 1;
for my $c (@others) {
    my ($cedge, $cpid) = holder($c->{id});
    $swept++ if $cpid == $pid;
    is($sig->state($c->{id}), $cpid == $pid ? 'left' : 'connected',
       "a participant of worker $cpid: " . ($cpid == $pid ? 'swept' : 'not swept'));
}
ok($fw->wait_for(sub { $sig->metric('sfu_participants_left_total') == $left + $swept }, 10),
   "sfu_participants_left_total counts the $swept swept");
like($sig->error_log, qr/orphaned participant\(s\) marked left/, 'the sweep is logged');

# --- live holders and other edges are left alone

my $c = $sig->client($others);
ok(connected($c), 'a participant joins a live worker');
my $held = held($others);
# the rows and their count in one transaction: the sweep runs every second
# and may take the dead worker's rows before a second query sees them
my ($held_after) = sql("INSERT INTO sfu_participants (id, room_id, name, role, state,"
    . " holder_edge, holder_pid, holder_incarnation) VALUES"
    . " ('ghost-$$', '$others', 'ghost', 'participant', 'connected',"
    . "  '$EDGE', $pid, '$incarnation'),"
    . " ('far-$$', '$others', 'far', 'participant', 'connected',"
    . "  'other-edge', $pid, '$incarnation'),"
    . " ('reused-$$', '$others', 'reused', 'participant', 'connected',"
    . "  '$EDGE', $$, '${\ ($incarnation =~ s{/\d+$}{/1}r) }');"
    . " SELECT held FROM sfu_rooms WHERE id = '$others'");
is($held_after->[0], $held + 3, 'three more rows: held by the dead worker (one on'
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
$sig = start_nginx(%START);
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
$sig = start_nginx(%START);
is_deeply([map { $_->[0] } sql('SELECT version FROM sfu_schema ORDER BY version')],
          [1, 2, 3, 4, 5], 'the upgrade from version 4 applied version 5');
is((sql('SELECT count(*) FROM sfu_participants'))[0][0], $rows, 'no participant was lost');
my $e = $sig->client($sig->room);
ok(connected($e), 'a participant joins after the upgrade');
is((holder($e->{id}))[0], $EDGE, 'and names its holder');

# --- a real SFU worker: the dead process's participants leave its rooms

$sig->stop;
my $w = SFUTest::Worker->start;
$sig = start_nginx(%START, workers => [$w->path], http => 'sfu_orphan_sweep 1s;');
$room = $sig->room;
my $yara = $w->connect;     # another edge's link to the same worker
$yara->send({ type => 'client', room => $room, participant => 'yara',
              role => 'participant', msg => { type => 'join' } });
ok($yara->expect(sub { ($_[0]{msg}{type} // '') eq 'joined' }), 'yara joins the room at the worker');
my $x = $sig->client($room);
ok(connected($x), 'a participant joins through nginx');
ok($yara->expect(sub { ($_[0]{msg}{type} // '') eq 'participant-joined' }),
   'yara hears it joined');
($edge, $pid) = holder($x->{id});
kill KILL => $pid;
my $gone = $yara->expect(sub { ($_[0]{msg}{type} // '') eq 'participant-left' }, 10);
is_deeply($gone && $gone->{msg}, { type => 'participant-left', participant_id => $x->{id},
                                   reason => 'disconnected' },
          'its nginx worker killed: yara hears it left, disconnected');
ok($fw->wait_for(sub { join(' ', $sig->state($x->{id})) eq 'left orphaned' }, 15),
   'and PostgreSQL has it left, orphaned');

done_testing();
