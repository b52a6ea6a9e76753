# The demo page's call view, driven through its UI in headless Chromium,
# against the fake server of t/js/fake-sfu.js installed in the page (fake
# REST and WebSocket, the SFU's side as real peer connections in the page,
# a remote "Bob" from the fake camera): tiles with names, remote video
# playing, mute and camera indicators, chat, screen share tiles, the
# quality badge, reconnection, leave, phone width.  The page's own code
# runs unchanged; only the network is fake (unit isolation of the UI).
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use SFUTest::Chromium;
use SFUTest::Demo;
use SFUTest::HTTP;

my $why = SFUTest::Chromium::unavailable();
plan skip_all => $why if $why;

my $repo = "$FindBin::Bin/..";
my $shots = $SFUTest::Demo::Screenshots;
my $ngx = SFUTest::HTTP->start_nginx(config => <<"EOC");
include /etc/nginx/mime.types;
location = / { root $repo/conf/www; try_files /index.html =404; }
location ~ ^/\\w+\\.(js|css)\$ { root $repo/conf/www; }
location /t/ { alias $repo/t/js/; }
EOC

my $browser = SFUTest::Chromium->launch;

# A page with the fake server in place; Ada creates a room and is in it,
# with Bob already there.
sub in_call {
    my (%page) = @_;
    my $page = $browser->new_page(%page);
    $page->add_init_script(q{window.fake = import('/t/fake-sfu.js')
        .then(m => m.install({ others: [{ participant_id: 'p-bob', name: 'Bob' }] }));});
    $page->goto($ngx->url('/'));
    $page->wait_for('window.fake', what => 'the fake server');
    $page->type('#name', 'Ada');
    $page->click('#create');
    $page->wait_for(q{!document.querySelector('#call').hidden}, what => 'the call view');
    return $page;
}

# run JS with the fake server's controller as `f` (awaited)
sub fake { my ($page, $js) = @_; $page->eval("window.fake.then(async f => { $js })") }

my $page = in_call();
is $page->eval(q{location.search}), '?room=r1', 'the room link is in the address bar';
is $page->eval(q{document.querySelector('.tile.local .name').textContent}), 'Ada (you)',
    'a tile of her own, named';
$page->wait_for(q{document.querySelector('.tile.local video').videoWidth > 0}, what => 'her preview');
pass 'her camera preview plays';
is $page->eval(q{document.querySelector('#tile-p-bob-camera .name').textContent}), 'Bob',
    'Bob, already in the room, has a named tile';

fake($page, q{
    const cam = (await navigator.mediaDevices.getUserMedia({ video: true, audio: true }));
    await f.sfu().publishRemote('p-bob', 'camera', cam.getVideoTracks()[0]);
    await f.sfu().publishRemote('p-bob', 'microphone', cam.getAudioTracks()[0]);
});
$page->wait_for(SFUTest::Demo::playing_js(1), timeout => 60, what => 'Bob\'s video playing');
pass 'Bob\'s video plays in his tile';
$page->wait_for(q{document.querySelector('#tile-p-bob-camera audio')?.srcObject}, what => 'Bob\'s audio');
pass 'his microphone plays from his tile';

fake($page, q{f.sfu().ws.deliver({ type: 'media-state', participant_id: 'p-bob', audio: false, video: true })});
$page->wait_for(q{document.querySelector('#tile-p-bob-camera').classList.contains('audio-off')},
                what => 'Bob\'s muted mark');
ok $page->eval(q{getComputedStyle(document.querySelector('#tile-p-bob-camera .mic-off')).display !== 'none'}),
    'Bob mutes: the muted icon shows on his tile';
fake($page, q{f.sfu().ws.deliver({ type: 'media-state', participant_id: 'p-bob', audio: false, video: false })});
$page->wait_for(q{document.querySelector('#tile-p-bob-camera').classList.contains('video-off')},
                what => 'Bob\'s camera-off mark');
ok $page->eval(q{getComputedStyle(document.querySelector('#tile-p-bob-camera .avatar')).display !== 'none'}),
    'Bob turns his camera off: his initial shows instead';
