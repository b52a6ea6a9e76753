# PostgreSQL stopped and restarted under a running nginx: the API answers
# 503 quickly while it is gone, everything else keeps working, the outage
# is logged once and its end once, and nothing stored is lost.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time sleep);
use SFUTest::Services;
use SFUTest::HTTP;

my $KEY = '0123456789abcdef0123';
my %AUTH = (Authorization => "Bearer $KEY");

my $ngx = SFUTest::HTTP->start_nginx(
    http_config => qq{
        sfu_postgres "\$TEST_NGINX_PG_CONNINFO";
        sfu_postgres_timeout 1s;
        sfu_api_key $KEY ops;
        sfu_token_secret 0123456789abcdef0123456789abcdef;
    },
    config => q{
        location /api/ { sfu_api; }
        location = /health { sfu_health; }
        location = /static { return 200 "still here\n"; }
    },
);

sub create {
    return $ngx->request(POST => '/api/v1/rooms', headers => \%AUTH,
                         json => {name => shift, max_participants => 4});
}

sub until_status {
    my ($want, $what) = @_;
    my $deadline = time + 15;
    my $r;
    do {
        $r = create($what);
        return $r if $r->{status} == $want;
        sleep 0.1;
    } while (time < $deadline);
    return $r;
}

my $r = until_status(201, 'before');
is($r->{status}, 201, 'a room is created while PostgreSQL is up');
my $before = $r->{json}{id};

$ngx->mark_log;
SFUTest::Services::pg_stop();

my ($worst, @codes) = (0);
for my $i (1 .. 20) {
    my $t = time;
    $r = create("during $i");
    my $took = time - $t;
    $worst = $took if $took > $worst;
    push @codes, $r->{status};
}
is_deeply([sort { $a <=> $b } keys %{{map { $_ => 1 } @codes}}], [503],
          'every API call during the outage is 503');
is($r->{json}{error}{code}, 'database-unavailable',
   'the error says the database is unavailable');
cmp_ok($worst, '<', 1.5, "each answer comes within sfu_postgres_timeout ($worst s)");

$r = $ngx->request(GET => '/static');
is($r->{status}, 200, 'other locations keep working');
$r = $ngx->request(GET => '/health');
is($r->{status}, 503, '/health is 503 without PostgreSQL');
is($r->{json}{postgres}{status}, 'down', '/health says PostgreSQL is down');

my @down = $ngx->error_log =~ /PostgreSQL unavailable/g;
is(scalar @down, 1, 'the outage is logged once, not per request');
like($ngx->error_log, qr/PostgreSQL unavailable: [[:print:]]+$/m,
     'the cause is readable text (libpq frees its message with the connection)');

$ngx->mark_log;
SFUTest::Services::pg_start();
$r = until_status(201, 'after');
is($r->{status}, 201, 'the API works again once PostgreSQL is back');
my @up = $ngx->error_log =~ /PostgreSQL is reachable again/g;
is(scalar @up, 1, 'the recovery is logged once');

$r = $ngx->request(GET => "/api/v1/rooms/$before", headers => \%AUTH);
is($r->{status}, 200, 'the room from before the outage is still there');

unlike($ngx->error_log, qr/\[(alert|crit|emerg)\]/, 'no alerts');

done_testing();
