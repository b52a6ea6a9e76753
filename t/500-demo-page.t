# The demo page and the SDK as the example configuration serves them
# (conf/nginx.conf rendered by conf/render-conf), driven in headless
# Chromium through the page's own UI: the lobby, room creation through the
# protected /demo/rooms endpoint, joining (password prompt, full and ended
# rooms, bad links), phone width.  The WebSocket part is checked for what
# the build offers: a readable error while the module has no signaling,
# the call view once module and worker handle rooms.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use SFUTest::Chromium;
use SFUTest::Demo;

my $why = SFUTest::Chromium::unavailable();
plan skip_all => $why if $why;

my $repo = "$FindBin::Bin/..";
my $shots = $SFUTest::Demo::Screenshots;
my $no_signaling = SFUTest::Demo::signaling_missing();
my $no_rooms = SFUTest::Demo::rooms_missing();
note "signaling: " . ($no_signaling // 'yes') . "; rooms: " . ($no_rooms // 'yes');

my $demo = SFUTest::Demo->start(workers => 1);

# --- what nginx serves
{
    my %want = ('/' => qr{^text/html}, '/sfu.js' => qr{^application/javascript},
                '/app.js' => qr{^application/javascript}, '/style.css' => qr{^text/css},
                '/sfu.d.ts' => qr{^text/plain});
    for my $path (sort keys %want) {
        my $r = $demo->request(GET => $path);
        is $r->{status}, 200, "GET $path";
        like $r->{headers}{'content-type'}, $want{$path}, "$path content type";
        unlike $r->{body}, qr/\Q${\ $demo->api_key }\E/, "$path does not hold the API key";
    }
    my $r = $demo->request(GET => '/demo/rooms');
    is $r->{status}, 405, 'GET /demo/rooms is refused';
    is $r->{headers}{allow}, 'POST', '... with Allow: POST';
    is $r->{json}{error}{code}, 'method-not-allowed', '... as a JSON error';
}

sub room_of {
    my ($id) = @_;
    return $demo->api(GET => "/api/v1/rooms/$id");
}

sub participants {
    my ($id) = @_;
    my $r = $demo->api(GET => "/api/v1/rooms/$id/participants");
    return [ map { $_->{name} } @{ $r->{json}{participants} || [] } ];
}

sub error_text {
    my ($page) = @_;
    return $page->wait_for(q{!document.querySelector('#error').hidden
                             && document.querySelector('#error-text').textContent},
                           what => 'an error on the page');
}

my $browser = SFUTest::Chromium->launch(ignore_certificate_errors => 1);

# --- the lobby creates a room and joins it
my $page = $browser->new_page;
$page->goto($demo->https_url('/'));
ok $page->eval(q{!document.querySelector('#lobby').hidden}), 'the lobby shows';
$page->screenshot("$shots/lobby.png");
$page->click('#create');
like error_text($page), qr/Type your name/, 'creating without a name asks for one';
$page->type('#name', 'Ada');
$page->click('#create');
my $room_id = $page->wait_for(q{new URLSearchParams(location.search).get('room')
                                || (document.querySelector('#link').value.match(/room=([\w-]+)/) || [])[1]},
                              what => 'a room link');
ok $room_id, "a room was created: $room_id";
is room_of($room_id)->{json}{name}, "Ada's room", '... through /demo/rooms, named after Ada';
my $link = $page->eval(q{document.querySelector('#link').value});
is $link, $demo->https_url("/?room=$room_id"), 'the link field holds the room link';
my $deadline = time + 30;
sleep 0.2 until grep({ $_ eq 'Ada' } @{ participants($room_id) }) || time > $deadline;
is_deeply participants($room_id), ['Ada'], 'joining took a place in the room (REST join)';

if ($no_signaling) {
    like error_text($page), qr/Cannot reach the signaling server/,
        'without signaling, the page says it cannot reach the signaling server';
    ok $page->eval(q{!document.querySelector('#lobby').hidden
                     && !document.querySelector('#create').disabled}), '... and the lobby is usable again';
    my @errors = grep { !/WebSocket connection to .*\/ws' failed/ } $page->console_errors;
    is_deeply \@errors, [], 'no console errors but the refused WebSocket' or diag join "\n", @errors;
} elsif ($no_rooms) {
    ok error_text($page), 'a worker without rooms: the join error shows on the page';
} else {
    $page->wait_for(q{!document.querySelector('#call').hidden
                      && document.querySelector('.tile.local video').videoWidth > 0},
                    what => 'the call view with the local camera');
    pass 'joined: the call view shows the local camera';
    $page->screenshot("$shots/alone.png");
    $page->click('#btn-leave');
    $page->wait_for(q{!document.querySelector('#lobby').hidden}, what => 'back in the lobby');
    is_deeply [ $page->console_errors ], [], 'no console errors';
}

# --- a password room: asked, a wrong one asked again, the right one joins
{
    my $r = $demo->api(POST => '/api/v1/rooms', json => {
        name => 'locked', max_participants => 4, password => 'sesame' });
    my $id = $r->{json}{id};
    my $p = $browser->new_page;
    $p->goto($demo->https_url("/?room=$id"));
    is $p->eval(q{document.querySelector('#link').value}), $demo->https_url("/?room=$id"),
        'a room link fills the link field';
    $p->type('#name', 'Bea');
    $p->click('#join');
    $p->wait_for(q{document.querySelector('#password-dialog').open}, what => 'the password dialog');
    like $p->eval(q{document.querySelector('#password-note').textContent}), qr/needs a password/,
        'a password is asked';
    $p->type('#password', 'nope');
    $p->click('#password-ok');
    $p->wait_for(q{document.querySelector('#password-dialog').open
                   && /not right/.test(document.querySelector('#password-note').textContent)},
                 what => 'the dialog again, saying the password was wrong');
    pass 'a wrong password is said to be wrong, and asked again';
    $p->type('#password', 'sesame');
    $p->click('#password-ok');
    my $end = time + 30;
    sleep 0.2 until grep({ $_ eq 'Bea' } @{ participants($id) }) || time > $end;
    is_deeply participants($id), ['Bea'], 'the right password joins';

    # a cancelled prompt says so
    my $q = $browser->new_page;
    $q->goto($demo->https_url("/?room=$id"));
    $q->type('#name', 'Cy');
    $q->click('#join');
    $q->wait_for(q{document.querySelector('#password-dialog').open}, what => 'the password dialog');
    $q->click('#password-cancel');
    like error_text($q), qr/needs a password/, 'cancelling the prompt: "needs a password"';
}

# --- full, ended, unknown rooms and bad links read as such
{
    my $full = $demo->api(POST => '/api/v1/rooms', json => { name => 'full', max_participants => 1 })->{json}{id};
    is $demo->request(POST => "/api/v1/rooms/$full/join", json => { name => 'first' })->{status}, 200,
        'someone takes the only place';
    my $ended = $demo->api(POST => '/api/v1/rooms', json => { name => 'over', max_participants => 4 })->{json}{id};
    is $demo->api(DELETE => "/api/v1/rooms/$ended")->{status}, 200, 'a room is ended';
    my %cases = ($full => qr/This room is full/, $ended => qr/This room has ended/,
                 'no-such-room' => qr/no such room/);
    for my $id (sort keys %cases) {
        my $p = $browser->new_page;
        $p->goto($demo->https_url("/?room=$id"));
        $p->type('#name', 'Dee');
        $p->click('#join');
        like error_text($p), $cases{$id}, "joining $id: readable error";
        ok $p->eval(q{!document.querySelector('#lobby').hidden}), '... in the lobby';
        $p->close;
    }
    my $p = $browser->new_page;
    $p->goto($demo->https_url('/'));
    $p->type('#name', 'Dee');
    $p->type('#link', 'not a link');
    $p->press('Enter');
    like error_text($p), qr/Paste a room link/, 'a bad link: readable error';
}

# --- phone width: nothing wider than the screen
{
    my $p = $browser->new_page(@SFUTest::Demo::PHONE);
    $p->goto($demo->https_url('/'));
    ok $p->eval(q{document.documentElement.scrollWidth <= window.innerWidth}),
        'the lobby fits a 375 px wide phone';
    ok $p->eval(q{document.querySelector('#create').getBoundingClientRect().right <= window.innerWidth}),
        '... its buttons too';
    $p->screenshot("$shots/lobby-phone.png");
}

# --- /demo/rooms is rate-limited per address (after a burst)
{
    my @codes;
    for (1 .. 8) {
        push @codes, $demo->request(POST => '/demo/rooms',
                                    json => { name => "flood $_", max_participants => 2 })->{status};
    }
    ok scalar(grep { $_ == 201 } @codes) <= 4, 'a burst of room creation is cut short: ' . "@codes";
    my $r = $demo->request(POST => '/demo/rooms', json => { name => 'one more', max_participants => 2 });
    is $r->{status}, 429, 'then 429';
    is $r->{json}{error}{code}, 'rate-limited', '... as the API\'s JSON error';
    ok $r->{headers}{'retry-after'}, '... with Retry-After';
}

unlike $demo->error_log, qr/\[(alert|crit|emerg)\]/, 'nothing alarming in the error log';
done_testing;