fake($page, q{f.sfu().ws.deliver({ type: 'media-state', participant_id: 'p-bob', audio: true, video: true })});

# her own controls are signalled
$page->click('#btn-mic');
$page->wait_for(q{window.fake.then(f => f.sfu().ws.of('toggle-audio').length === 1)}, what => 'toggle-audio');
is_deeply fake($page, q{return f.sfu().ws.of('toggle-audio')}), [{ type => 'toggle-audio', enabled => JSON::PP::false }],
    'the mic button sends toggle-audio false';
$page->wait_for(q{document.querySelector('.tile.local').classList.contains('audio-off')
                  && document.querySelector('#btn-mic').getAttribute('aria-pressed') === 'false'},
                what => 'her muted tile and button');
pass '... and her tile and button show it';
$page->click('#btn-cam');
$page->wait_for(q{window.fake.then(f => f.sfu().ws.of('toggle-video').length === 1)}, what => 'toggle-video');
$page->wait_for(q{document.querySelector('.tile.local').classList.contains('video-off')},
                what => 'her camera-off tile');
pass 'the camera button turns her camera off';
$page->click('#btn-cam');
$page->click('#btn-mic');
$page->wait_for(q{document.querySelector('.tile.local video').videoWidth > 0
                  && !document.querySelector('.tile.local').classList.contains('video-off')},
                what => 'her camera back');
pass 'and on again';

# chat both ways
fake($page, q{f.sfu().ws.deliver({ type: 'chat', participant_id: 'p-bob', text: 'hi Ada' })});
$page->wait_for(q{!document.querySelector('#chat-unread').hidden}, what => 'the unread mark');
$page->click('#btn-chat');
$page->wait_for(q{/Bob.*hi Ada/s.test(document.querySelector('#chat-log').textContent)},
                what => 'Bob\'s message in the chat');
pass 'Bob\'s message shows with his name';
$page->type('#chat-input', 'hello Bob');
$page->press('Enter');
$page->wait_for(q{window.fake.then(f => f.sfu().ws.of('chat').length === 1)}, what => 'the chat sent');
is fake($page, q{return f.sfu().ws.of('chat')[0].text}), 'hello Bob', 'her message is sent';
$page->wait_for(q{/You.*hello Bob/s.test(document.querySelector('#chat-log li:last-child')?.textContent)},
                what => 'her message in the chat');
pass 'and shows as hers';
$page->click('#btn-chat');

# screen shares: hers and Bob's
$page->click('#btn-screen');
$page->wait_for(q{document.querySelector('#tile-local-screen video')?.videoWidth > 0}, what => 'her screen tile');
$page->wait_for(q{window.fake.then(f => f.sfu().ws.of('start-screen-share').length === 1)},
                what => 'start-screen-share');
pass 'sharing sends start-screen-share';
fake($page, q{
    const s = await navigator.mediaDevices.getDisplayMedia({ video: true });
    window.bobScreen = await f.sfu().publishRemote('p-bob', 'screen', s.getVideoTracks()[0]);
});
$page->wait_for(SFUTest::Demo::playing_js(1, 'screen'), timeout => 60, what => 'Bob\'s screen playing');
is $page->eval(q{document.querySelector('#tile-p-bob-screen .name').textContent}), 'Bob (screen)',
    'Bob\'s screen plays in a tile of its own';
$page->screenshot("$shots/ui-call.png");
fake($page, q{f.sfu().ws.deliver({ type: 'track-unpublished', participant_id: 'p-bob', kind: 'video',
                                   source: 'screen', mid: window.bobScreen.mid })});
$page->wait_for(q{!document.querySelector('#tile-p-bob-screen')}, what => 'Bob\'s screen tile to go');
pass 'Bob stops sharing: the tile goes';
$page->eval(q{sfuDemo.room.localTracks.screen.dispatchEvent(new Event('ended'))});
$page->wait_for(q{!document.querySelector('#tile-local-screen')
                  && document.querySelector('#btn-screen').getAttribute('aria-pressed') === 'false'},
                what => 'her screen tile to go');
