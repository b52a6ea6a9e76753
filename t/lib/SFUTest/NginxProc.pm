package SFUTest::NginxProc;

# Process management for a private nginx under a server root: the one code
# path used both by the compat Test::Nginx runner (t/compat) and by plain Perl
# tests (SFUTest::HTTP).  Independent of Test::Nginx, so it also works when the
# upstream Test::Nginx is installed.
#
# nginx runs in the foreground (daemon off) as a child of the test, in its own
# process group, with stdout/stderr captured in logs/stderr.log.

use strict;
use warnings;

use POSIX qw(WNOHANG);
use IO::Socket::INET;
use IO::Socket::UNIX;
use File::Path qw(make_path remove_tree);
use Time::HiRes qw(sleep time);

our @EXPORT_OK = qw(free_port);
use Exporter 'import';

sub binary { $ENV{TEST_NGINX_BINARY} || 'nginx' }

# A port nobody listens on right now (the kernel picks it).
sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 1, ReuseAddr => 1)
        or die "free_port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

# True when nothing on $addr holds any of the $n ports from $first, UDP
# or TCP (an SFU worker's shared port takes both).
sub ports_free {
    my ($addr, $first, $n) = @_;
    for my $port ($first .. $first + $n - 1) {
        return 0 if $port > 65535;
        for my $proto (qw(udp tcp)) {
            IO::Socket::INET->new(LocalAddr => $addr, LocalPort => $port, Proto => $proto)
                or return 0;
        }
    }
    return 1;
}

# The first of $n consecutive ports free on 127.0.0.1 for UDP and TCP.
sub free_ports {
    my ($n) = @_;
    for (1 .. 100) {
        my $first = free_port();
        return $first if ports_free('127.0.0.1', $first, $n);
    }
    die "free_ports: found no $n consecutive free ports\n";
}

sub port_open {
    my ($addr, $port, $tmo) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => $addr, PeerPort => $port,
                                  Proto => 'tcp', Timeout => $tmo // 0.3);
    return 0 unless $s;
    close $s;
    return 1;
}

# Wipe what a previous run left (only the directories nginx owns, so a
# mis-set servroot cannot cost user data) and recreate the layout.
sub setup_servroot {
    my ($root, %o) = @_;
    if (-d $root) {
        remove_tree("$root/conf", glob("$root/*_temp"), glob("$root/*_cache"));
        remove_tree("$root/logs", "$root/html") unless $o{keep_logs};
    }
    make_path("$root/conf", "$root/logs", "$root/html");
    my $index = "$root/html/index.html";
    unless (-e $index) {
        open my $fh, '>', $index or die "$index: $!";
        print $fh '<html><head><title>It works!</title></head>'
                . '<body>It works!</body></html>';
        close $fh;
    }
}

