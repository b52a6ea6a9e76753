package SFUTest::Worker;

# A private build/sfu/sfu-worker for a test, and connections to it that
# speak sfu/PROTOCOL.md the way the nginx module does.
#
#   my $w = SFUTest::Worker->start('--rtc-listen', '127.0.0.1');
#   SFUTest::Worker->start({ sock => $w->path }, ...);   # another worker on
#                                         # that socket (a restart)
#   my $c = $w->connect;                  # its hello is read and checked
#   $w->path;                             # the socket, for other programs
#   $c->send({ type => 'ping', id => 1 });
#   my $m = $c->expect(sub { $_[0]{type} eq 'pong' });    # undef on timeout
#   my @rest = $c->sync;                  # everything sent to $c so far
#   $w->log_text; $w->stop;               # SIGTERM; returns the exit status
#
# expect() keeps the frames that do not match for later calls; sync()
# pings and returns every frame queued before the pong, which proves that
# the worker has finished with everything sent before it.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::UNIX;
use JSON::PP;
use Socket qw(SOCK_STREAM);
use Time::HiRes qw(sleep time);

our $Repo = abs_path(dirname(abs_path(__FILE__)) . '/../../..');
our $Binary = "$Repo/build/sfu/sfu-worker";
my $json = JSON::PP->new->utf8->canonical;

sub start {
    my ($class, @args) = @_;
    my %o = ref $args[0] eq 'HASH' ? %{ shift @args } : ();
    -x $Binary or die "$Binary is not built: run make -C sfu\n";
    my $dir = tempdir(CLEANUP => 1);
    my $self = bless { dir => $dir, sock => $o{sock} // "$dir/worker.sock",
                       log => "$dir/worker.log" }, $class;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDERR, '>>', $self->{log} or die "$self->{log}: $!";
        exec $Binary, '--listen', $self->{sock}, @args or die "exec: $!";
    }
    $self->{pid} = $pid;
    return $self;
}

sub connect {
    my ($self) = @_;
    my ($sock, $end) = (undef, time + 10);
    while (!$sock && time < $end) {
        $sock = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $self->{sock})
            or sleep 0.02;
    }
    $sock or die "cannot connect to $self->{sock}\n";
    my $c = bless { sock => $sock, queue => [], buf => '', pings => 0 },
                  'SFUTest::Worker::Conn';
    my $hello = $c->expect(sub { $_[0]{type} eq 'hello' });
    $hello or die "no hello from the worker\n";
    return $c;
}

sub path { $_[0]{sock} }

sub log_text {
    my ($self) = @_;
    open my $f, '<', $self->{log} or return '';
    local $/;
    return <$f>;
}

sub stop {
    my ($self) = @_;
    return undef unless $self->{pid};
    kill 'TERM', $self->{pid};
    waitpid $self->{pid}, 0;
    delete $self->{pid};
    return $?;
}

sub DESTROY { my ($self) = @_; $self->stop if $self->{pid} }

package SFUTest::Worker::Conn;

use IO::Select;
use Time::HiRes qw(time);

sub send {
    my ($self, $msg) = @_;
    my $body = ref $msg ? $json->encode($msg) : $msg;
    my $sock = $self->{sock};
    print {$sock} pack('N', length $body) . $body;
    $sock->flush;
}

# Reads what has arrived, waiting up to $secs for something; false at EOF.
sub fill {
    my ($self, $secs) = @_;
    my $sel = IO::Select->new($self->{sock});
    return 1 unless $sel->can_read($secs);
    my $n = sysread $self->{sock}, $self->{buf}, 1 << 20, length $self->{buf};
    return 0 unless $n;
    while (length $self->{buf} >= 4) {
        my $len = unpack 'N', $self->{buf};
        last if length $self->{buf} < 4 + $len;
        push @{ $self->{queue} }, $json->decode(substr $self->{buf}, 4, $len);
        substr($self->{buf}, 0, 4 + $len) = '';
    }
    return 1;
}

sub expect {
    my ($self, $match, $secs) = @_;
    my $end = time + ($secs // 10);
    while (1) {
        for my $i (0 .. $#{ $self->{queue} }) {
            return splice @{ $self->{queue} }, $i, 1
                if $match->($self->{queue}[$i]);
        }
        my $left = $end - time;
        return undef if $left <= 0;
        $self->fill($left > 0.2 ? 0.2 : $left) or return undef;
    }
}

sub sync {
    my ($self) = @_;
    my $id = 'sync-' . ++$self->{pings};
    $self->send({ type => 'ping', id => $id });
    $self->expect(sub { $_[0]{type} eq 'pong' && $_[0]{id} eq $id })
        or die "no pong from the worker\n";
    my @queued = @{ $self->{queue} };
    $self->{queue} = [];
    return @queued;
}

sub closed {
    my ($self, $secs) = @_;
    my $end = time + ($secs // 10);
    while (time < $end) {
        return 1 unless $self->fill(0.2);
    }
    return 0;
}

sub close { my ($self) = @_; close $self->{sock} }

1;
