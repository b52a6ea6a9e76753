package SFUTurn::Client;

# A small TURN client (RFC 5389 / RFC 5766 / RFC 6156, RFC 6062's framing
# over TCP and TLS), for tests that need control turnutils_uclient does
# not give: when each request is sent, with which credential, what exactly
# the server answered, and what exactly came back through a channel.
#
#   my $c = SFUTurn::Client->new(server => '127.0.0.1', port => 3478,
#                                transport => 'udp',   # or 'tcp', 'tls'
#                                username => $u, password => $p);
#   $c->binding->{ok}                  # STUN Binding, unsigned
#   my $r = $c->allocate(lifetime => 600, family => 'ipv6');
#   $r->{ok}, $r->{code}, $r->{reason}, $r->{lifetime}, $r->{relayed}
#   $c->refresh(lifetime => 600);  $c->refresh(lifetime => 0);
#   $c->create_permission('::ffff:127.0.0.1');
#   $c->channel_bind(0x4000, '127.0.0.2', 3480);
#   $c->send_channel(0x4000, $bytes);
#   my ($channel, $bytes) = $c->recv_channel($secs);   # () on timeout
#
# Every request is signed the long-term way: MESSAGE-INTEGRITY is
# HMAC-SHA1 keyed with MD5(username:realm:password), with the REALM and
# NONCE of the server's last challenge. The first request goes out unsigned
# to get that challenge (401); a 438 (stale nonce) takes the new nonce and
# is retried once, as any client does. Any other error is returned as is.
# Each result is a hash: ok (1 for a success response), code and reason (of
# an error response), lifetime (LIFETIME), relayed ("ip port" of
# XOR-RELAYED-ADDRESS).
#
# Over TCP and TLS the messages are a stream: each is framed by its own
# length (a STUN header's, or ChannelData's, padded to 4 bytes), however
# the server's writes or TLS records happen to split or join them
# (turnutils_uclient takes each TLS read for one message, and loses the
# second of two echoes that arrive in one record).

use strict;
use warnings;
use Digest::MD5 qw(md5);
use Digest::SHA qw(hmac_sha1);
use IO::Select;
use IO::Socket::INET;
use IO::Socket::SSL;
use Socket qw(AF_INET AF_INET6 inet_pton inet_ntop);
use Time::HiRes qw(time);

use constant {
    MAGIC => 0x2112A442,

    BINDING           => 0x001,
    ALLOCATE          => 0x003,
    REFRESH           => 0x004,
    CREATE_PERMISSION => 0x008,
    CHANNEL_BIND      => 0x009,

    ATTR_USERNAME            => 0x0006,
    ATTR_MESSAGE_INTEGRITY   => 0x0008,
    ATTR_ERROR_CODE          => 0x0009,
    ATTR_CHANNEL_NUMBER      => 0x000C,
    ATTR_LIFETIME            => 0x000D,
    ATTR_XOR_PEER_ADDRESS    => 0x0012,
    ATTR_REALM               => 0x0014,
    ATTR_NONCE               => 0x0015,
    ATTR_XOR_RELAYED_ADDRESS => 0x0016,
    ATTR_REQUESTED_FAMILY    => 0x0017,
    ATTR_REQUESTED_TRANSPORT => 0x0019,
};

