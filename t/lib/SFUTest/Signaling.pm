package SFUTest::Signaling;

# What the signaling suites share: nginx with sfu_api, sfu_signaling and
# sfu_metrics on the test PostgreSQL (plain and, on request, TLS), rooms
# and joins through the REST API, PostgreSQL's view of a participant, and
# the /metrics gauges.
#
#   my $sig = SFUTest::Signaling->start(workers => ["$dir/w1.sock"],
#       nginx_workers => 2, master => 1, tls => 1,
#       ws => 'sfu_ws_ping_interval 1s;',
#       http => 'worker ...', main => 'worker_shutdown_timeout 1s;',
#       config => 'location = /ws2 { ... }');   # more locations
#   my $room = $sig->room;                        # a new room's id
#   my $j = $sig->join($room);                    # {token, participant_id ...}
#   my $ws = $sig->ws;                            # SFUTest::WS, handshaken
#   my $ws = $sig->ws(tls => 1);
#   my $c = $sig->client($room, tls => 1);        # {ws, id, join}: joining
#   $sig->state($participant)                     # 'connected', 'left' ...
#   $sig->metric('sfu_signaling_connections')     # a number
#   $sig->workers_up                              # /health: all links up
#   SFUTest::Signaling::jwt(claims => {room => $r, sub => $p}, key => ..)
#   $sig->{ngx}                                   # SFUTest::HTTP

use strict;
use warnings;

use File::Temp qw(tempdir);
use Time::HiRes qw(time);
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64);
use JSON::PP ();

use SFUTest::Services;
use SFUTest::HTTP;
use SFUTest::NginxProc;
use SFUTest::WS;

our $KEY = '0123456789abcdef0123';
our $TOKEN_SECRET = '0123456789abcdef0123456789abcdef';

# a self-signed certificate, made once per test process
my $Cert;

sub certificate {
    return @$Cert if $Cert;
    my $dir = tempdir(CLEANUP => 1);
    my $err = qx{openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost -keyout $dir/key.pem -out $dir/cert.pem 2>&1};
    $? == 0 or die "openssl req failed:\n$err";
    $Cert = ["$dir/cert.pem", "$dir/key.pem"];
    return @$Cert;
}

sub start {
    my ($class, %o) = @_;
    my $locations = <<"CONF";
        location /api/ { sfu_api; }
        location = /metrics { sfu_metrics; }
        location = /health { sfu_health; }
        location = /ws {
            sfu_signaling;
            @{[ $o{ws} // '' ]}
        }
@{[ $o{config} // '' ]}
CONF
    my $workers = join '', map { "sfu_worker unix:$_;\n" } @{ $o{workers} || [] };
    my $http = qq{
        sfu_postgres "\$TEST_NGINX_PG_CONNINFO";
        sfu_api_key $KEY ops;
        sfu_token_secret $TOKEN_SECRET;
        sfu_turn_secret turn-secret;
        sfu_stun_uri stun:127.0.0.1:3478;
        sfu_turn_uri turn:127.0.0.1:3478?transport=udp;
        sfu_password_iterations 1000;
        $workers
        @{[ $o{http} // '' ]}
    };
    my $tls_port;
    if ($o{tls}) {
        my ($crt, $key) = certificate();
        $tls_port = SFUTest::NginxProc::free_port();
        $http .= qq{
        server {
            listen 127.0.0.1:$tls_port ssl;
            ssl_certificate $crt;
            ssl_certificate_key $key;
$locations
        }
        };
    }
    my $ngx = SFUTest::HTTP->start_nginx(
        workers => $o{nginx_workers} // 1,
        master => $o{master},
        log_level => $o{log_level} // 'info',
        main_config => $o{main} // '',
        http_config => $http,
        config => $locations);
    my $self = bless { ngx => $ngx, port => $ngx->port, tls_port => $tls_port },
                     $class;

    # the schema is in place once a connection says so (slow under valgrind)
    my $end = time + 30;
    until (($self->request(GET => '/health')->{json}{postgres}{status} // '') eq 'up') {
        die "PostgreSQL is not up for nginx\n" if time > $end;
        SFUTest::WS::idle(0.05);
    }

    return $self;
}

sub request { my $self = shift; $self->{ngx}->request(@_) }

sub room {
    my ($self, %o) = @_;
    my $r = $self->request(POST => '/api/v1/rooms',
        headers => { Authorization => "Bearer $KEY" },
        json => { name => 'signaling test', max_participants => 10, %o });
    $r->{status} == 201 or die "room: $r->{status} $r->{body}";
    return $r->{json}{id};
}

sub join {
    my ($self, $room, %o) = @_;
    my $r = $self->request(POST => "/api/v1/rooms/$room/join",
        json => { name => $o{name} // 'Ada' },
        $o{host} ? (headers => { Authorization => "Bearer $KEY" }) : ());
    $r->{status} == 200 or die "join: $r->{status} $r->{body}";
    return $r->{json};
}

sub ws {
    my ($self, %o) = @_;
    my $port = $o{tls} ? $self->{tls_port} : $self->{port};
    return SFUTest::WS->connect(port => $port, %o);
}

# joins $room through the API and sends the join over a new WebSocket:
# {ws, id (the participant), join (the API's answer)}
sub client {
    my ($self, $room, %o) = @_;
    my $j = $self->join($room, %o);
    my $ws = $self->ws(%o);
    $ws->send_json({ type => 'join', token => $j->{token} });
    return { ws => $ws, id => $j->{participant_id}, join => $j };
}

# PostgreSQL's record: (state, left_reason)
sub state {
    my ($self, $participant) = @_;
    my ($row) = SFUTest::Services::psql(
        "SELECT state, coalesce(left_reason, '') FROM sfu_participants"
        . " WHERE id = '$participant'");
    return wantarray ? @{ $row || [] } : ($row || [])->[0];
}

sub metric {
    my ($self, $name) = @_;
    my $r = $self->request(GET => '/metrics');
    my ($v) = $r->{body} =~ /^\Q$name\E (-?\d+)$/m;
    return $v;
}

# whether every SFU worker link of the process answering is up
sub workers_up {
    my ($self) = @_;
    my $w = $self->request(GET => '/health')->{json}{workers} || [];
    return @$w && !grep { $_->{status} ne 'up' } @$w;
}

# a join token signed with the test secret (or $o{key}), claims overridable
sub jwt {
    my (%o) = @_;
    my $enc = sub {
        (my $s = encode_base64(shift, '')) =~ tr{+/}{-_};
        $s =~ s/=+$//;
        return $s;
    };
    my $head = $enc->('{"alg":"HS256","typ":"JWT"}');
    my %claims = (room => 'r1', sub => 'p1', role => 'participant',
                  name => 'Ada', iat => int(time), exp => int(time) + 600,
                  %{ $o{claims} || {} });
    my $body = $enc->(JSON::PP->new->canonical->encode(\%claims));
    my $sig = $enc->(hmac_sha256("$head.$body", $o{key} // $TOKEN_SECRET));
    return "$head.$body.$sig";
}

sub error_log { $_[0]{ngx}->error_log }

sub stop { $_[0]{ngx}->stop }

1;
