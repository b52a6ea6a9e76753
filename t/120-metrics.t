# /metrics: Prometheus text format, and the request counter shared by all
# nginx workers -- by endpoint and status, only for sfu_* locations, kept
# across a reload.  Counts are compared before and after, so the file holds
# under any runner mode.
use strict;
use warnings;
use Test::More;
use SFUTest::HTTP;

my $ngx = SFUTest::HTTP->start_nginx(
    workers => 2,
    master => 1,
    config => q{
        location = /health { sfu_health; }
        location = /metrics { sfu_metrics; }
        location = /plain { return 204; }
    },
);

# "name{labels}" => value
sub scrape {
    my $r = $ngx->request(GET => '/metrics');
    is($r->{status}, 200, 'metrics: 200');
    my %m;
    for (split /\n/, $r->{body}) {
        next if /^#/;
        /^(\S+) (-?\d+)$/ or die "not a sample line: $_\n";
        $m{$1} = $2;
    }
    return \%m;
}

sub delta {
    my ($before, $after, $series) = @_;
    return ($after->{$series} // 0) - ($before->{$series} // 0);
}

my $r = $ngx->request(GET => '/metrics');
is($r->{headers}{'content-type'}, 'text/plain; version=0.0.4; charset=utf-8',
   'format: Prometheus text 0.0.4');
is($r->{headers}{'cache-control'}, 'no-store', 'format: not cached');
like($r->{body}, qr/^sfu_build_info\{version="\d+\.\d+\.\d+"\} 1$/m,
     'format: build info');
like($r->{body}, qr/^sfu_nginx_worker_processes 2$/m, 'format: worker count');
for (['sfu_http_requests_total', 'counter'],
     ['sfu_rooms_created_total', 'counter'],
     ['sfu_rooms_ended_total', 'counter'],
     ['sfu_participants_joined_total', 'counter'],
     ['sfu_participants_left_total', 'counter'],
     ['webrtc_rooms_total', 'gauge'],
     ['webrtc_participants_total', 'gauge'],
     ['sfu_worker_packet_cache_bytes', 'gauge'])
{
    my ($name, $type) = @$_;
    like($r->{body}, qr/^# HELP $name \S.*\n# TYPE $name $type$/m,
         "format: $name has HELP and TYPE $type");
}
like($r->{body}, qr/^webrtc_rooms_total 0$/m, 'gauges start at 0');

my $before = scrape();

# without PostgreSQL /health is 503
for (1 .. 7) {
    is($ngx->request(GET => '/health')->{status}, 503, 'health: 503');
}
for (1 .. 3) {
    is($ngx->request(POST => '/health', body => 'x')->{status}, 405,
       'health: POST is 405');
}
for (1 .. 5) {
    is($ngx->request(GET => '/plain')->{status}, 204, 'plain location');
}

my $after = scrape();
is(delta($before, $after, 'sfu_http_requests_total{endpoint="health",status="503"}'),
   7, 'counted: GET /health by status, across both workers');
is(delta($before, $after, 'sfu_http_requests_total{endpoint="health",status="405"}'),
   3, 'counted: refused methods under their own status');
is(delta($before, $after, 'sfu_http_requests_total{endpoint="metrics",status="200"}'),
   1, 'counted: the scrape before, once its response was logged');

my $total = 0;
$total += delta($before, $after, $_) for grep /^sfu_http_requests_total/, keys %$after;
is($total, 11, 'counted: nothing for locations without an sfu handler');

$r = $ngx->request(HEAD => '/metrics');
is($r->{status}, 200, 'HEAD: 200');
is($r->{body}, '', 'HEAD: no body');

# a reload keeps the zone, and the counts in it
my $health = $after->{'sfu_http_requests_total{endpoint="health",status="503"}'};
kill HUP => $ngx->{pid};
my $deadline = time + 5;
sleep 1 while $ngx->error_log !~ /gracefully shutting down/ && time < $deadline;
my $reloaded = scrape();
is($reloaded->{'sfu_http_requests_total{endpoint="health",status="503"}'},
   $health, 'reload: counts kept');
unlike($ngx->error_log, qr/\[(alert|crit|emerg)\]/, 'no alerts');

done_testing();
