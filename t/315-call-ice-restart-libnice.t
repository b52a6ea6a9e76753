# t/305-call-ice-restart.t again, with the worker giving each peer
# connection a libnice agent and UDP and TCP ports of its own instead of
# serving them all on its shared port (SFUTest::Stack's default, as make
# run and docker-compose run the workers): the per-connection mode stays
# tested.
use strict;
use warnings;
use FindBin;

BEGIN { $ENV{SFU_TEST_UDP_MUX} = 0 }
do "$FindBin::Bin/305-call-ice-restart.t";
die $@ if $@;