sub new {
    my ($class, %o) = @_;
    my $transport = $o{transport} // 'udp';
    my %peer = (PeerAddr => $o{server} // '127.0.0.1', PeerPort => $o{port});
    my $sock = $transport eq 'udp'
        ? IO::Socket::INET->new(Proto => 'udp', LocalAddr => '127.0.0.1', %peer)
        : $transport eq 'tcp'
        ? IO::Socket::INET->new(Proto => 'tcp', Timeout => 5, %peer)
        : $transport eq 'tls'
        ? IO::Socket::SSL->new(%peer, Timeout => 5,
                               SSL_verify_mode => IO::Socket::SSL::SSL_VERIFY_NONE())
        : die "SFUTurn::Client: unknown transport $transport\n";
    die "SFUTurn::Client: $transport connect: " . ($IO::Socket::SSL::SSL_ERROR || $!) . "\n"
        unless $sock;
    return bless {
        sock => $sock, stream => $transport ne 'udp', in => '',
        username => $o{username}, password => $o{password},
        timeout => $o{timeout} // 2, realm => undef, nonce => undef,
    }, $class;
}

sub binding {
    my ($self) = @_;
    return $self->_transact(BINDING);
}

sub allocate {
    my ($self, %o) = @_;
    my @attrs = ([ATTR_REQUESTED_TRANSPORT, pack('C x3', 17)]);
    push @attrs, [ATTR_LIFETIME, pack('N', $o{lifetime})] if defined $o{lifetime};
    push @attrs, [ATTR_REQUESTED_FAMILY, pack('C x3', $o{family} eq 'ipv6' ? 2 : 1)]
        if $o{family};
    return $self->request(ALLOCATE, @attrs);
}

sub refresh {
    my ($self, %o) = @_;
    return $self->request(REFRESH,
        defined $o{lifetime} ? ([ATTR_LIFETIME, pack('N', $o{lifetime})]) : ());
}

sub create_permission {
    my ($self, $ip) = @_;
    return $self->request(CREATE_PERMISSION, [ATTR_XOR_PEER_ADDRESS, undef, $ip, 0]);
}

sub channel_bind {
    my ($self, $channel, $ip, $port) = @_;
    return $self->request(CHANNEL_BIND,
        [ATTR_CHANNEL_NUMBER, pack('n x2', $channel)],
        [ATTR_XOR_PEER_ADDRESS, undef, $ip, $port]);
}

# Sends one request (signed once a challenge has been seen) and returns the
# decoded answer; handles the first 401 and a 438 as described above.
sub request {
    my ($self, $method, @attrs) = @_;
    my $r;
    for my $try (1 .. 3) {
        $r = $self->_transact($method, @attrs);
        last if $r->{ok};
        my $challenge = ($r->{code} == 401 && !defined $self->{nonce})
            || $r->{code} == 438;
        last unless $challenge && defined $r->{nonce_attr};
        $self->{realm} = $r->{realm_attr} if defined $r->{realm_attr};
        $self->{nonce} = $r->{nonce_attr};
    }
    return $r;
}

sub _transact {
    my ($self, $method, @attrs) = @_;
    my $tid = join '', map { chr int rand 256 } 1 .. 12;
    my $msg = $self->_encode($method, $tid, @attrs);
    # a reliable transport is not retransmitted on (RFC 5389 7.2.2)
    for my $attempt (1 .. ($self->{stream} ? 1 : 3)) {
        $self->_send($msg);
        my $deadline = time + $self->{timeout} * ($self->{stream} ? 3 : 1);
        while (defined(my $buf = $self->_recv($deadline))) {
            next unless length($buf) >= 20 && substr($buf, 8, 12) eq $tid;
            return _decode($buf, $tid);
        }
    }
    die sprintf "SFUTurn::Client: no answer to method 0x%03x\n", $method;
}

# ChannelData (RFC 5766 11.4): padded to 4 bytes over a stream only
sub send_channel {
    my ($self, $channel, $data) = @_;
    my $pad = $self->{stream} ? (4 - length($data) % 4) % 4 : 0;
    $self->_send(pack('n n', $channel, length $data) . $data . ("\0" x $pad));
}

sub recv_channel {
    my ($self, $secs) = @_;
    my $deadline = time + $secs;
    while (defined(my $buf = $self->_recv($deadline))) {
        next unless (ord($buf) >> 6) == 1;
        my ($channel, $len) = unpack('n n', $buf);
        return ($channel, substr($buf, 4, $len));
    }
    return ();
}

sub _send {
    my ($self, $bytes) = @_;
    if ($self->{stream}) {
        while (length $bytes) {
            my $n = syswrite($self->{sock}, $bytes);
            die "SFUTurn::Client: write: $!\n" unless defined $n && $n > 0;
            substr($bytes, 0, $n, '');
        }
    } else {
        $self->{sock}->send($bytes) or die "SFUTurn::Client: send: $!\n";
    }
}

# The next message (a datagram, or one framed off the stream) received by
# $deadline; undef when none came.
sub _recv {
    my ($self, $deadline) = @_;
    my $sel = IO::Select->new($self->{sock});
    while (1) {
        if ($self->{stream}) {
            my $n = _frame_length($self->{in});
            return substr($self->{in}, 0, $n, '') if $n && length($self->{in}) >= $n;
        }
        # bytes TLS has decrypted already are not seen by select()
        my $pending = $self->{sock}->can('pending') && $self->{sock}->pending;
        unless ($pending) {
            my $left = $deadline - time;
            return undef unless $left > 0 && $sel->can_read($left);
        }
        my $buf;
        if ($self->{stream}) {
            my $n = sysread($self->{sock}, $buf, 65536);
            next if !defined $n && $self->{sock}->isa('IO::Socket::SSL')
                 && $IO::Socket::SSL::SSL_ERROR == IO::Socket::SSL::SSL_WANT_READ();
            die "SFUTurn::Client: the server closed the connection\n" unless $n;
            $self->{in} .= $buf;
        } else {
            $self->{sock}->recv($buf, 65535);
            return $buf;
        }
    }
}

# The length of the message at the start of a stream: a STUN message's
# header and attributes, or ChannelData's header, data and padding.
sub _frame_length {
    my ($in) = @_;
    return 0 if length($in) < 4;
    my ($first, $len) = unpack('n n', $in);
    return ($first >> 14) == 1 ? 4 + $len + (4 - $len % 4) % 4 : 20 + $len;
}

sub _attr {
    my ($type, $value) = @_;
    my $pad = (4 - length($value) % 4) % 4;
    return pack('n n', $type, length $value) . $value . ("\0" x $pad);
}

sub _xor_address {
    my ($ip, $port, $tid) = @_;
    my ($family, $raw) = $ip =~ /:/ ? (2, inet_pton(AF_INET6, $ip)) : (1, inet_pton(AF_INET, $ip));
    die "SFUTurn::Client: bad address $ip\n" unless defined $raw;
    my $mask = pack('N', MAGIC) . ($family == 2 ? $tid : '');
    return pack('x C n', $family, $port ^ (MAGIC >> 16)) . ($raw ^ $mask);
}

sub _encode {
    my ($self, $method, $tid, @attrs) = @_;
    my $body = '';
    for my $a (@attrs) {
        my ($type, $value, $ip, $port) = @$a;
        $value = _xor_address($ip, $port, $tid) if $type == ATTR_XOR_PEER_ADDRESS;
        $body .= _attr($type, $value);
    }
    if (defined $self->{nonce}) {
        $body .= _attr(ATTR_USERNAME, $self->{username})
              .  _attr(ATTR_REALM, $self->{realm})
              .  _attr(ATTR_NONCE, $self->{nonce});
        # The length in the header covers MESSAGE-INTEGRITY (24 bytes) when
        # the HMAC is computed over everything before it.
        my $key = md5(join ':', $self->{username}, $self->{realm}, $self->{password});
        my $head = pack('n n N', $method, length($body) + 24, MAGIC) . $tid;
        $body .= _attr(ATTR_MESSAGE_INTEGRITY, hmac_sha1($head . $body, $key));
    }
    return pack('n n N', $method, length $body, MAGIC) . $tid . $body;
}

sub _decode {
    my ($buf, $tid) = @_;
    my ($type, $len) = unpack('n n', $buf);
    my $class = (($type >> 7) & 2) | (($type >> 4) & 1);
    my %r = (ok => $class == 2 ? 1 : 0, code => 0, reason => '', type => $type);
    my $off = 20;
    while ($off + 4 <= 20 + $len) {
        my ($at, $al) = unpack('n n', substr($buf, $off, 4));
        my $v = substr($buf, $off + 4, $al);
        if ($at == ATTR_ERROR_CODE) {
            my ($cls, $num) = unpack('x2 C C', $v);
            $r{code} = ($cls & 7) * 100 + $num;
            ($r{reason} = substr($v, 4)) =~ s/\0+\z//;
        } elsif ($at == ATTR_REALM) {
            $r{realm_attr} = $v;
        } elsif ($at == ATTR_NONCE) {
            $r{nonce_attr} = $v;
        } elsif ($at == ATTR_LIFETIME) {
            $r{lifetime} = unpack('N', $v);
        } elsif ($at == ATTR_XOR_RELAYED_ADDRESS) {
            my ($fam, $xport) = unpack('x C n', $v);
            my $mask = pack('N', MAGIC) . ($fam == 2 ? $tid : '');
            my $raw = substr($v, 4) ^ $mask;
            $r{relayed} = inet_ntop($fam == 2 ? AF_INET6 : AF_INET, $raw)
                . ' ' . ($xport ^ (MAGIC >> 16));
        }
        $off += 4 + $al + (4 - $al % 4) % 4;
    }
    return \%r;
}

1;
