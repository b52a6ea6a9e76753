# Simulcast with a real browser: a headless Chromium publishes its 1280x720
# fake camera as the SDK's three simulcast layers; the worker answers
# a=simulcast:recv, learns the layers and shows all three active in the
# room's stats (GET /api/v1/rooms/{id}/stats).  A second Chromium that only
# subscribes decodes one plain video stream: the highest layer at first,
# then, after it sends update-quality "low", the lowest one (the worker
# switches at that layer's key frame: the decoded frames get smaller, the
# stream never stops), and the highest again after "high".

use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use Time::HiRes qw(sleep time);
use SFUTest::Chromium;
use SFUTest::Stack;

SFUTest::Stack::skip_unless_ready();
if (my $why = SFUTest::Chromium::unavailable()) { plan skip_all => $why }

my $s = SFUTest::Stack->start(workers => 1);
my $room = $s->create_room(name => 'simulcast');

my $sam = $s->peer(chromium => $room, 'sam', '--simulcast', '--video-size', '1280x720', '--fps', '15',
                   '--duration', 300);
my $viv = $s->peer(chromium => $room, 'viv', '--no-publish', '--kinds', 'video', '--expect-peers', 1,
                   '--linger', 300, '--duration', 300);

my $joined = $sam->wait_for(sub { $_[0]{event} eq 'server' && $_[0]{message}{type} eq 'joined' }, 60);
ok($joined && $joined->{message}{simulcast}, 'joined says the worker takes simulcast')
    or diag $s->describe;

# Polls the room's stats until $check (given sam's camera track and viv's
# subscription of it) is true, or $secs pass; the last pair seen.
sub stats_until {
    my ($secs, $check) = @_;
    my $deadline = time + $secs;
    my ($track, $sub);
    while (1) {
        my $all = $s->api(GET => "/api/v1/rooms/$room/stats")->{json}{stats}{participants} || [];
        my ($pub) = grep { $_->{participant_id} eq ($sam->participant_id // '') } @$all;
        my ($rcv) = grep { $_->{participant_id} eq ($viv->participant_id // '') } @$all;
        ($track) = grep { $_->{kind} eq 'video' } @{ $pub->{tracks} || [] };
        ($sub) = grep { $track && $_->{track_id} eq $track->{track_id} } @{ $rcv->{subscriptions} || [] };
        return ($track, $sub, $rcv) if ($track && $check->($track, $sub, $rcv)) || time >= $deadline;
        sleep 1;
    }
}

# The rids of the active layers, smallest first, as the worker ranks them.
sub ranked {
    my ($track) = @_;
    return map { $_->{rid} } sort { $a->{rank} <=> $b->{rank} } grep { $_->{active} } @{ $track->{layers} || [] };
}

# Chromium's bandwidth estimate starts low and turns the top layer on as it grows.
my ($track, $sub) = stats_until(150, sub { ranked($_[0]) == 3 });
is(scalar(ranked($track)), 3, 'the worker receives three active layers')
    or diag explain $track;
my @rids = ranked($track);
ok($track->{layers}[0]{packets} > 0 && $track->{layers}[1]{packets} > 0 && $track->{layers}[2]{packets} > 0,
   "each with packets (lowest to highest: @rids)");

ok($s->wait_met(90, $viv), 'the subscriber decodes video from the publisher') or diag $s->describe;

# What viv decodes of sam: frames and the last frame's width.
sub decoded {
    my $v = (($viv->report // {})->{ $sam->participant_id // '' } // {})->{video} // {};
    return ($v->{frames} // 0, $v->{width} // 0);
}

# Polls viv's reports until the decoded width passes $check, and at least 15
# frames came after it first did; that width, or 0.
sub width_until {
    my ($secs, $check) = @_;
    my $deadline = time + $secs;
    my $since;
    while (time < $deadline) {
        my ($frames, $width) = decoded();
        if ($check->($width)) {
            $since //= $frames;
            return $width if $frames >= $since + 15;
        } else {
            $since = undef;
        }
        sleep 0.5;
    }
    return 0;
}

my $first;
($track, $sub, $first) = stats_until(60, sub { $_[1] && ($_[1]{layer}{current} // '') eq (ranked($_[0]))[-1] });
is($sub->{layer}{current}, (ranked($track))[-1], 'the subscriber gets the highest layer at first')
    or diag explain [$track, $first->{downlink}];
# Chromium scales its top layer with its bandwidth estimate, which ramps up
# slower on a loaded machine: wait for the size, not the first frame
my $high = width_until(60, sub { $_[0] > 320 });
cmp_ok($high, '>', 320, "and decodes it ($high pixels wide)");

$viv->command('quality low');
my $rcv;
($track, $sub, $rcv) = stats_until(60, sub {
    $_[1] && ($_[1]{layer}{current} // '') eq ((ranked($_[0]))[0] // 'none')
        && ($_[2]{downlink}{wanted} // '') eq 'low'
});
is($sub->{layer}{current}, (ranked($track))[0], 'after update-quality low it gets the lowest layer');
is($rcv->{downlink}{wanted}, 'low', "the worker's stats show what it asked for");
my $low = width_until(60, sub { $_[0] > 0 && $_[0] <= $high / 2 });
ok($low, "its decoded frames get smaller ($high -> $low pixels wide), the stream goes on")
    or diag explain [decoded()];

$viv->command('quality high');
($track, $sub) = stats_until(60, sub { $_[1] && ($_[1]{layer}{current} // '') eq ((ranked($_[0]))[-1] // 'none') });
is($sub->{layer}{current}, (ranked($track))[-1], 'update-quality high brings the highest layer back');
my $back = width_until(60, sub { $_[0] >= $high });
ok($back, "at its size again ($back pixels wide)") or diag explain [decoded()];

$s->leave_all(60);
is(($_->summary // {})->{exit}, 0, $_->name . ' exits 0') for $sam, $viv;

done_testing();