$page->wait_for(q{window.fake.then(f => f.sfu().ws.of('stop-screen-share').length === 1)},
                what => 'stop-screen-share');
pass 'the browser\'s "stop sharing": stop-screen-share, her screen tile goes';

# the quality badge
my $q = $page->wait_for(q{(q => q !== 'unknown' && q)(document.querySelector('#tile-p-bob-camera .quality').dataset.quality)},
                        what => 'a quality badge for Bob');
like $q, qr/^(good|fair|poor)$/, "Bob's quality badge says $q";

# its figures: a tooltip that a click, a tap or keyboard focus reaches
my $badge = '#tile-p-bob-camera .quality';
my $tip_js = q{(() => {
    const b = document.querySelector('#tile-p-bob-camera .quality');
    const t = document.getElementById(b.getAttribute('aria-describedby'));
    return { tag: b.tagName, role: t && t.getAttribute('role'), shown: !!t && getComputedStyle(t).display !== 'none',
             text: t && t.textContent, expanded: b.getAttribute('aria-expanded') };
})()};
sub mouse_away { $_[0]->send_command('Input.dispatchMouseEvent', { type => 'mouseMoved', x => 1, y => 1 }) }
mouse_away($page);
my $tip = $page->eval($tip_js);
is_deeply [@$tip{qw(tag role shown)}], ['BUTTON', 'tooltip', JSON::PP::false],
    'the badge is a button described by a tooltip, hidden at first';
$page->click($badge);
mouse_away($page);
$tip = $page->eval($tip_js);
ok $tip->{shown} && $tip->{expanded} eq 'true', 'a click shows the tooltip (the pointer gone, no hover)';
like $tip->{text}, qr/^Connection quality: $q\W+\d+(\.\d)? [kM]bit\/s\W+loss /, '... with the figures';
$page->press('Escape');
ok !$page->eval($tip_js)->{shown}, 'Escape hides it';
$page->click($badge);
$page->click('#tile-p-bob-camera .name');
ok !$page->eval($tip_js)->{shown}, 'a click elsewhere hides it too';
$page->eval(q{const t = document.querySelector('#tile-p-bob-camera'); t.tabIndex = -1; t.focus()});
$page->press('Tab');
ok $page->eval(q{document.activeElement === document.querySelector('#tile-p-bob-camera .quality')})
   && $page->eval($tip_js)->{shown}, 'keyboard focus (Tab) shows it';
$page->press('Tab');
ok !$page->eval($tip_js)->{shown}, '... and focus moving on hides it';

# the server cuts the connection: the page says so and comes back
fake($page, q{f.sfu().ws.drop(1011, 'worker gone')});
$page->wait_for(q{/reconnecting/.test(document.querySelector('#conn-status').textContent)},
                what => 'the reconnecting status');
pass 'a cut connection: the page says it is reconnecting';
$page->wait_for(q{document.querySelector('#conn-status').dataset.state === 'connected'}, what => 'reconnected');
is fake($page, q{return f.net.fetchCalls.filter(c => /\/join$/.test(c.url)).length}), 2,
    'it joined again through the REST join';
fake($page, q{
    const cam = (await navigator.mediaDevices.getUserMedia({ video: true }));
    await f.sfu().publishRemote('p-bob', 'camera', cam.getVideoTracks()[0]);
});
$page->wait_for(SFUTest::Demo::playing_js(1), timeout => 60, what => 'Bob\'s video after reconnecting');
pass 'and Bob\'s video plays again';

# Bob leaves, then Ada
fake($page, q{f.sfu().ws.deliver({ type: 'participant-left', participant_id: 'p-bob', reason: 'disconnected' })});
$page->wait_for(q{!document.querySelector('#tile-p-bob-camera')}, what => 'Bob\'s tile to go');
pass 'Bob leaves: his tile goes';
$page->wait_for(q{/Bob lost their connection/.test(document.querySelector('#toast').textContent)},
                what => 'the toast saying why');
