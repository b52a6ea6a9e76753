# t/300-call-aiortc.t again, with the worker serving every peer connection's ICE on
# one shared UDP port (sfu-worker --rtc-udp-port; SFUTest::Stack reads
# SFU_TEST_UDP_MUX).
use strict;
use warnings;
use FindBin;

BEGIN { $ENV{SFU_TEST_UDP_MUX} = 1 }
do "$FindBin::Bin/300-call-aiortc.t";
die $@ if $@;
