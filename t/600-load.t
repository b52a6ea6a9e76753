# sfu-load against the real stack (nginx with the module, one SFU worker,
# PostgreSQL, Redis, all on loopback): 2 rooms of 3 participants publish
# Opus and VP8 and receive each other over ICE/DTLS-SRTP for a few
# seconds; its JSON report shows every participant joined, every stream
# flowing with little loss and a sane latency through the worker, and the
# worker's CPU counted.  Bad arguments are a usage error naming the option.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use JSON::PP qw(decode_json);
use SFUTest::Stack;

my $load = "$SFUTest::Stack::Repo/build/sfu/sfu-load";

# --- bad arguments: no stack needed
{
    my $out = `$load --url http://127.0.0.1:9 --api-key k --rooms zero 2>&1`;
    is $? >> 8, 2, 'a bad --rooms is a usage error (exit 2)';
    like $out, qr/--rooms: expected a whole number/, '... naming the option';
    $out = `$load --url http://192.0.2.1:80 --api-key k 2>&1`;
    is $? >> 8, 2, 'a target off loopback is refused without --allow-netns';
    like $out, qr/loopback/, '... saying why';
    $out = `$load --url http://127.0.0.1:9 --api-key k --pacing 0.5 2>&1`;
    is $? >> 8, 2, 'a --pacing below the bitrate is a usage error';
    like $out, qr/--pacing: expected 0 \(no pacing\) or a factor of at least 1, got 0.5/,
        '... saying what it takes';
    $out = `$load --help`;
    is $? >> 8, 0, '--help exits 0';
    like $out, qr/--publishers N/, '... and lists the options';
}

SFUTest::Stack::skip_unless_ready();
my $s = SFUTest::Stack->start(workers => 1);
my $dir = tempdir(CLEANUP => 1);

sub run_load {
    my ($name, @args) = @_;
    my $json = "$dir/$name.json";
    my @cmd = ($load, '--url', $s->url, '--api-key', $s->api_key,
               '--sfu-pid', $s->worker_pid(0), '--sfu-pid', $s->{nginx}{pid},
               '--json', $json, '--quiet',
               '--max-time', 90, @args);
    my $out = `@cmd 2>&1`;
    my $rc = $? >> 8;
    note $out;
    my $r = -s $json ? decode_json(do { local (@ARGV, $/) = $json; <> }) : undef;
    diag $s->describe unless $r && $r->{joined};
    return ($rc, $r);
}

# --- 2 rooms x 3 participants, all publishing
my ($rc, $r) = run_load('meeting', '--rooms', 2, '--participants', 3,
                        '--duration', 4, '--warmup', 1, '--video-kbps', 300);