pass '... and the page says why';
$page->click('#btn-leave');
$page->wait_for(q{!document.querySelector('#lobby').hidden}, what => 'the lobby');
is fake($page, q{return f.sfu().ws.sent.at(-1).type}), 'leave', 'leaving sends leave';
my @errors = $page->console_errors;
is_deeply \@errors, [], 'no console errors' or diag join "\n", @errors;

# a camera the browser refuses: a readable error, and the call goes on
# with the microphone
{
    my $p = $browser->new_page;
    $p->add_init_script(q{
        const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
        navigator.mediaDevices.getUserMedia = c => c.video
            ? Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) : gum(c);
        window.fake = import('/t/fake-sfu.js').then(m => m.install());
    });
    $p->goto($ngx->url('/'));
    $p->wait_for('window.fake', what => 'the fake server');
    $p->type('#name', 'Ada');
    $p->click('#create');
    $p->wait_for(q{!document.querySelector('#call').hidden}, what => 'the call view without a camera');
    is $p->wait_for(q{!document.querySelector('#error').hidden && document.querySelector('#error-text').textContent},
                    what => 'the error banner'),
       'Cannot use the camera: permission was refused.', 'a refused camera: a readable error on the page';
    ok $p->eval(q{document.querySelector('.tile.local').classList.contains('video-off')
                  && document.querySelector('#btn-cam').getAttribute('aria-pressed') === 'false'}),
       '... her tile and camera button show the camera off';
    $p->wait_for(q{window.fake.then(f => f.sfu().pubTracks.some(e => e.track.kind === 'audio'))},
                 what => 'her microphone at the SFU');
    pass '... and her microphone is published';
    $p->click('#error-close');
    ok $p->eval(q{document.querySelector('#error').hidden}), 'the banner can be dismissed';
    $p->click('#btn-cam');
    is $p->wait_for(q{!document.querySelector('#error').hidden && document.querySelector('#error-text').textContent},
                    what => 'the error banner again'),
       'Cannot use the camera: permission was refused.', 'turning the camera on says the same, readably';
    $p->close;
}

# phone width: the call view fits, the controls are reachable
my $phone = in_call(@SFUTest::Demo::PHONE);
fake($phone, q{
    const cam = (await navigator.mediaDevices.getUserMedia({ video: true }));
    await f.sfu().publishRemote('p-bob', 'camera', cam.getVideoTracks()[0]);
});
$phone->wait_for(SFUTest::Demo::playing_js(1), timeout => 60, what => 'Bob at phone width');
is_deeply $phone->eval(SFUTest::Demo::phone_misfits_js()), [],
    'at 375 px the call fits: no sideways scrolling, every control on screen and uncovered';
$phone->click('#btn-chat');
ok $phone->eval(q{document.querySelector('#chat').getBoundingClientRect().width <= innerWidth}),
    'the chat fits too';
$phone->click('#btn-chat');
$phone->wait_for(q{(q => q !== 'unknown' && q)(document.querySelector('#tile-p-bob-camera .quality').dataset.quality)},
                 what => 'a quality badge for Bob at phone width');
my $at = $phone->eval(q{(r => ({ x: r.left + r.width / 2, y: r.top + r.height / 2 }))(
    document.querySelector('#tile-p-bob-camera .quality').getBoundingClientRect())});
$phone->send_command('Emulation.setTouchEmulationEnabled', { enabled => JSON::PP::true, maxTouchPoints => 1 });
$phone->send_command('Input.dispatchTouchEvent', { type => $_, touchPoints => $_ eq 'touchEnd' ? [] : [$at] })
    for qw(touchStart touchEnd);
$phone->wait_for(q{(t => getComputedStyle(t).display !== 'none')(document.querySelector('#tile-p-bob-camera-quality'))},
                 what => 'the tooltip after a tap');
ok $phone->eval(q{(r => r.left >= 0 && r.right <= innerWidth && r.width > 0)(
    document.querySelector('#tile-p-bob-camera-quality').getBoundingClientRect())}),
    'a tap on the quality badge shows its figures, on screen';
$phone->screenshot("$shots/ui-call-phone.png");
done_testing;
