# Two people call through the demo page (headless Chromium, fake cameras
# and microphones): each types a name and clicks through the UI, each sees
# the other's video playing; the SDK's per-track stats hold sane figures
# and the quality badge shows them; Ada switches camera and microphone
# mid-call and Bob keeps receiving both; mute and camera-off show on the
# other side; chat arrives; the link button copies the room link; leaving
# removes the tile.  Screenshots in build/screenshots/.  Needs WebSocket
# signaling in the module and rooms in the worker: skipped, saying which,
# until both exist.
use strict;
use warnings;
use utf8;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use SFUTest::Chromium;
use SFUTest::Demo;

my $shots = $SFUTest::Demo::Screenshots;
binmode Test::More->builder->$_, ':encoding(UTF-8)' for qw(output failure_output todo_output);
# three fake cameras (Chromium's default is one; microphones are three).
# Chromium's fake_device_1 is a 16-bit depth camera (Y16) that a <video>
# shows but WebRTC cannot encode; fake_device_2 (MJPEG) is the one to
# switch to.
my ($demo, $browser, $room, $ada, $bob) = SFUTest::Demo->call_test(
    { browser => { args => ['--use-fake-device-for-media-stream=device-count=3'] } }, 'Ada', 'Bob');
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
# screenshots without the "joined" toast over a name
$_->wait_for(q{document.querySelector('#toast').hidden}, what => 'the toast to go') for $ada, $bob;
$ada->screenshot("$shots/two-ada.png");
$bob->screenshot("$shots/two-bob.png");

# JS: the SDK's summary of one track (direction, kind, source), taken by a
# second getStats() a second after a first, so its bitrate is of that second.
sub track_stats {
    my ($direction, $kind, $source) = @_;
    return <<"JS";
(async () => {
    const room = sfuDemo.room;
    const pick = all => all.find(s => s.direction === '$direction' && s.kind === '$kind'
                                      && s.source === '$source');
    await room.getStats();
    await new Promise(r => setTimeout(r, 1000));
    return pick(await room.getStats()) ?? null;
})()
JS
}

# the stats summary per track: sane figures in a running call
my $video_ok = q{s && s.bitrate > 50000 && s.packets > 0 && s.width >= 160 && s.height >= 120
                 && s.fps > 1 && s.fps <= 60 && s.lossRate >= 0 && s.lossRate <= 0.05
                 && s.rtt != null && s.rtt >= 0 && s.rtt < 1 && s.quality !== 'unknown'};
for (['inbound', 'video', 'camera', $video_ok],
     ['inbound', 'audio', 'microphone', q{s && s.bitrate > 5000 && s.packets > 0 && s.lossRate <= 0.05
                                          && s.width == null && s.quality !== 'unknown'}],
     ['outbound', 'video', 'camera', $video_ok]) {
    my ($direction, $kind, $source, $sane) = @$_;
    my $js = track_stats($direction, $kind, $source);
    my $s = $ada->wait_for("($js).then(s => ($sane) && s)", timeout => 60,
                           what => "sane $direction $source stats at Ada");
    pass sprintf "Ada's %s %s: %d bit/s, %d packets, loss %.3f, RTT %s s, %s, quality %s",
        $direction, $source, $s->{bitrate}, $s->{packets}, $s->{lossRate}, $s->{rtt} // 'n/a',
        $s->{width} ? "$s->{width}x$s->{height} at $s->{fps} fps" : 'no video', $s->{quality};
    is $s->{participantId}, $ada->eval(q{sfuDemo.room.participantId}), '... named as hers'
        if $direction eq 'outbound';
}

# ... and the quality badge on Bob's tile at Ada shows them
my $badge = $ada->wait_for(q{(t => {
    const m = /^Connection quality: (good|fair|poor) · ([\d.]+) (k|M)bit\/s · loss ([\d.]+) % · RTT (\d+) ms · (\d+)×(\d+) · (\d+) fps$/.exec(t);
    return m && m[2] * (m[3] === 'M' ? 1000 : 1) > 50 && m[4] <= 5 && m[5] < 1000
        && m[6] >= 160 && m[7] >= 120 && m[8] >= 1 && m[8] <= 60 && t;
})(document.querySelector('.tile:not(.local) .quality-tip').textContent)}, what => 'a quality badge with sane figures');
pass "Bob's badge at Ada: $badge";

# device selection: Ada picks the other camera and another microphone
# mid-call; her page uses them, says so, and Bob keeps receiving both
$ada->click('#btn-devices');
$ada->wait_for(q{document.querySelector('#camera-select').options.length >= 2
                 && document.querySelector('#mic-select').options.length >= 2},
               what => 'the device lists at Ada');
my $cameras = $ada->eval(q{[...document.querySelector('#camera-select').options].map(o => [o.value, o.text])});
is scalar(grep { $_->[1] =~ /^fake_device_\d$/ } @$cameras), 3, 'the cameras are listed by name: ' . join ', ', map { $_->[1] } @$cameras;
for (['camera', '#camera-select', 'video', 'camera', q{o.text === 'fake_device_2'}],
     ['microphone', '#mic-select', 'audio', 'microphone', q{o.value !== 'default'}]) {
    my ($what, $select, $kind, $source, $usable) = @$_;
    my $chosen = $ada->eval(qq{(() => {
        const now = sfuDemo.room.localTracks.$source.getSettings().deviceId;
        const sel = document.querySelector('$select');
        const other = [...sel.options].find(o => o.value !== now && $usable);
        sel.value = other.value;
        sel.dispatchEvent(new Event('change'));
        return { id: other.value, label: other.text, before: now };
    })()});
    isnt $chosen->{id}, $chosen->{before}, "Ada chooses another $what: $chosen->{label}";
    $ada->wait_for(qq{(() => {
        const room = sfuDemo.room, t = room.localTracks.$source;
        return t && t.readyState === 'live' && t.getSettings().deviceId === '$chosen->{id}'
            && room.session.senders.$source.track === t;
    })()}, what => "Ada's new $what sent");
    pass "... her $what is now that device, and it is what she sends";
    is $ada->eval(qq{document.querySelector('$select').selectedOptions[0].text}), $chosen->{label},
        '... and the list shows it chosen';
    my $in = track_stats('inbound', $kind, $source);
    my $s = $bob->wait_for("($in).then(s => s && s.bitrate > 5000 && s)", timeout => 60,
                           what => "Ada's $what flowing at Bob after the switch");
    pass "Bob receives Ada's new $what: $s->{bitrate} bit/s";
}
$bob->wait_for(SFUTest::Demo::playing_js(1), timeout => 60, what => 'Ada\'s video at Bob after the switch');
pass 'and her video still plays at Bob';
$ada->click('#btn-devices');

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

# copy link: the room link lands on the clipboard
my $link = $demo->https_url("/?room=$room");
(my $origin = $link) =~ s{^(https://[^/]+).*}{$1};
$browser->send_command('Browser.grantPermissions', {
    origin => $origin, permissions => ['clipboardReadWrite', 'clipboardSanitizedWrite'] });
$ada->click('#btn-link');
$ada->wait_for(q{/Link copied/.test(document.querySelector('#toast').textContent)}, what => 'the copied toast');
is $ada->eval(q{navigator.clipboard.readText()}), $link, 'the link button copies the room link';

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
