# Two people call through the demo page (headless Chromium, fake camera and
# microphone): each types a name and clicks through the UI, each sees the
# other's video playing; mute and camera-off show on the other side; chat
# arrives; the quality badge fills in; leaving removes the tile.
# Screenshots in build/screenshots/.  Needs WebSocket signaling in the
# module and rooms in the worker: skipped, saying which, until both exist.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use SFUTest::Chromium;
use SFUTest::Demo;

my $shots = $SFUTest::Demo::Screenshots;
my ($demo, $browser, $room, $ada, $bob) = SFUTest::Demo->call_test('Ada', 'Bob');
pass "Ada created room $room through the lobby, Bob joined by its link";

for ([$ada, 'Ada', 'Bob'], [$bob, 'Bob', 'Ada']) {
    my ($page, $me, $other) = @$_;
    $page->wait_for(SFUTest::Demo::playing_js(1), timeout => 90, what => "$me to see ${other}'s video playing");
    pass "$me sees ${other}'s video playing";
    is $page->eval(q{document.querySelector('.tile:not(.local) .name').textContent}), $other,
        "${me}'s tile of $other is named";
    $page->wait_for(q{document.querySelector('.tile:not(.local) audio')
                      && document.querySelector('.tile:not(.local) audio').srcObject
                         .getAudioTracks()[0].readyState === 'live'},
                    what => "$me to receive ${other}'s audio");
    pass "$me receives ${other}'s microphone";
}
$ada->screenshot("$shots/two-ada.png");
$bob->screenshot("$shots/two-bob.png");

# mute, camera off and on: Bob sees each
for (['#btn-mic', 'audio-off', 'mutes', 'unmutes'],
     ['#btn-cam', 'video-off', 'turns her camera off', 'turns it on']) {
    my ($button, $mark, $off, $on) = @$_;
    my $marked = qq{document.querySelector('.tile:not(.local)').classList.contains('$mark')};
    $ada->click($button);
    $bob->wait_for($marked, what => "Bob to see $mark");
    pass "Ada $off: Bob sees it";
    $ada->click($button);
    $bob->wait_for("!$marked", what => "Bob to see $mark go");
    pass "Ada $on: Bob sees it";
}
$bob->wait_for(SFUTest::Demo::playing_js(1), timeout => 60, what => 'Ada\'s video playing again');
pass 'camera on again: video plays again';

# chat
$ada->click('#btn-chat');
$ada->type('#chat-input', 'hello Bob');
$ada->press('Enter');
$bob->wait_for(q{[...document.querySelectorAll('#chat-log li')].some(li => /hello Bob/.test(li.textContent)
                  && /Ada/.test(li.textContent))}, what => 'the chat message at Bob');
pass 'chat from Ada arrives at Bob, with her name';
ok $bob->eval(q{!document.querySelector('#chat-unread').hidden}), 'Bob sees an unread mark';
is $ada->eval(q{document.querySelectorAll('#chat-log li').length}), 1, 'Ada sees her message once';

# the quality badge
my $q = $ada->wait_for(q{(d => d !== 'unknown' && d)(document.querySelector('.tile:not(.local) .quality').dataset.quality)},
                       what => 'a quality badge');
like $q, qr/^(good|fair|poor)$/, "the quality badge says $q";

# leave removes the tile
$bob->click('#btn-leave');
$bob->wait_for(q{!document.querySelector('#lobby').hidden}, what => 'Bob back in the lobby');
$ada->wait_for(q{document.querySelectorAll('.tile:not(.local)').length === 0}, what => 'Bob\'s tile to go');
pass 'Bob leaves: his tile goes from Ada\'s page';

for ([$ada, 'Ada'], [$bob, 'Bob']) {
    my @errors = $_->[0]->console_errors;
    is_deeply \@errors, [], "no console errors at $_->[1]" or diag join "\n", @errors;
}
done_testing;
