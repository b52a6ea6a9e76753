package SFUTest::FakeWorker;

# A stand-in SFU worker for unit isolation of the module's signaling: it
# speaks sfu/PROTOCOL.md's framing on a Unix socket (hello, pong) and
# records every other frame, and the test makes it say what a worker says.
# It runs inside the test process: SFUTest::WS pumps it while waiting, and
# so does wait_for().
#
#   my $w = SFUTest::FakeWorker->new(path => "$dir/w.sock", id => 1);
#   $w->wait_for(sub { $w->connections == 2 }, 5);
#   my @m = $w->messages;            # ({conn => 3, msg => {...}}, ...)
#   my $c = $w->conn_of($participant);   # where its join arrived
#   $w->send($c, {type => 'deliver', ...});
#   $w->deliver($room, $participant, {type => 'joined', ...});
#   $w->crash;                        # every connection and the socket gone
#   $w->listen;                       # back again
#   $w->{answer} = sub { my ($w, $conn, $msg) = @_; ... };   # called for
#                                     # each message recorded, to answer it
#   $w->{live} = {rooms => 2, participants => 5};   # the counts its hello
#                                     # and pongs report (none when unset)

use strict;
use warnings;

use IO::Socket::UNIX;
use IO::Select;
use Socket qw(SOCK_STREAM);
use JSON::PP ();
use Time::HiRes qw(time);

use SFUTest::WS;

our $JSON = JSON::PP->new->utf8->canonical;

sub new {
    my ($class, %o) = @_;
    $SIG{PIPE} = 'IGNORE';    # a link nginx closed is seen on reading
    my $self = bless { path => $o{path}, id => $o{id} // 0, conns => {},
                       next => 1, messages => [] }, $class;
    $self->listen;
    push @SFUTest::WS::Idle, sub { $self->pump(0) };
    return $self;
}

sub listen {
    my ($self) = @_;
    unlink $self->{path};
    $self->{listener} = IO::Socket::UNIX->new(Type => SOCK_STREAM,
        Local => $self->{path}, Listen => 16) or die "$self->{path}: $!";
    $self->{listener}->blocking(0);
}

sub crash {
    my ($self) = @_;
    close $_->{sock} for values %{ $self->{conns} };
    $self->{conns} = {};
    close $self->{listener} if $self->{listener};
    delete $self->{listener};
    unlink $self->{path};
}

sub connections { scalar keys %{ $_[0]{conns} } }
sub messages { @{ $_[0]{messages} } }
sub clear { $_[0]{messages} = [] }

sub frame { my ($msg) = @_; my $j = $JSON->encode($msg); pack('N', length $j) . $j }

sub send {
    my ($self, $conn, $msg) = @_;
    my $c = $self->{conns}{$conn} or die "no connection $conn";
    my $bytes = ref $msg ? frame($msg) : $msg;
    my $end = time + 10;
    while (length $bytes) {
        my $n = syswrite $c->{sock}, $bytes;
        return if !defined $n && !$!{EAGAIN};    # gone: the read says so
        substr($bytes, 0, $n // 0) = '';
        next if !length $bytes || defined $n;
        die "FakeWorker: nginx has not read its link for 10 s\n" if time > $end;
        IO::Select->new($c->{sock})->can_write(0.1);
    }
}

# the connection the join of $participant arrived on
sub conn_of {
    my ($self, $participant) = @_;
    for my $m (reverse $self->messages) {
        return $m->{conn} if ($m->{msg}{type} // '') eq 'client'
            && ($m->{msg}{participant} // '') eq $participant
            && ($m->{msg}{msg}{type} // '') eq 'join';
    }
    return undef;
}

sub deliver {
    my ($self, $room, $participant, $msg) = @_;
    my $conn = $self->conn_of($participant) // die "no join from $participant";
    $self->send($conn, { type => 'deliver', room => $room,
                         participant => $participant, msg => $msg });
}

# messages of a type (of the envelope, or of msg inside a client envelope)
sub of_type {
    my ($self, $type) = @_;
    return grep { ($_->{msg}{type} // '') eq $type
                  || (($_->{msg}{type} // '') eq 'client'
                      && ($_->{msg}{msg}{type} // '') eq $type) }
           $self->messages;
}

sub pump {
    my ($self, $timeout) = @_;
    my @socks = map { $_->{sock} } values %{ $self->{conns} };
    push @socks, $self->{listener} if $self->{listener};
    return unless @socks;
    my @ready = IO::Select->new(@socks)->can_read($timeout);
    for my $s (@ready) {
        if ($self->{listener} && $s == $self->{listener}) {
            my $c = $self->{listener}->accept or next;
            $c->blocking(0);
            my $id = $self->{next}++;
            $self->{conns}{$id} = { sock => $c, buf => '' };
            $self->send($id, { type => 'hello', worker => $self->{id},
                               protocol => 1, version => 'test', pid => $$,
                               max_frame => 1048576,
                               %{ $self->{live} || {} } });
            next;
        }
        my ($id) = grep { $self->{conns}{$_}{sock} == $s } keys %{ $self->{conns} };
        next unless defined $id;
        my $c = $self->{conns}{$id};
        my $n = sysread $s, my $chunk, 65536;
        if (!$n) {
            next if !defined $n && $!{EAGAIN};
            close $s;
            delete $self->{conns}{$id};
            next;
        }
        $c->{buf} .= $chunk;
        while (length $c->{buf} >= 4) {
            my $len = unpack 'N', $c->{buf};
            last if length $c->{buf} < 4 + $len;
            my $msg = $JSON->decode(substr $c->{buf}, 4, $len);
            substr($c->{buf}, 0, 4 + $len) = '';
            if ($msg->{type} eq 'ping') {
                $self->send($id, { type => 'pong', id => $msg->{id},
                                   %{ $self->{live} || {} } });
                next;
            }
            push @{ $self->{messages} }, { conn => $id, msg => $msg };
            $self->{answer}->($self, $id, $msg) if $self->{answer};
        }
    }
}

sub wait_for {
    my ($self, $cond, $secs) = @_;
    my $end = time + ($secs // 5);
    while (time < $end) {
        return 1 if $cond->();
        SFUTest::WS::idle(0.02);
    }
    return $cond->() ? 1 : 0;
}

1;