is $rc, 0, 'sfu-load exits 0';
ok $r, 'it wrote its JSON report' or BAIL_OUT('no report');
is $r->{joined}, 6, 'all 6 participants joined';
is $r->{failed_joins}, 0, 'no join failed';
# each of 6 receives audio and video from the 2 others in its room
is $r->{streams}, 24, 'every one of the 24 streams was received';
cmp_ok $r->{loss_pct}, '<', 1, 'loss under 1 %';
cmp_ok $r->{latency_ms}{p50}, '>', 0, 'latency p50 is positive';
cmp_ok $r->{latency_ms}{p50}, '<', 50, '... and sane on loopback';
cmp_ok $r->{latency_ms}{p99}, '>=', $r->{latency_ms}{p50}, 'p99 >= p50';
cmp_ok $r->{packets_in}, '>', 0, 'packets came in';
cmp_ok $r->{packets_in}, '>', $r->{packets_out}, 'more in than out: the SFU fans out';
cmp_ok $r->{sfu}{cpu_s}, '>', 0, 'the worker\'s CPU was measured';
cmp_ok $r->{sfu}{rss_kb}, '>', 0, '... and its RSS';
{
    my @p = @{ $r->{sfu}{processes} // [] };
    is_deeply [map { $_->{pid} } @p], [$s->worker_pid(0), $s->{nginx}{pid}],
        'each process measured: the worker, then nginx\'s master';
    cmp_ok $p[0]{cpu_s}, '>', $p[1]{cpu_s}, 'the worker used more CPU than the master';
    cmp_ok $p[0]{rss_kb}, '>', 0, 'the worker\'s own RSS';
    cmp_ok $p[0]{rss_peak_kb}, '>=', $p[0]{rss_kb}, '... and its peak';
    ok !$p[0]{gone} && !$p[1]{gone}, 'neither gone';
    is $p[0]{rss_kb} + $p[1]{rss_kb}, $r->{sfu}{rss_kb}, 'the sum is of the two';
}
ok defined $r->{forwarded_pps_per_cpu_s}, 'forwarded packets per CPU-second';
is $r->{ramp}, undef, 'no ramp';
cmp_ok $r->{join_ms}{p50}, '>', 0, 'join times measured';
is $r->{pacing}, 2.5, 'video paced at 2.5 x its bitrate by default';
ok defined $r->{send_lateness_ms}{p99}
   && $r->{send_lateness_ms}{max} >= $r->{send_lateness_ms}{p99},
   'the sender\'s own lateness is reported';
ok defined $r->{recv_lateness_ms}{p99}
   && $r->{recv_lateness_ms}{max} >= $r->{recv_lateness_ms}{p99},
   '... and how late it read what had arrived';
like $r->{socket_drops}, qr/^\d+$/, 'its own sockets\' drops are counted';

# --- simulcast: ngx-sfu takes the three layers and forwards one of them
($rc, $r) = run_load('simulcast', '--participants', 2, '--simulcast',
                     '--duration', 1, '--warmup', 0.5, '--video-kbps', 300);
is $r->{joined}, 2, 'simulcast: both joined';
ok $r->{simulcast} && !$r->{simulcast_refused},
   'simulcast: accepted by the SFU (three layers sent)';
is $r->{streams}, 4, 'simulcast: one layer of each camera and the audio reach the other';
cmp_ok $r->{loss_pct}, '<', 1, 'simulcast: no loss across the forwarded layer';

# --- a ramp of audio-only rooms: every step listed, capacity found
($rc, $r) = run_load('ramp', '--participants', 2, '--audio-only', '--ramp',
                     '--ramp-step', 1, '--ramp-max', 6, '--duration', 1,
                     '--warmup', 0.5);
is $rc, 0, 'ramp exits 0';
is scalar @{ $r->{ramp}{steps} }, 3, 'ramp: 2, 4 and 6 participants measured';
is_deeply [map { $_->{participants} } @{ $r->{ramp}{steps} }], [2, 4, 6],
    'ramp: each step adds a room of two';
is $r->{ramp}{capacity}, 6, 'ramp: capacity is the largest step under the limit';
is $r->{ramp}{stopped_by}, 'ramp-max', 'ramp: stopped at --ramp-max, not by loss';
{
    # each step's own reading of the SFU's processes, for the bench's
    # marginal memory per participant (the slope between two steps)
    my @steps = @{ $r->{ramp}{steps} };
    is scalar(grep { ($_->{sfu}{processes}[0]{rss_kb} // 0) > 0 } @steps), 3,
        'ramp: every step has the worker\'s own RSS';
    is_deeply [map { $_->{sfu}{processes}[0]{pid} } @steps], [($s->worker_pid(0)) x 3],
        '... read from the worker';
    is scalar(grep { $_->{sfu}{rss_kb} >= $_->{sfu}{processes}[0]{rss_kb} } @steps), 3,
        '... within the sum over the processes';
    ok $steps[0]{window_end_monotonic_s} < $steps[1]{window_end_monotonic_s}
       && $steps[1]{window_end_monotonic_s} < $steps[2]{window_end_monotonic_s},
       'ramp: the steps\' windows end one after the other';
    is $r->{window_end_monotonic_s}, $steps[-1]{window_end_monotonic_s},
        'the whole run\'s figures are the last step\'s';
}

# --- the hard stop: a window longer than --max-time ends at --max-time
{
    my $t0 = time;
    my $out = `$load --url @{[ $s->url ]} --api-key @{[ $s->api_key ]} --quiet --audio-only --duration 60 --warmup 0 --max-time 5 --json $dir/stopped.json 2>&1`;
    my $took = time - $t0;
    is $? >> 8, 3, '--max-time: exit 3';
    cmp_ok $took, '<', 20, '... it stopped by itself, well before --duration';
    like $out, qr/--max-time reached/, '... saying why';
    my $j = decode_json(do { local (@ARGV, $/) = "$dir/stopped.json"; <> });
    ok $j->{aborted}, '... and the report says it was cut short';
}

# --- a wrong API key: the room cannot be made, a clear error, exit 1
{
    my $out = `$load --url @{[ $s->url ]} --api-key wrong --quiet --max-time 30 --json $dir/refused.json 2>&1`;
    is $? >> 8, 1, 'a wrong API key: exit 1';
    like $out, qr/room creation: HTTP 401/, '... saying the SFU refused the room';
    my $j = decode_json(do { local (@ARGV, $/) = "$dir/refused.json"; <> });
    like $j->{error}, qr/HTTP 401/, '... also in the JSON report';
    is $j->{joined}, 0, '... where nothing was measured';
}

# --- 1 publisher -> 3 subscribers, audio only
($rc, $r) = run_load('fanout', '--participants', 4, '--publishers', 1,
                     '--audio-only', '--duration', 2, '--warmup', 0.5,
                     '--per-stream');
is $rc, 0, 'fan-out run exits 0';
is $r->{joined}, 4, 'fan-out: all 4 joined';
is $r->{streams}, 3, 'fan-out: 3 audio streams';
ok $r->{audio_only}, 'reported as audio only';
my @per = @{ $r->{per_stream} // [] };
is scalar @per, 3, 'fan-out: three streams listed one by one';
is_deeply [sort map { $_->{to} } @per], ['load-r0-p1', 'load-r0-p2', 'load-r0-p3'],
    '... one to each subscriber';
ok !(grep { $_->{from} ne 'load-r0-p0' || $_->{kind} ne 'audio' } @per),
    '... all audio from the publisher';
ok !(grep { $_->{packets} < 50 || $_->{latency_ms}{p50} <= 0 } @per),
    '... each with 2 s of packets and a latency';

done_testing;
