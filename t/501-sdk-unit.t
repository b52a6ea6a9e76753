# The SDK (conf/www/sfu.js) in real headless Chromium with the network
# faked in the page (t/js/sdk-unit.js): REST errors, the password hook,
# offer/answer and trickle on both peer connections with real frames
# decoded, track binding by mid, events, screen-share signalling, simulcast,
# reconnection with backoff, and the ends of a room.  One TAP line per case.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use SFUTest::Chromium;
use SFUTest::HTTP;

my $why = SFUTest::Chromium::unavailable();
plan skip_all => $why if $why;

my $repo = "$FindBin::Bin/..";
my $ngx = SFUTest::HTTP->start_nginx(config => <<"EOC");
include /etc/nginx/mime.types;
location = /sfu.js { root $repo/conf/www; }
location /t/ { alias $repo/t/js/; }
EOC

my $browser = SFUTest::Chromium->launch;
my $page = $browser->new_page;
$page->goto($ngx->url('/t/sdk-unit.html'));
$page->wait_for('window.unitDone', timeout => 240, what => 'the in-page tests to finish');
my $results = $page->eval('window.unitResults');
ok @$results >= 10, 'the in-page suite ran (' . scalar(@$results) . ' cases)';
for my $r (@$results) {
    ok $r->{ok}, $r->{name} or diag $r->{detail};
}
my @errors = grep { !/favicon/ } $page->console_errors;
is_deeply \@errors, [], 'no console errors' or diag join "\n", @errors;
done_testing;
