# webrtc_rooms_total and webrtc_participants_total are this edge's live
# rooms and participants: what its SFU workers hold, as each reports in
# its hello and every pong (stand-in workers here, two of them, reporting
# what the test says).  They are right again as soon as the links are up
# after an nginx restart, follow each worker within a ping interval, lose
# a worker's rooms when its link goes down, and a claimed participant
# counts at once on its room's worker.  sfu_worker_packet_cache_bytes is
# the sum of what the workers report of their packet caches, the same way.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use SFUTest::Signaling;
use SFUTest::FakeWorker;
use SFUTest::WS;

my $dir = tempdir(CLEANUP => 1);
my @fw = map { SFUTest::FakeWorker->new(path => "$dir/w$_.sock", id => $_) } 1, 2;
$fw[0]{live} = {rooms => 2, participants => 5, packet_cache_bytes => 96512};
$fw[1]{live} = {rooms => 1, participants => 3, packet_cache_bytes => 193024};

sub start {
    return SFUTest::Signaling->start(
        workers => [map { "$dir/w$_.sock" } 1, 2],
        http => 'sfu_worker_ping_interval 200ms;');
}

# polls /metrics (pumping the workers) until the gauges read as wanted
sub gauges_become {
    my ($sig, $want, $name) = @_;
    my @names = qw(webrtc_rooms_total webrtc_participants_total
                   sfu_worker_packet_cache_bytes);
    my @got;
    $fw[0]->wait_for(sub {
        @got = map { $sig->metric($_) // 'none' } @names;
        "@got" eq $want;
    }, 10);
    is("@got", $want, $name);
}

my $sig = start();
gauges_become($sig, '3 8 289536', 'the workers\' rooms, participants and caches, summed');

# the worker counts change: the next pong carries them
$fw[0]{live} = {rooms => 1, participants => 2, packet_cache_bytes => 0};
gauges_become($sig, '2 5 193024', 'a worker\'s new counts, within a ping interval');

# nginx restarts (a new shared memory zone): the workers say it again
$sig->stop;
$sig = start();
gauges_become($sig, '2 5 193024', 'after an nginx restart, the same counts');

# a worker gone: its rooms are no longer this edge's
$fw[1]->crash;
gauges_become($sig, '1 5 0',
              'a worker whose link is down counts no rooms and no caches');
$fw[1]->listen;
gauges_become($sig, '2 5 193024', 'and counts again once it is back');

# a participant claimed through this edge counts on its room's worker
# before that worker's next report
$fw[0]{live} = $fw[1]{live} = undef;
my $room = $sig->room;
my $before = $sig->metric('webrtc_participants_total');
my $client = $sig->client($room, name => 'ada');
ok($client->{ws}, 'a client joins');
my $ok = $fw[0]->wait_for(sub {
    ($sig->metric('webrtc_participants_total') // 0) == $before + 1 }, 10);
ok($ok, 'the claimed participant counts at once');

unlike($sig->error_log, qr/\[(alert|crit|emerg)\]/, 'no alerts');
$sig->stop;

done_testing();
