package SFUTest::WS;

# A WebSocket client for the tests, able to send what a browser never would.
#
#   my $ws = SFUTest::WS->connect(port => $port, path => '/ws', tls => 0,
#                                 rcvbuf => 4096);   # optional
#   $ws->{status}, $ws->{headers}{'sec-websocket-accept'}   # the handshake
#   $ws->send_json({type => 'join', token => $t});
#   my $msg = $ws->recv_json(5);          # next text message, decoded
#   $ws->send_frame(opcode => 1, payload => 'x', fin => 0, mask => 0,
#                   rsv => 0x40, length_form => 16);      # anything goes
#   $ws->send_raw($bytes);
#   my $f = $ws->recv_frame(5);   # {opcode, fin, payload, code, reason}
#   my ($code, $reason) = $ws->wait_close(5);   # the server's close frame;
#                                 # answers it, then waits for TCP to close
#   $ws->closed_tcp(5)            # true once the server closed TCP
#
#   my ($status, $headers, $body) = SFUTest::WS::raw_request($port, $text)
#
# Server pings are answered automatically by recv_json/wait_close (set
# auto_pong => 0 to see them with recv_frame).  Every read has a timeout;
# on timeout the calls return undef.

use strict;
use warnings;

use IO::Socket::INET;
use IO::Select;
use Socket qw(SOL_SOCKET SO_RCVBUF pack_sockaddr_in inet_aton);
use Digest::SHA qw(sha1_base64);
use MIME::Base64 qw(encode_base64);
use JSON::PP ();
use Time::HiRes qw(time);

our $JSON = JSON::PP->new->utf8->canonical;

# work to do while a read waits (stand-in workers in this process)
our @Idle;

# runs the idle work for about $secs
sub idle {
    my ($secs) = @_;
    my $end = time + $secs;
    do {
        $_->() for @Idle;
        select undef, undef, undef, 0.005 if $secs > 0;
    } while (time < $end);
}

sub _socket {
    my (%o) = @_;
    my $sock;
    if ($o{tls}) {
        require IO::Socket::SSL;
        $sock = IO::Socket::SSL->new(
            PeerAddr => '127.0.0.1', PeerPort => $o{port},
            SSL_verify_mode => IO::Socket::SSL::SSL_VERIFY_NONE(),
            SSL_alpn_protocols => ['http/1.1'],
            Timeout => 5) or die "TLS connect: $IO::Socket::SSL::SSL_ERROR";
    } else {
        # a small receive buffer (set before connecting, so the window
        # stays small) lets a test make a client that does not read
        $sock = IO::Socket::INET->new(Proto => 'tcp') or die "socket: $!";
        setsockopt($sock, SOL_SOCKET, SO_RCVBUF, $o{rcvbuf}) or die "SO_RCVBUF: $!"
            if $o{rcvbuf};
        $sock->connect(pack_sockaddr_in($o{port}, inet_aton('127.0.0.1')))
            or die "connect: $!";
    }
    binmode $sock;
    $sock->autoflush(1);
    return $sock;
}

