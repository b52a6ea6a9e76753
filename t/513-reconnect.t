# The server cuts the pages' WebSockets, twice: (1) the SFU worker holding
# the room is killed (the module closes its clients' connections) and
# restarted; (2) nginx's own worker processes are killed (the WebSockets
# drop without a close frame; the SFU worker, still up, loses its link to
# them).  Each time the pages say they are reconnecting, rejoin through the
# REST join with backoff, and media flows again.  Skipped, saying why,
# until the module has signaling and the worker has rooms.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use SFUTest::Chromium;
use SFUTest::Demo;
use JSON::PP ();

my $shots = $SFUTest::Demo::Screenshots;
my ($demo, $browser, $room, $ada, $bob) = SFUTest::Demo->call_test('Ada', 'Bob');
$_->wait_for(SFUTest::Demo::playing_js(1), timeout => 90, what => 'the call to play') for $ada, $bob;
pass 'a two-party call plays';

$demo->kill_worker(0);
for ([$ada, 'Ada'], [$bob, 'Bob']) {
    $_->[0]->wait_for(q{/media server of this room went away\); reconnecting/
                        .test(document.querySelector('#conn-status').textContent)},
                      what => "$_->[1]'s page to say it is reconnecting, and why");
    pass "$_->[1]'s page says it is reconnecting, and why";
    is $_->[0]->eval(q{document.querySelector('#error').hidden}), JSON::PP::true,
        '... with no error banner: reconnecting is not a failure';
}
$ada->screenshot("$shots/reconnecting.png");
$demo->start_worker(0);

for ([$ada, 'Ada', 'Bob'], [$bob, 'Bob', 'Ada']) {
    my ($page, $me, $other) = @$_;
    $page->wait_for(q{document.querySelector('#conn-status').dataset.state === 'connected'},
                    timeout => 90, what => "$me to reconnect");
    $page->wait_for(SFUTest::Demo::playing_js(1), timeout => 90,
                    what => "${other}'s video playing again at $me");
    pass "$me reconnected and sees ${other}'s video playing again";
}

# the reconnection joined again through the REST endpoint: both hold places
sub names {
    return [ sort map { $_->{name} } @{ $demo->api(GET => "/api/v1/rooms/$room/participants")
                                            ->{json}{participants} || [] } ];
}
is_deeply names(), [qw(Ada Bob)], 'both hold a place again';

# (2) nginx's workers die; its master starts new ones; the SFU worker lives on
$_->[0]->eval(q{window.reconnects = 0; sfuDemo.room.on('reconnecting', () => window.reconnects++)})
    for [$ada], [$bob];
ok $demo->kill_nginx_workers, 'nginx\'s worker processes are killed';
for ([$ada, 'Ada', 'Bob'], [$bob, 'Bob', 'Ada']) {
    my ($page, $me, $other) = @$_;
    $page->wait_for(q{window.reconnects > 0}, what => "$me to start reconnecting");
    $page->wait_for(q{document.querySelector('#conn-status').dataset.state === 'connected'},
                    timeout => 90, what => "$me to reconnect through the new nginx workers");
    $page->wait_for(SFUTest::Demo::playing_js(1), timeout => 90,
                    what => "${other}'s video playing again at $me");
    pass "$me was told, reconnected, and sees ${other}'s video playing again";
}
# (the killed nginx workers could not mark the old sessions left in
# PostgreSQL, so the REST participant list is not checked here)
for ([$ada, 'Ada', 'Bob'], [$bob, 'Bob', 'Ada']) {
    my ($page, $me, $other) = @$_;
    is_deeply $page->eval(q{[...document.querySelectorAll('.tile:not(.local)')]
                            .map(t => t.querySelector('.name').textContent)}), [$other],
        "$me shows $other once";
    is $page->eval(q{document.querySelector('#error').hidden || document.querySelector('#error-text').textContent}),
        JSON::PP::true, '... and no error';
}
done_testing;
