# The places a room holds (schema version 2): sfu_rooms.held counts the
# participants without left_at whoever changes them, joins trust it while a
# room has room and count exactly once it looks full (unused "joining"
# places past their hold free up), and an upgrade from version 1 fills it
# from the participants already there.
use strict;
use warnings;
use Test::More;
use SFUTest::Services;
use SFUTest::HTTP;

my $KEY = '0123456789abcdef0123';
my %AUTH = (Authorization => "Bearer $KEY");
my %CONF = (
    http_config => qq{
        sfu_postgres "\$TEST_NGINX_PG_CONNINFO";
        sfu_api_key $KEY ops;
        sfu_token_secret 0123456789abcdef0123456789abcdef;
    },
    config => 'location /api/ { sfu_api; }',
);

my $ngx = SFUTest::HTTP->start_nginx(%CONF);

sub api { my ($m, $p, %o) = @_; $ngx->request($m => "/api/v1$p", %o) }
sub sql { map { $_->[0] } SFUTest::Services::psql(shift) }
sub held { (sql("select held from sfu_rooms where id = '$_[0]'"))[0] }

# PostgreSQL is reached and the schema applied by the first request
my $r;
for (1 .. 100) {
    $r = api(POST => '/rooms', json => {name => 'places', max_participants => 2},
             headers => \%AUTH);
    last if $r->{status} == 201;
    select(undef, undef, undef, 0.1);
}
is($r->{status}, 201, 'a room of 2');
my $room = $r->{json}{id};
is(held($room), 0, 'a new room holds no place');

is(api(POST => "/rooms/$room/join", json => {name => 'a'})->{status}, 200, 'join 1');
is(api(POST => "/rooms/$room/join", json => {name => 'b'})->{status}, 200, 'join 2');
is(held($room), 2, 'each join holds a place');
is(api(POST => "/rooms/$room/join", json => {name => 'c'})->{status}, 409,
   'a third is refused while both places are held');

# the holds of both run out (nobody connected): the room is free again
sql("update sfu_participants set joined_at = now() - interval '2 minutes'"
    . " where room_id = '$room'");
is(api(POST => "/rooms/$room/join", json => {name => 'c'})->{status}, 200,
   'once the unused places are past their hold, a join gets in');
is(held($room), 3, 'held is an upper bound: it still counts the unused places');

# a connected participant keeps its place however old its join
sql("update sfu_participants set state = 'connected' where room_id = '$room'"
    . " and name = 'a'");
is(api(POST => "/rooms/$room/join", json => {name => 'd'})->{status}, 409,
   'a connected participant and a fresh join fill the room');

# leaving (left_at set, by any code) gives the place back
sql("update sfu_participants set state = 'left', left_at = now()"
    . " where room_id = '$room' and name in ('a', 'b')");
is(held($room), 1, 'participants who left hold nothing');
sql("update sfu_participants set left_at = now() where room_id = '$room'"
    . " and name = 'a'");
is(held($room), 1, 'leaving twice gives nothing back twice');
sql("update sfu_participants set name = name || '!' where room_id = '$room'");
is(held($room), 1, 'other updates leave held alone');
sql("delete from sfu_participants where room_id = '$room' and name = 'c!'");
is(held($room), 0, 'a deleted participant holds nothing');

is(api(DELETE => "/rooms/$room", headers => \%AUTH)->{status}, 200, 'end the room');
is(held($room), 0, 'an ended room holds no place');

# --- upgrade: a database at version 1, with participants, is migrated
$r = api(POST => '/rooms', json => {name => 'old', max_participants => 5},
         headers => \%AUTH);
my $old = $r->{json}{id};
api(POST => "/rooms/$old/join", json => {name => "p$_"}) for 1 .. 3;
sql("update sfu_participants set left_at = now() where room_id = '$old'"
    . " and name = 'p1'");
$ngx->stop;
sql("drop trigger sfu_participants_held on sfu_participants;"
    . " drop function sfu_participants_held();"
    . " alter table sfu_rooms drop column held;"
    . " delete from sfu_schema where version = 2");
$ngx = SFUTest::HTTP->start_nginx(%CONF);
for (1 .. 100) {
    last if api(GET => "/rooms/$old", headers => \%AUTH)->{status} == 200;
    select(undef, undef, undef, 0.1);
}
is_deeply([sql('select version from sfu_schema order by version')], [1, 2, 3],
          'the upgrade applied version 2 once, next to the later ones');
is(held($old), 2, 'held starts as the participants still there');
is(api(POST => "/rooms/$old/join", json => {name => 'p4'})->{status}, 200,
   'joins go on after the upgrade');
is(held($old), 3, 'and hold their places');

done_testing();
