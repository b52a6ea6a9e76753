package SFUTest::HTTP;

# Helpers for plain Perl tests that need more than Test::Nginx blocks.
#
#   use SFUTest::HTTP;
#   my $ngx = SFUTest::HTTP->start_nginx(
#       http_config => 'sfu_pg "$TEST_NGINX_PG_CONNINFO";',   # $TEST_NGINX_* expanded
#       config      => 'location /api/ { sfu_api; }',          # inside server {}
#       main_config => '',            # optional; also workers => 2, master => 1
#   );                                # dies if nginx does not start
#   my $r = $ngx->request(POST => '/api/v1/rooms', json => {name => 'x'},
#                         headers => {Authorization => 'Bearer k'});
#   $r->{status}, $r->{headers}{'content-type'}, $r->{body}, $r->{json}
#   $ngx->error_log          # text logged since start (or since ->mark_log)
#   $ngx->url('/health'), $ngx->port, $ngx->root
#   $ngx->stop;              # also on destruction
#
#   SFUTest::HTTP::request(GET => "http://127.0.0.1:$port/x")   # any URL
#
# nginx is started by SFUTest::NginxProc, the code the compat Test::Nginx
# runner uses: same nginx.conf shape, TEST_NGINX_BINARY and
# TEST_NGINX_LOAD_MODULES honoured, server root t/servroot_http_<test>_<n>
# (n counts the instances this test file started).

use strict;
use warnings;

use File::Basename ();
use File::Spec;
use HTTP::Tiny;
use JSON::PP ();

use SFUTest::NginxProc;

our $JSON = JSON::PP->new->canonical->allow_nonref;
our $Count = 0;

sub expand_env {
    my ($text) = @_;
    return '' unless defined $text;
    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        defined $ENV{$1} ? $ENV{$1} : die "SFUTest::HTTP: environment $1 is not set\n"
    }ge;
    return $text;
}

sub start_nginx {
    my ($class, %o) = @_;
    my $port = $o{port} // SFUTest::NginxProc::free_port();
    (my $test = File::Basename::basename($0)) =~ s/\.t$//;
    $test =~ s/\W/_/g;
    my $root = $o{root} // File::Spec->rel2abs("t/servroot_http_${test}_" . $Count++);
    local $ENV{TEST_NGINX_SERVER_PORT} = $port;
    SFUTest::NginxProc::setup_servroot($root);
    SFUTest::NginxProc::write_file("$root/conf/nginx.conf",
        SFUTest::NginxProc::render_conf(
            root => $root,
            port => $port,
            addr => $o{addr},
            load_modules => [ split ' ', $ENV{TEST_NGINX_LOAD_MODULES} // '' ],
            workers => $o{workers} // 1,
            worker_connections => $o{worker_connections},
            master => ($o{master} || ($o{workers} // 1) > 1) ? 'on' : 'off',
            log_level => $o{log_level} // $ENV{TEST_NGINX_LOG_LEVEL} // 'debug',
            env => $o{env} || [],
            main_config => expand_env($o{main_config}),
            http_config => expand_env($o{http_config}),
            config => expand_env($o{config}),
        ));
    my ($pid, $err) = SFUTest::NginxProc::start(root => $root, port => $port,
        valgrind => $ENV{TEST_NGINX_USE_VALGRIND});
    die "SFUTest::HTTP: $err\n" if $err;
    return bless { pid => $pid, port => $port, root => $root, log_pos => 0 }, $class;
}

sub port { $_[0]{port} }
sub root { $_[0]{root} }
sub url { "http://127.0.0.1:$_[0]{port}" . ($_[1] // '/') }

sub request {
    my $self = ref $_[0] ? shift : undef;
    my ($method, $url, %o) = @_;
    $url = $self->url($url) if $self && $url =~ m{^/};
    my %headers = %{ $o{headers} || {} };
    my $body = $o{body};
    if (exists $o{json}) {
        $body = $JSON->encode($o{json});
        $headers{'Content-Type'} //= 'application/json';
    }
    my $http = HTTP::Tiny->new(timeout => $o{timeout} // 5, max_redirect => 0,
                               keep_alive => 0);
    my $res = $http->request($method, $url, {
        headers => \%headers, defined $body ? (content => $body) : () });
    my %r = (status => $res->{status}, headers => $res->{headers},
             body => $res->{content} // '');
    if (($res->{headers}{'content-type'} // '') =~ m{json}i) {
        $r{json} = eval { $JSON->decode($r{body}) };
    }
    return \%r;
}

sub mark_log { $_[0]{log_pos} = -s "$_[0]{root}/logs/error.log" // 0 }

sub error_log {
    my ($self) = @_;
    return SFUTest::NginxProc::slurp("$self->{root}/logs/error.log", $self->{log_pos});
}

sub stop {
    my ($self) = @_;
    SFUTest::NginxProc::stop(delete $self->{pid}) if $self->{pid};
}

sub DESTROY {
    local ($?, $@);
    $_[0]->stop;
}

1;
