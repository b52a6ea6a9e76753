# A call without a valid API key is answered 401 and does nothing: every
# keyed route, with no key and with a wrong one, leaves the room as it was.
use strict;
use warnings;
use Test::More;
use SFUTest::Signaling;

my $sig = SFUTest::Signaling->start();
my %key = (Authorization => "Bearer $SFUTest::Signaling::KEY");
my $room = $sig->room(name => 'before');
my $j = $sig->join($room);

sub room_state {
    my $r = $sig->request(GET => "/api/v1/rooms/$room", headers => \%key);
    return join ' ', map { $r->{json}{$_} // '-' } qw(name status max_participants);
}

my $before = room_state();
my $rooms = scalar SFUTest::Services::psql('SELECT id FROM sfu_rooms');

for my $auth ([ 'no key' ], [ 'a wrong key', Authorization => 'Bearer not-the-key-0123456789' ]) {
    my ($how, @h) = @$auth;
    for my $call (
        [ POST => '/api/v1/rooms', { name => 'x', max_participants => 2 } ],
        [ PATCH => "/api/v1/rooms/$room", { name => 'after', max_participants => 3 } ],
        [ DELETE => "/api/v1/rooms/$room" ],
        [ DELETE => "/api/v1/rooms/$room/participants/$j->{participant_id}" ],
        [ GET => "/api/v1/rooms/$room/stats" ],
    ) {
        my ($method, $path, $json) = @$call;
        my $r = $sig->request($method => $path, headers => { @h },
                              $json ? (json => $json) : ());
        is("$r->{status} $r->{json}{error}{code}", '401 unauthorized', "$method $path, $how: 401");
    }
}

is(room_state(), $before, 'the room is as it was');
is(scalar SFUTest::Services::psql('SELECT id FROM sfu_rooms'), $rooms, 'no room was created');
is($sig->state($j->{participant_id}), 'joining', 'the participant was not kicked');
is(join('', $sig->error_log =~ /^.*\[(?:alert|crit|emerg)\].*$/mg), '',
   'nothing worse than an error in the error log');

done_testing();