# The nginx.conf shape of openresty's Test::Nginx, plus temp paths inside the
# server root (Debian's nginx has them compiled to /var/lib/nginx).
sub render_conf {
    my (%o) = @_;
    my $root = $o{root};
    my $port = $o{port} // 1984;
    my $addr = $o{addr} // '127.0.0.1';
    my $listen = $port =~ /^\d+$/ ? "$addr:$port" : $port;
    my $main = '';
    for my $m (@{ $o{load_modules} || [] }) {
        $main .= "load_module $m;\n";
    }
    my $workers = $o{workers} // 1;
    my $master = $o{master} // 'off';
    my $log_level = $o{log_level} // 'debug';
    my $env = join '', map { my $v = $_; $v = "'$v'" if $v =~ /\s/; "env $v;\n" }
                        @{ $o{env} || [] };
    my $server_name = $o{server_name} // 'localhost';
    (my $qsn = $server_name) =~ s/(['\\])/\\$1/g;
    my $root_loc = $o{no_root_location} ? '' : <<"_EOC_";
        location / {
            root $root/html;
            index index.html index.htm;
        }
_EOC_
    my $user = $> == 0 ? "user root;\n" : '';
    my $temps = join '', map { "    ${_}_temp_path $root/${_}_temp;\n" }
                         qw(client_body proxy fastcgi uwsgi scgi);

    return <<"_EOC_";
${main}worker_processes  $workers;
daemon off;
master_process $master;
error_log $root/logs/error.log $log_level;
pid       $root/logs/nginx.pid;
lock_file $root/logs/nginx.lock;
$env
@{[ $o{main_config} // '' ]}

http {
    access_log $root/logs/access.log;

    default_type text/plain;
    keepalive_timeout  68;
    server_tokens off;
$temps
@{[ $o{http_config} // '' ]}

    server {
        listen          $listen;
        server_name     '$qsn';

        client_max_body_size 30M;

        # Begin preamble config...
@{[ $o{preamble} // '' ]}
        # End preamble config...

        # Begin test case config...
@{[ $o{config} // '' ]}
        # End test case config.

$root_loc    }
@{[ $o{extra_http} // '' ]}
}

@{[ $o{post_main_config} // '' ]}

events {
    accept_mutex off;
    worker_connections  @{[ $o{worker_connections} // 64 ]};
}
$user
_EOC_
}

sub write_file {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    binmode $fh;
    print $fh $text;
    close $fh or die "$path: $!";
}

sub slurp {
    my ($path, $offset) = @_;
    open my $fh, '<', $path or return '';
    binmode $fh;
    seek $fh, $offset, 0 if $offset;
    local $/;
    my $d = <$fh>;
    close $fh;
    return $d // '';
}

sub is_running {
    my $pid = shift;
    return 0 unless $pid;
    return 0 if waitpid($pid, WNOHANG) == $pid;   # our child, now reaped
    return kill(0, $pid) ? 1 : 0;
}

# Kill an nginx left running by an earlier (interrupted) run of this servroot.
sub kill_stale {
    my ($root) = @_;
    my $pidfile = "$root/logs/nginx.pid";
    return unless -f $pidfile;
    my $pid = slurp($pidfile);
    $pid =~ s/\s+//g;
    return unless $pid =~ /^\d+$/ && kill(0, $pid);
    my $cmd = slurp("/proc/$pid/cmdline");
    return unless $cmd =~ /nginx/ && $cmd =~ /\Q$root\E/;
    stop($pid, 3);
}

# Start nginx for $o{root}; returns (pid, undef) or (undef, error text).
sub start {
    my (%o) = @_;
    my $root = $o{root};
    my ($pid, $status, $err) = launch(%o);
    return ($pid, undef) if $pid;
    return (undef, $err) if defined $err;
    my $why = $status & 127 ? "signal " . ($status & 127) : "status " . ($status >> 8);
    return (undef, "nginx exited at start-up ($why): "
        . slurp("$root/logs/stderr.log")
        . join('', grep /\[(emerg|alert|crit)\]/,
                split /^/, slurp("$root/logs/error.log")));
}

# Start nginx for $o{root} and see what becomes of it: (pid) once it
# listens, (undef, wait status) when it exits first, (undef, undef, error
# text) when it cannot be started or neither happens in time.
sub launch {
    my (%o) = @_;
    my $root = $o{root};
    my ($addr, $port) = ($o{addr} // '127.0.0.1', $o{port});
    kill_stale($root);
    if (defined $port && $port =~ /^\d+$/ && port_open($addr, $port, 0.2)) {
        return (undef, undef, "port $addr:$port is already in use by another process");
    }
    my @cmd = (binary(), '-p', "$root/", '-c', "$root/conf/nginx.conf",
               '-e', "$root/logs/error.log");
    if ($o{valgrind}) {
        my $opts = $o{valgrind} =~ /^-/ ? $o{valgrind} : '';
        unshift @cmd, 'valgrind', '-q', '--num-callers=50',
            '--leak-check=full', "--log-file=$root/logs/valgrind.log",
            split(' ', $opts);
    }
    my $pid = fork // return (undef, undef, "fork: $!");
    if (!$pid) {
        setpgrp(0, 0);
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$root/logs/stderr.log";
        open STDERR, '>&', \*STDOUT;
        exec @cmd or POSIX::_exit(127);
    }
    my $deadline = time + ($o{start_timeout} // ($o{valgrind} ? 60 : 10));
    while (time < $deadline) {
        return (undef, $?) if waitpid($pid, WNOHANG) == $pid;
        if (!defined $port) {
            return ($pid) if -s "$root/logs/nginx.pid";
        } elsif ($port =~ /^\d+$/) {
            return ($pid) if port_open($addr, $port, 0.2);
        } elsif (-S $port) {
            return ($pid);
        }
        sleep 0.01;
    }
    stop($pid, 1);
    return (undef, undef, "nginx did not start listening within the time limit");
}

# Stop an nginx (and its workers): TERM, then KILL to the process group.
sub stop {
    my ($pid, $timeout) = @_;
    return unless $pid;
    kill TERM => $pid;
    my $deadline = time + ($timeout // 5);
    while (time < $deadline) {
        last if waitpid($pid, WNOHANG) == $pid || !kill(0, $pid);
        sleep 0.01;
    }
    if (kill 0, $pid) {
        warn "nginx $pid did not exit after SIGTERM; killing it\n";
        kill KILL => -$pid;
        kill KILL => $pid;
        waitpid($pid, 0);
    }
    kill KILL => -$pid;      # stray workers of a crashed master, if any
}

1;
