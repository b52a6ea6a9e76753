package SFUTest::RedisServer;

# A Redis server of the test's own, for tests that stop, pause or restart
# it (the shared one from SFUTest::Services serves other test files too).
#
#   my $redis = SFUTest::RedisServer->start;            # a free TCP port
#   my $redis = SFUTest::RedisServer->start(unix => "/path/redis.sock");
#   $redis->port; $redis->addr;     # "127.0.0.1:N" or "unix:/path"
#   $redis->cmd(qw(SADD key member));
#   $redis->stop; $redis->restart;  # same address, empty data
#   $redis->pause; $redis->resume;  # SIGSTOP / SIGCONT
# Stopped when the object goes away.

use strict;
use warnings;

use POSIX ();
use Time::HiRes ();

use SFUTest::NginxProc;

sub start {
    my ($class, %o) = @_;
    my $self = bless { unix => $o{unix}, owner => $$ }, $class;
    $self->{port} = $o{unix} ? 0 : SFUTest::NginxProc::free_port();
    $self->_spawn;
    return $self;
}

sub port { $_[0]{port} }

sub addr {
    my ($self) = @_;
    return $self->{unix} ? "unix:$self->{unix}" : "127.0.0.1:$self->{port}";
}

sub _cli {
    my ($self) = @_;
    return $self->{unix} ? ('redis-cli', '-s', $self->{unix})
                         : ('redis-cli', '-p', $self->{port});
}

sub cmd {
    my ($self, @args) = @_;
    # quiet while the server is not up yet
    open my $stderr, '>&', \*STDERR or die "dup: $!\n";
    open STDERR, '>', '/dev/null';
    open my $fh, '-|', $self->_cli, @args or die "redis-cli: $!\n";
    my $out = do { local $/; <$fh> };
    close $fh;
    open STDERR, '>&', $stderr;
    chomp $out;
    return $out;
}

sub _spawn {
    my ($self) = @_;
    my @cmd = ('redis-server', '--port', $self->{port}, '--bind', '127.0.0.1',
               '--save', '', '--appendonly', 'no', '--logfile', '');
    push @cmd, '--unixsocket', $self->{unix} if $self->{unix};
    my $pid = fork // die "fork: $!\n";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', '/dev/null';
        exec @cmd or POSIX::_exit(127);
    }
    $self->{pid} = $pid;
    my $deadline = time + 10;
    while (time < $deadline) {
        return if $self->cmd('PING') eq 'PONG';
        Time::HiRes::sleep(0.02);
    }
    die "redis-server did not answer PING\n";
}

sub pause { kill STOP => $_[0]{pid} }
sub resume { kill CONT => $_[0]{pid} }

sub stop {
    my ($self) = @_;
    my $pid = delete $self->{pid} or return;
    kill CONT => $pid;
    kill TERM => $pid;
    waitpid($pid, 0);
}

sub restart {
    my ($self) = @_;
    $self->stop;
    $self->_spawn;
}

sub DESTROY {
    my ($self) = @_;
    local ($?, $@);
    $self->stop if $self->{owner} == $$;
}

1;
