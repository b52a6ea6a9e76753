# The server cuts the pages' WebSockets (the SFU worker holding the room is
# killed: the module closes its clients' connections); the pages say they
# are reconnecting, rejoin through the REST join once the worker is back,
# and media flows again.  Skipped, saying why, until the module has
# signaling and the worker has rooms.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use SFUTest::Chromium;
use SFUTest::Demo;

my $shots = $SFUTest::Demo::Screenshots;
my ($demo, $browser, $room, $ada, $bob) = SFUTest::Demo->call_test('Ada', 'Bob');
$_->wait_for(SFUTest::Demo::playing_js(1), timeout => 90, what => 'the call to play') for $ada, $bob;
pass 'a two-party call plays';

$demo->kill_worker(0);
for ([$ada, 'Ada'], [$bob, 'Bob']) {
    $_->[0]->wait_for(q{/Reconnecting|reconnecting/.test(document.querySelector('#conn-status').textContent)},
                      what => "$_->[1]'s page to say it is reconnecting");
    pass "$_->[1]'s page says it is reconnecting";
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
my $names = [ sort map { $_->{name} } @{ $demo->api(GET => "/api/v1/rooms/$room/participants")
                                              ->{json}{participants} || [] } ];
is_deeply $names, [qw(Ada Bob)], 'both hold a place again';
done_testing;
