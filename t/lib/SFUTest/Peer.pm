package SFUTest::Peer;

# One WebRTC call participant (t/peers/*) run as a child process: its JSON
# lines (t/peers/README.md) read as they come, its stdin used for commands.
#
#   my $p = SFUTest::Peer->start(name => 'alice', log_dir => $dir,
#                                cmd => ['/usr/bin/python3', 't/peers/aiortc_peer.py', ...]);
#   $p->wait_event('conditions-met', 60) or diag $p->describe;
#   my $ev = $p->wait_for(sub { $_[0]{event} eq 'first-frame' }, 30);
#   $p->events                 # every event so far (array of hashes)
#   $p->command('report');     # a line on the peer's stdin
#   my $remotes = $p->report;  # a fresh report's remotes (README.md)
#   $p->leave;                 # "leave": the peer says leave and exits
#   my $code = $p->wait_exit(30);   # exit status, undef if still running
#   $p->summary                # the last line, {exit, sessions => [...], ...}
#   $p->session(-1)            # one session of the summary
#   $p->remotes                # the last session's remotes (or the live report)
#   $p->participant_id, $p->tag, $p->tone_hz, $p->pid
#   $p->stop                   # KILL now (also on destruction)
#
# stdout goes to <log_dir>/<name>.jsonl, stderr to <name>.err; describe()
# quotes both's last lines for a failing test's diag.

use strict;
use warnings;

use IO::Handle;
use JSON::PP ();
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);

use SFUTest::NginxProc;

my $JSON = JSON::PP->new->canonical;

sub start {
    my ($class, %o) = @_;
    my $self = bless {
        name => $o{name}, out => "$o{log_dir}/$o{name}.jsonl",
        err => "$o{log_dir}/$o{name}.err", events => [], offset => 0,
        partial => '', cmd => $o{cmd},
    }, $class;
    pipe(my $r, my $w) or die "pipe: $!";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        close $w;
        open STDIN, '<&', $r or die "stdin: $!";
        open STDOUT, '>', $self->{out} or die "$self->{out}: $!";
        open STDERR, '>', $self->{err} or die "$self->{err}: $!";
        exec @{ $o{cmd} } or POSIX::_exit(127);
    }
    close $r;
    $w->autoflush(1);
    $self->{pid} = $pid;
    $self->{stdin} = $w;
    return $self;
}

sub name { $_[0]{name} }
sub pid { $_[0]{pid} }

# Reads what the peer has printed since the last look.
sub poll {
    my ($self) = @_;
    open my $fh, '<', $self->{out} or return;
    seek $fh, $self->{offset}, 0;
    local $/;
    my $data = <$fh> // '';
    close $fh;
    $self->{offset} += length $data;
    $data = ($self->{partial} // "") . $data;
    my @lines = split /\n/, $data, -1;
    $self->{partial} = pop @lines;
    for my $line (@lines) {
        my $ev = eval { $JSON->decode($line) };
        push @{ $self->{events} }, $ev // { event => 'unparsed', line => $line };
    }
    $self->_reap;
}

sub _reap {
    my ($self) = @_;
    return if defined $self->{exit} || !$self->{pid};
    if (waitpid($self->{pid}, WNOHANG) == $self->{pid}) {
        $self->{exit} = $? & 127 ? 128 + ($? & 127) : $? >> 8;
    }
}

sub events { $_[0]->poll; @{ $_[0]{events} } }

sub running { $_[0]->poll; !defined $_[0]{exit} }

# The first event (from the start) for which $match returns true, waiting
# up to $secs; undef if none came (or the peer exited without it).
sub wait_for {
    my ($self, $match, $secs) = @_;
    my $deadline = time + ($secs // 30);
    my $seen = 0;
    while (1) {
        $self->poll;
        my $events = $self->{events};
        for my $i ($seen .. $#$events) {
            return $events->[$i] if $match->($events->[$i]);
        }
        $seen = @$events;
        return undef if defined $self->{exit} || time >= $deadline;
        sleep 0.05;
    }
}

sub wait_event {
    my ($self, $name, $secs, $since) = @_;
    return $self->wait_for(sub { $_[0]{event} eq $name
                                 && ($_[0]{t} // 0) >= ($since // 0) }, $secs);
}

sub command {
    my ($self, $line) = @_;
    return unless $self->{stdin};
    local $SIG{PIPE} = 'IGNORE';
    print { $self->{stdin} } "$line\n";
}

sub leave { $_[0]->command('leave') }

# Asks for a report and returns its remotes (undef if none came in $secs).
sub report {
    my ($self, $secs) = @_;
    my @seen = $self->events;
    my $since = @seen ? $seen[-1]{t} // 0 : 0;
    $self->command('report');
    my $r = $self->wait_event('report', $secs // 10, $since);
    return $r ? $r->{remotes} : undef;
}

sub wait_exit {
    my ($self, $secs) = @_;
    my $deadline = time + ($secs // 30);
    while (1) {
        $self->poll;
        return $self->{exit} if defined $self->{exit};
        return undef if time >= $deadline;
        sleep 0.05;
    }
}

sub summary {
    my ($self) = @_;
    my ($s) = grep { $_->{event} eq 'summary' } reverse $self->events;
    return $s;
}

sub session {
    my ($self, $i) = @_;
    my $s = $self->summary or return undef;
    return $s->{sessions}[$i // -1];
}

# The last session's remotes: from the summary once there is one, else
# the latest report or conditions-met line.
sub remotes {
    my ($self) = @_;
    my $s = $self->session(-1);
    return $s->{remotes} if $s;
    my ($r) = grep { $_->{event} =~ /^(report|conditions-met)$/ }
              reverse $self->events;
    return $r ? $r->{remotes} : {};
}

sub start_event { (grep { $_->{event} eq 'start' } $_[0]->events)[0] // {} }
sub tag { $_[0]->start_event->{tag} }
sub tone_hz { $_[0]->start_event->{tone_hz} }

sub participant_id {
    my ($self) = @_;
    my ($j) = grep { $_->{event} eq 'joined' } reverse $self->events;
    return $j ? $j->{participant_id} : undef;
}

# The last lines of stdout and stderr, for diag.
sub describe {
    my ($self, $n) = @_;
    $n //= 15;
    $self->poll;
    my @out = split /\n/, SFUTest::NginxProc::slurp($self->{out});
    my @err = split /\n/, SFUTest::NginxProc::slurp($self->{err});
    my $tail = sub { my @l = @_; @l > $n ? @l[-$n .. -1] : @l };
    return join "\n", "--- peer $self->{name} (@{ $self->{cmd} })"
        . (defined $self->{exit} ? ", exited $self->{exit}" : ', running'),
        (map { "  out: " . substr($_, 0, 400) } $tail->(@out)),
        (map { "  err: $_" } $tail->(@err));
}

sub stop {
    my ($self) = @_;
    return unless $self->{pid};
    {
        # a command the peer did not take is still buffered: flushing it
        # into a closed pipe must not kill the test
        local $SIG{PIPE} = 'IGNORE';
        close delete $self->{stdin} if $self->{stdin};
    }
    $self->_reap;
    if (!defined $self->{exit}) {
        kill 'KILL', $self->{pid};
        waitpid $self->{pid}, 0;
        $self->{exit} = 128 + 9;
    }
}

sub DESTROY {
    local ($?, $@);
    $_[0]->stop;
}

1;
