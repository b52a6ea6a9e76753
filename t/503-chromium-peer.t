# t/peers/chromium_peer, the Chromium participant of the end-to-end tests
# (SFUTest::Stack takes it in once it exists): its command line, exit
# statuses and JSON lines as t/peers/README.md describes them.  With
# signaling and rooms in the build, two of them hold a call and each
# decodes the other; before that, the refusal at the signaling step.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use IPC::Open3;
use JSON::PP ();
use SFUTest::Chromium;
use SFUTest::Demo;

my $why = SFUTest::Chromium::unavailable();
plan skip_all => $why if $why;

my $peer = "$FindBin::Bin/peers/chromium_peer";

# run a peer to its end: (exit status, [events])
sub run_peer {
    my (@args) = @_;
    my $pid = open3(my $in, my $out, undef, $peer, @args);
    close $in;
    my @events = map { JSON::PP->new->decode($_) } grep { /^\{/ } <$out>;
    waitpid $pid, 0;
    return ($? >> 8, \@events);
}

sub events_named { my ($ev, $name) = @_; grep { $_->{event} eq $name } @$ev }

my ($rc) = run_peer('--no-trickle', 'http://127.0.0.1:1', 'r');
is $rc, 2, 'an unsupported option: exit 2';

my $demo = SFUTest::Demo->start(workers => 1);
my $base = $demo->url('');

my ($code, $ev) = run_peer($base, 'no-such-room', '--name', 'pat', '--duration', 20);
is $code, 3, 'an unknown room: exit 3';
my ($failed) = events_named($ev, 'join-failed');
is $failed->{status}, 404, 'join-failed carries the status';
is $failed->{body}{error}{code}, 'room-not-found', '... and the API\'s error';
is $ev->[0]{event}, 'start', 'the first line is start';
is $ev->[-1]{event}, 'summary', 'the last line is summary';
is $ev->[-1]{exit}, 3, '... with the exit status';

my $room = $demo->api(POST => '/api/v1/rooms', json => { name => 'peers', max_participants => 4 })
    ->{json}{id};
if (my $missing = SFUTest::Demo::call_missing()) {
    note "no call yet: $missing";
    ($code, $ev) = run_peer($base, $room, '--name', 'pat', '--duration', 30);
    ok((events_named($ev, 'rest-joined'))[0]{participant_id}, 'the REST join succeeds');
    is $code, 3, 'the signaling step is refused: exit 3';
    like((events_named($ev, 'session-ended'))[0]{reason}, qr/^(signaling-failed|join-refused|join-timeout)$/,
         'session-ended says why');
} else {
    my @pids = map {
        my $pid = open3(my $in, my $out, undef, $peer, $base, $room, '--name', $_,
                        '--expect-peers', 1, '--linger', 1, '--duration', 90);
        close $in;
        [$pid, $out, $_];
    } qw(pat quinn);
    my %sum;
    for my $p (@pids) {
        my @e = map { JSON::PP->new->decode($_) } grep { /^\{/ } readline $p->[1];
        waitpid $p->[0], 0;
        is $? >> 8, 0, "$p->[2] decoded the other: exit 0";
        ($sum{ $p->[2] }) = events_named(\@e, 'summary');
    }
    for ([qw(pat quinn)], [qw(quinn pat)]) {
        my ($me, $other) = @$_;
        my $remote = $sum{$me}{sessions}[0]{remotes}{ $sum{$other}{participant_id} };
        cmp_ok $remote->{video}{tags}{ $sum{$other}{tag} } // 0, '>=', 10,
               "$me: video frames with ${other}'s stamp";
        cmp_ok $remote->{audio}{audible} // 0, '>=', 10, "$me: audible audio";
        cmp_ok abs(($remote->{audio}{tone_hz} // 0) - $sum{$other}{tone_hz}), '<=', 25,
               "$me: at ${other}'s tone";
    }
}
done_testing;
