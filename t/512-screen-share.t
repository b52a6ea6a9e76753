# Screen sharing through the demo page: the share appears on the other page
# as an extra tile, playing; it goes when the browser's own "stop sharing"
# ends the track, and again when stopped with the button.  Skipped, saying
# why, until the module has signaling and the worker has rooms.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use SFUTest::Chromium;
use SFUTest::Demo;

my $shots = $SFUTest::Demo::Screenshots;
my ($demo, $browser, $room, $ada, $bob) = SFUTest::Demo->call_test('Ada', 'Bob');
$bob->wait_for(SFUTest::Demo::playing_js(1), timeout => 90, what => 'Ada\'s camera at Bob');

$ada->click('#btn-screen');
$bob->wait_for(SFUTest::Demo::playing_js(1, 'screen'), timeout => 90, what => 'Ada\'s screen at Bob');
pass 'Ada shares her screen: an extra tile plays at Bob';
like $bob->eval(q{document.querySelector('.tile[data-source="screen"] .name').textContent}),
    qr/^Ada \(screen\)$/, 'the tile says whose screen it is';
$bob->wait_for(SFUTest::Demo::playing_js(1), what => 'Ada\'s camera beside her screen');
pass 'her camera still plays beside it';
$bob->screenshot("$shots/screen-share.png");

# The browser's own "stop sharing" ends the track: the browser fires
# `ended` on it (track.stop() from a page fires nothing, by the spec, so
# the test fires the event as the browser does).
$ada->eval(q{window.screenTrack = sfuDemo.room.localTracks.screen;
             screenTrack.dispatchEvent(new Event('ended'))});
$bob->wait_for(q{document.querySelectorAll('.tile[data-source="screen"]').length === 0},
               what => 'the screen tile to go');
pass 'stopped from the browser: the screen tile goes at Bob';
is $ada->eval(q{document.querySelector('#btn-screen').getAttribute('aria-pressed')}), 'false',
    'Ada\'s share button is off again';
is $ada->eval(q{screenTrack.readyState + ' ' + !document.querySelector('#tile-local-screen')}), 'ended true',
    '... the capture is released and her own screen tile is gone';

# share again, stop with the button
$ada->click('#btn-screen');
$bob->wait_for(SFUTest::Demo::playing_js(1, 'screen'), timeout => 90, what => 'the screen again');
$ada->click('#btn-screen');
$bob->wait_for(q{document.querySelectorAll('.tile[data-source="screen"]').length === 0},
               what => 'the screen tile to go again');
pass 'shared again and stopped with the button';
$bob->wait_for(SFUTest::Demo::playing_js(1), what => 'Ada\'s camera after her share');
pass 'the camera plays throughout';

for ([$ada, 'Ada'], [$bob, 'Bob']) {
    my @errors = $_->[0]->console_errors;
    is_deeply \@errors, [], "no console errors at $_->[1]" or diag join "\n", @errors;
}
done_testing;
