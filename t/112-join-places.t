# The places a room holds (schema versions 2 and 4): sfu_rooms.held counts
# the participants without left_at whoever changes them, joins trust it
# while a room has room and count exactly once it looks full (unused
# "joining" places past their hold free up), an upgrade from version 1
# fills it from the participants already there, and an upgrade from
# version 3 (sfu_join() counting its own inserts) keeps it.
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
sql("insert into sfu_participants (id, room_id, name, role)"
    . " values ('direct-$room', '$room', 'e', 'participant')");
is(held($room), 1, 'a participant inserted by other code holds a place');
sql("delete from sfu_participants where id = 'direct-$room'");
is(held($room), 0, 'and gives it back');

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
# version 1's sfu_join() and no held (version 3 comes back unchanged)
sql("drop trigger sfu_participants_held on sfu_participants;"
    . " drop trigger sfu_participants_held_insert on sfu_participants;"
    . " drop function sfu_participants_held();"
    . " alter table sfu_rooms drop column held;"
    . " delete from sfu_schema where version in (2, 4)");
sub restart {
    $ngx = SFUTest::HTTP->start_nginx(%CONF);
    for (1 .. 100) {
        last if api(GET => "/rooms/$old", headers => \%AUTH)->{status} == 200;
        select(undef, undef, undef, 0.1);
    }
}
restart();
is_deeply([sql('select version from sfu_schema order by version')], [1, 2, 3, 4, 5],
          'the upgrade applied versions 2 and 4 once, next to version 3');
is(held($old), 2, 'held starts as the participants still there');
is(api(POST => "/rooms/$old/join", json => {name => 'p4'})->{status}, 200,
   'joins go on after the upgrade');
is(held($old), 3, 'and hold their places');

# --- upgrade from version 3: the trigger counted every insert then
$ngx->stop;
sql("drop trigger sfu_participants_held on sfu_participants;"
    . " drop trigger sfu_participants_held_insert on sfu_participants;"
    . " create trigger sfu_participants_held after insert or update of left_at"
    . " or delete on sfu_participants for each row"
    . " execute function sfu_participants_held();"
    . " delete from sfu_schema where version = 4");
my $before = join ',', sql("select count(*) from sfu_participants");
restart();
is_deeply([sql('select version from sfu_schema order by version')], [1, 2, 3, 4, 5],
          'the upgrade from version 3 applied version 4');
is(join(',', sql("select count(*) from sfu_participants")), $before,
   'no participant was lost');
is(held($old), 3, 'held is kept');
is(api(POST => "/rooms/$old/join", json => {name => 'p5'})->{status}, 200,
   'a join after the upgrade');
is(held($old), 4, 'counts once');
is(api(POST => "/rooms/$old/join", json => {name => 'p6'})->{status}, 200,
   'the room fills');
is(api(POST => "/rooms/$old/join", json => {name => 'p7'})->{status}, 409,
   'and is full at its 5 places');
is(held($old), 5, 'the refused join held nothing');

done_testing();
