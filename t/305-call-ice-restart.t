# An ICE restart the client starts: a headless Chromium participant in a
# call with an aiortc one calls pc.restartIce() on its publish connection
# (the SDK's room.restartIce(): a new offer with new ICE credentials).  The
# worker answers with new credentials of its own, the DTLS session stays,
# and aiortc keeps decoding Chromium's video and audio afterwards.
# (The subscribe connection is the SFU's to offer: a client cannot restart
# it; the worker restarts it itself, sfu/PROTOCOL.md.)

use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use SFUTest::Chromium;
use SFUTest::Stack;

SFUTest::Stack::skip_unless_ready();
if (my $why = SFUTest::Chromium::unavailable()) { plan skip_all => $why }

my $s = SFUTest::Stack->start(workers => 1);
my $room = $s->create_room(name => 'ice restart');

my ($chris, $alice) = $s->join_peers($room, {}, [chromium => 'chris', '--linger', 150],
                                     [aiortc => 'alice', '--linger', 150]);
ok($s->wait_met(120, $chris, $alice), 'chromium and aiortc decode each other')
    or diag $s->describe;
ok($chris->wait_for(sub { $_[0]{event} eq 'ice-pair' && $_[0]{pc} eq 'publish' }, 30),
   'chris\'s publish connection is connected');

my $before = $s->media_from($alice, $chris, 0);
$chris->command('restart-ice');
my $r = $chris->wait_for(sub { $_[0]{event} eq 'ice-restarted' }, 60) // {};
is($r->{error}, undef, 'chris restarts ICE on its publish connection')
    or diag $s->describe;
ok($r->{local_before} && $r->{local_after} && $r->{local_before} ne $r->{local_after},
   "... its own ufrag changed ($r->{local_before} -> $r->{local_after})");
ok($r->{remote_before} && $r->{remote_after} && $r->{remote_before} ne $r->{remote_after},
   "... and the SFU answered with a new one ($r->{remote_before} -> $r->{remote_after})");

my $restarted;     # events come in order: an ice-pair past the restart
ok($chris->wait_for(sub { $restarted ||= $_[0]{event} eq 'ice-restarted';
                          $restarted && $_[0]{event} eq 'ice-pair' && $_[0]{pc} eq 'publish' }, 60),
   '... the publish connection is connected again after the restart');

# Chromium drops the old credentials' pairs once the new ones are
# selected: 150 frames (10 s at 15 fps) more can only come over the new ones
my $got = $s->media_from($alice, $chris, $before->{video} + 150, 90);
cmp_ok($got->{video}, '>=', $before->{video} + 150,
       "alice keeps decoding chris's video after the restart ($before->{video} -> $got->{video} frames)");
cmp_ok($got->{audio}, '>=', $before->{audio} + 150,
       "... and its audio ($before->{audio} -> $got->{audio} audible frames)");

my $stats = $s->api(GET => "/api/v1/rooms/$room/stats")->{json}{stats}{participants} || [];
my ($seen) = grep { $_->{participant_id} eq ($chris->participant_id // '') } @$stats;
ok($seen && $seen->{publish}{connected}, 'the worker has chris\'s publish transport connected');

$s->leave_all;
is($_->summary->{exit}, 0, $_->name . ' exits 0') for $chris, $alice;

done_testing();