# reads from $sock into $$buf until $re matches or the time is up
sub _read_until {
    my ($self, $cond, $timeout) = @_;
    my $end = time + ($timeout // 5);
    while (!$cond->()) {
        return 0 if $self->{eof};
        my $left = $end - time;
        return 0 if $left <= 0;
        my $sock = $self->{sock};
        $_->() for @Idle;
        $left = 0.02 if @Idle && $left > 0.02;
        my $ready = ($sock->can('pending') && $sock->pending)
                    || IO::Select->new($sock)->can_read($left);
        next unless $ready;
        my $n = sysread($sock, my $chunk, 65536);
        if (!defined $n) {
            next if $!{EAGAIN} || $!{EWOULDBLOCK} || $!{EINTR};
            $self->{eof} = 1;
            $self->{reset} = 1;
            return 0;
        }
        if ($n == 0) {
            $self->{eof} = 1;
            return $cond->();
        }
        $self->{buf} .= $chunk;
    }
    return 1;
}

sub _parse_response {
    my ($text) = @_;
    my ($head, $body) = split /\r\n\r\n/, $text, 2;
    my ($status_line, @lines) = split /\r\n/, $head;
    my ($status) = $status_line =~ m{^HTTP/1\.[01] (\d+)};
    my %headers;
    for (@lines) {
        my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
        $headers{lc $k} = exists $headers{lc $k} ? "$headers{lc $k}, $v" : $v;
    }
    return ($status, \%headers, $body // '', $status_line);
}

# One raw request; the whole answer up to the server's close or 3 s.
sub raw_request {
    my ($port, $text, %o) = @_;
    my $self = bless { sock => _socket(port => $port, tls => $o{tls}),
                       buf => '' }, __PACKAGE__;
    syswrite $self->{sock}, $text;
    $self->_read_until(sub {
        return 0 unless $self->{buf} =~ /\r\n\r\n/;
        my ($len) = $self->{buf} =~ /\r\ncontent-length:\s*(\d+)/i;
        return defined $len
            && length($self->{buf}) - index($self->{buf}, "\r\n\r\n") - 4
               >= $len;
    }, $o{timeout} // 3);
    my ($status, $headers, $body, $line) = _parse_response($self->{buf});
    $body = substr $body, 0, $headers->{'content-length'}
        if defined $headers->{'content-length'};
    return ($status, $headers, $body, $line);
}

sub key { encode_base64(join('', map { chr int rand 256 } 1 .. 16), '') }

sub accept_for {
    my ($key) = @_;
    my $a = sha1_base64($key . '258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
    return $a . '=' x ((4 - length($a) % 4) % 4);
}

sub connect {
    my ($class, %o) = @_;
    my $key = $o{key} // key();
    my $self = bless { sock => _socket(%o), buf => '', auto_pong => 1,
                       key => $key, pongs => 0, pings => 0 }, $class;
    my $extra = join '', map { "$_: $o{headers}{$_}\r\n" }
                         sort keys %{ $o{headers} || {} };
    my $req = "GET " . ($o{path} // '/ws') . " HTTP/1.1\r\n"
            . "Host: 127.0.0.1:$o{port}\r\n"
            . "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            . "Sec-WebSocket-Key: $key\r\nSec-WebSocket-Version: 13\r\n"
            . $extra . "\r\n" . ($o{after_headers} // '');
    syswrite $self->{sock}, $req;
    $self->_read_until(sub { $self->{buf} =~ /\r\n\r\n/ }, 5)
        or die "no handshake answer";
    my $end = index($self->{buf}, "\r\n\r\n") + 4;
    my ($status, $headers, undef, $line) =
        _parse_response(substr($self->{buf}, 0, $end));
    substr($self->{buf}, 0, $end) = '';
    @$self{qw(status headers status_line)} = ($status, $headers, $line);
    return $self;
}

sub mask_key { join '', map { chr int rand 256 } 1 .. 4 }

# a client frame; every field can be made wrong
sub frame {
    my (%o) = @_;
    my $payload = $o{payload} // '';
    my $len = length $payload;
    my $b0 = (($o{fin} // 1) ? 0x80 : 0) | ($o{rsv} // 0) | ($o{opcode} // 1);
    my $mask = $o{mask} // 1;
    my $mbit = $mask ? 0x80 : 0;
    my $form = $o{length_form} // ($len < 126 ? 7 : $len <= 0xffff ? 16 : 64);
    my $head = chr($b0);
    if ($form == 7) {
        $head .= chr($mbit | $len);
    } elsif ($form == 16) {
        $head .= chr($mbit | 126) . pack('n', $len);
    } else {
        $head .= chr($mbit | 127) . pack('Q>', $o{claimed_length} // $len);
    }
    return $head . $payload unless $mask;
    my $key = $o{mask_key} // mask_key();
    my $masked = $payload ^ substr($key x (int($len / 4) + 1), 0, $len);
    return $head . $key . $masked;
}

sub send_raw { my ($self, $bytes) = @_; syswrite $self->{sock}, $bytes }
sub send_frame { my ($self, %o) = @_; $self->send_raw(frame(%o)) }

# $bytes as they are: UTF-8 or not, as the test wants
sub send_text {
    my ($self, $bytes) = @_;
    $self->send_frame(opcode => 1, payload => $bytes);
}

sub send_json { my ($self, $obj) = @_; $self->send_text($JSON->encode($obj)) }

sub send_close {
    my ($self, $code, $reason) = @_;
    $self->send_frame(opcode => 8, payload => defined $code
                      ? pack('n', $code) . ($reason // '') : '');
    $self->{close_sent} = 1;
}

# the next server frame, or undef
sub recv_frame {
    my ($self, $timeout) = @_;
    my $frame;
    my $parse = sub {
        my $b = $self->{buf};
        return 0 if length $b < 2;
        my ($b0, $b1) = unpack 'CC', $b;
        my $len = $b1 & 0x7f;
        my $off = 2;
        if ($len == 126) { return 0 if length $b < 4; $len = unpack 'n', substr($b, 2, 2); $off = 4 }
        elsif ($len == 127) { return 0 if length $b < 10; $len = unpack 'Q>', substr($b, 2, 8); $off = 10 }
        my $masked = $b1 & 0x80;
        $off += 4 if $masked;
        return 0 if length $b < $off + $len;
        $frame = { fin => $b0 >> 7, rsv => $b0 & 0x70, opcode => $b0 & 0x0f,
                   masked => $masked ? 1 : 0,
                   payload => substr($b, $off, $len) };
        substr($self->{buf}, 0, $off + $len) = '';
        if ($frame->{opcode} == 8 && length $frame->{payload} >= 2) {
            $frame->{code} = unpack 'n', $frame->{payload};
            $frame->{reason} = substr $frame->{payload}, 2;
        }
        return 1;
    };
    $self->_read_until($parse, $timeout) or return undef;
    return $frame;
}

# the next text message (pings answered on the way); undef on close or
# timeout, the close frame kept in $self->{close}
sub recv_text {
    my ($self, $timeout) = @_;
    my $end = time + ($timeout // 5);
    while (1) {
        my $f = $self->recv_frame($end - time) or return undef;
        if ($f->{opcode} == 9) {
            $self->{pings}++;
            $self->send_frame(opcode => 10, payload => $f->{payload})
                if $self->{auto_pong};
            next;
        }
        if ($f->{opcode} == 8) { $self->{close} = $f; return undef }
        return $f->{payload} if $f->{opcode} == 1;
    }
}

sub recv_json {
    my ($self, $timeout) = @_;
    my $text = $self->recv_text($timeout);
    return undef unless defined $text;
    return $JSON->decode($text);
}

# Waits for the server's close frame (skipping other frames), answers it
# unless we sent ours, then for the server to close TCP.  Returns (code,
# reason), code 1005 for an empty close, undef if none came.
sub wait_close {
    my ($self, $timeout) = @_;
    my $end = time + ($timeout // 5);
    my $f = $self->{close};
    while (!$f) {
        my $g = $self->recv_frame($end - time) or last;
        if ($g->{opcode} == 9 && $self->{auto_pong}) {
            $self->send_frame(opcode => 10, payload => $g->{payload});
        }
        $f = $g if $g->{opcode} == 8;
    }
    return undef unless $f;
    $self->{close} = $f;
    if (!$self->{close_sent}) {
        $self->send_frame(opcode => 8, payload => defined $f->{code}
                          ? pack('n', $f->{code}) : '');
        $self->{close_sent} = 1;
    }
    $self->closed_tcp($end - time);
    return ($f->{code} // 1005, $f->{reason} // '');
}

# true once the server has closed the connection (within the timeout)
sub closed_tcp {
    my ($self, $timeout) = @_;
    my $end = time + ($timeout // 5);
    while (!$self->{eof}) {
        my $left = $end - time;
        last if $left <= 0;
        $self->_read_until(sub { 0 }, $left);
        $self->{buf} = '';
    }
    return $self->{eof} ? 1 : 0;
}

sub close_socket { my ($self) = @_; close $self->{sock} }

1;
