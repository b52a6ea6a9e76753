# A participant's life in a call, and rooms kept apart: leave, rejoin and
# kick in one room while a second room holds its own call beside it (two
# SFU workers).  What the others in the room are told, what the REST API
# shows, and that nothing of one room reaches the other.

use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use Time::HiRes qw(sleep time);
use SFUTest::Stack;

SFUTest::Stack::skip_unless_ready();

my $s = SFUTest::Stack->start(workers => 2);
my $room = $s->create_room(name => 'lifecycle');
my $other = $s->create_room(name => 'next door');

my ($alice, $bob) = $s->join_peers($room, {}, [aiortc => 'alice'], [gst => 'bob']);
my ($carol, $dave) = $s->join_peers($other, {}, [aiortc => 'carol'], [aiortc => 'dave']);
ok($s->wait_met(120, $alice, $bob, $carol, $dave), 'two rooms, a call in each');
ok($s->media_ok(10, $alice, $bob), 'room 1: alice and bob decode each other');
ok($s->media_ok(10, $carol, $dave), 'room 2: carol and dave decode each other');

# --- the rooms are apart

sub participants {
    my ($id) = @_;
    my $r = $s->api(GET => "/api/v1/rooms/$id/participants");
    return $r->{status} == 200 ? $r->{body} : "status $r->{status}";
}

# What $p saw from anyone but @mates: media (by sender id and by stamp)
# and participant ids in server messages.
sub strangers {
    my ($p, @mates) = @_;
    my %pid = map { ($_->participant_id // '') => 1 } $p, @mates;
    my %tag = map { ($_->tag => 1) } @mates;
    my @seen;
    my $remotes = $p->report // {};
    for my $from (sort keys %$remotes) {
        push @seen, "media from $from" unless $pid{$from};
        for my $t (sort keys %{ $remotes->{$from}{video}{tags} // {} }) {
            push @seen, "video stamped $t" unless $tag{$t};
        }
    }
    for my $ev (grep { $_->{event} eq 'server' } $p->events) {
        my $id = $ev->{message}{participant_id} // next;
        push @seen, "$ev->{message}{type} for $id" unless $pid{$id};
    }
    return @seen;
}

for ([$alice, $bob], [$bob, $alice], [$carol, $dave], [$dave, $carol]) {
    my ($p, @mates) = @$_;
    is_deeply([strangers($p, @mates)], [],
              $p->name . ' sees nothing from the other room');
}
my $list1 = participants($room);
unlike($list1, qr/\Q@{[ $carol->participant_id ]}\E|\Q@{[ $dave->participant_id ]}\E/,
       'room 1\'s participants do not include room 2\'s');
my $carol_from_dave = $s->media_from($carol, $dave, 0)->{video};

# --- leave

my $bob_id = $bob->participant_id;
$bob->leave;
is($bob->wait_exit(30), 0, 'bob leaves: exits 0');
ok($alice->wait_for(sub { ($_[0]{message}{type} // '') eq 'participant-left'
                          && ($_[0]{message}{participant_id} // '') eq $bob_id }, 20),
   'alice is told participant-left for bob');
my $gone = 0;
for (1 .. 40) { last if $gone = participants($room) !~ /\Q$bob_id\E/; sleep 0.25 }
ok($gone, 'bob no longer holds a place in the room');

# --- rejoin: the same person, a new participant

my ($bob2) = $s->join_peers($room, {expect => 1}, [gst => 'bob']);
ok($s->wait_met(90, $bob2), 'bob rejoins and decodes alice again');
isnt($bob2->participant_id, $bob_id, '... as a new participant');
ok($s->media_ok(10, $alice, $bob2), 'alice and the rejoined bob decode each other');

# --- kick

my $bob2_id = $bob2->participant_id;
my $kick = $s->api(DELETE => "/api/v1/rooms/$room/participants/$bob2_id");
is($kick->{status}, 204, 'kick bob: 204') or diag $kick->{body};
ok($bob2->wait_for(sub { ($_[0]{message}{type} // '') eq 'kicked' }, 20),
   'bob is told kicked');
ok(defined $bob2->wait_exit(30), '... and his session ends');
is($bob2->summary && $bob2->summary->{end}, 'kicked', '... as kicked');
ok($alice->wait_for(sub { ($_[0]{message}{type} // '') eq 'participant-left'
                          && ($_[0]{message}{participant_id} // '') eq $bob2_id
                          && ($_[0]{message}{reason} // '') eq 'kicked' }, 20),
   'alice is told participant-left for bob, kicked');
$gone = 0;
for (1 .. 40) { last if $gone = participants($room) !~ /\Q$bob2_id\E/; sleep 0.25 }
ok($gone, 'the kicked bob no longer holds a place in the room');

# --- room 2 went on through all of it

cmp_ok($s->media_from($carol, $dave, $carol_from_dave + 30)->{video},
       '>=', $carol_from_dave + 30, 'room 2\'s call went on undisturbed');
is_deeply([strangers($carol, $dave)], [], '... and still saw nothing of room 1');

$s->leave_all;
done_testing();
