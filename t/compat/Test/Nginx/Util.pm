package Test::Nginx::Util;

# Compatible subset of openresty's Test::Nginx::Util (settings, server root,
# nginx life cycle, error log, TCP mock servers).  Loaded only when the
# upstream Test::Nginx is not installed (t/bin/run-tests adds -I t/compat).

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Spec;
use File::Path ();
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);
use IO::Select;
use IO::Socket::INET;
use IO::Socket::UNIX;
use Test::More ();

use lib dirname(abs_path(__FILE__)) . '/../../../lib';   # t/lib
use SFUTest::NginxProc;

use Exporter 'import';

our $ServerAddr = '127.0.0.1';
our $ServerPort = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT} || 1984;
our $Randomize = $ENV{TEST_NGINX_RANDOMIZE};
if ($Randomize) {
    $ServerPort = SFUTest::NginxProc::free_port();
}
our $ServerPortForClient = $ENV{TEST_NGINX_CLIENT_PORT} || $ServerPort;
our $ServerName = 'localhost';
our $NginxBinary = $ENV{TEST_NGINX_BINARY} || 'nginx';
our $LoadModules = $ENV{TEST_NGINX_LOAD_MODULES};
our $UseValgrind = $ENV{TEST_NGINX_USE_VALGRIND};
our $UseHup = $ENV{TEST_NGINX_USE_HUP};
our $CheckLeak = $ENV{TEST_NGINX_CHECK_LEAK};
our $NoClean = $ENV{TEST_NGINX_NO_CLEAN};
our $LogLevel = $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
our $Timeout = $ENV{TEST_NGINX_TIMEOUT} || 3;
our $Workers = 1;
our $WorkerConnections = 64;
our $MasterProcessEnabled = 'off';
our $NoShuffle = 0;
our $NoRootLocation = 0;
our $NoLongString = 0;
our $RepeatEach = 1;
our $ConfigPreamble = '';
our $CheckAccumErrLog = 0;
our @EnvToNginx;
our @BlockPreprocessors;
our @CleanupHandlers;

our $ServRoot;
if ($Randomize) {
    $ServRoot = File::Spec->rel2abs("t/servroot_$ServerPort");
} else {
    $ServRoot = $ENV{TEST_NGINX_SERVROOT} || File::Spec->rel2abs('t/servroot');
}
our $LogDir     = "$ServRoot/logs";
our $ErrLogFile = "$LogDir/error.log";
our $AccLogFile = "$LogDir/access.log";
our $HtmlDir    = "$ServRoot/html";
our $ConfDir    = "$ServRoot/conf";
our $ConfFile   = "$ConfDir/nginx.conf";
our $PidFile    = "$LogDir/nginx.pid";

$ENV{TEST_NGINX_SERVER_ROOT} = $ServRoot;
$ENV{TEST_NGINX_SERVER_PORT} //= $ServerPort;
$ENV{TEST_NGINX_HTML_DIR} = $HtmlDir;

our $NginxPid;        # the running nginx (our child)
our $ErrLogFilePos = 0;
our $ConfigVersion;   # TEST_NGINX_USE_HUP: proves which config is live

if ($CheckLeak) {
    Test::More::diag("TEST_NGINX_CHECK_LEAK is not supported by the compat "
                     . "Test::Nginx runner; running the tests normally");
    undef $CheckLeak;
}
if ($UseValgrind) {
    $MasterProcessEnabled = 'off';
}

our @EXPORT = qw(
    $ServerAddr $ServerPort $ServerPortForClient $ServerName $ServRoot
    $HtmlDir $LogDir $ErrLogFile $AccLogFile $ConfFile $PidFile
    $NoLongString $RepeatEach $Timeout $UseHup $UseValgrind $NginxBinary
    repeat_each worker_connections workers master_on master_off
    master_process_enabled log_level no_shuffle no_root_location
    no_long_string config_preamble env_to_nginx add_block_preprocessor
    server_name server_addr server_root html_dir server_port
    server_port_for_client timeout bail_out add_cleanup_handler
    check_accum_error_log error_log_data access_log_data use_hup
    sec     parse_time get_nginx_version is_running expand_env_in_text
);

sub repeat_each { $RepeatEach = shift if @_; $RepeatEach }
sub worker_connections { $WorkerConnections = shift if @_; $WorkerConnections }
sub workers { $Workers = shift if @_; $Workers }
sub log_level { $LogLevel = shift if @_; $LogLevel }
sub master_on { $MasterProcessEnabled = 'on' }
sub master_off { $MasterProcessEnabled = 'off' }
sub master_process_enabled {
    $MasterProcessEnabled = shift() ? 'on' : 'off' if @_;
    $MasterProcessEnabled;
}
sub no_shuffle { $NoShuffle = 1 }
sub no_root_location { $NoRootLocation = 1 }
sub no_long_string { $NoLongString = 1 }
sub config_preamble { $ConfigPreamble = shift }
sub env_to_nginx { push @EnvToNginx, @_ }
sub add_block_preprocessor(&) { unshift @BlockPreprocessors, shift }
sub add_cleanup_handler { unshift @CleanupHandlers, shift }
sub check_accum_error_log { $CheckAccumErrLog = 1 }
sub use_hup { $UseHup = 1 }
sub server_name { $ServerName = shift if @_; $ServerName }
sub server_addr { $ServerAddr = shift if @_; $ServerAddr }
sub server_root { $ServRoot }
sub html_dir { $HtmlDir }
sub server_port { $ServerPort = shift if @_; $ServerPort }
sub server_port_for_client {
    $ServerPortForClient = shift if @_;
    $ServerPortForClient;
}
sub timeout { $Timeout = shift if @_; $Timeout }

# The value of a section (undef when absent).  Test::Base accessors return
# an empty list for absent sections, which shifts argument lists.
sub sec {
    my ($block, $section) = @_;
    return scalar $block->$section;
}

sub parse_time {
    my $t = shift;
    return undef unless defined $t;
    $t =~ s/^\s+|\s+$//g;
    return $1 / 1000 if $t =~ /^([\d.]+)ms$/;
    $t =~ s/s$//;
    return $t;
}

sub is_running { SFUTest::NginxProc::is_running(@_) }

sub get_nginx_version {
    my $out = `$NginxBinary -V 2>&1`;
    return $out =~ m{nginx/(\d+)\.(\d+)\.(\d+)}
        ? sprintf("%d.%03d%03d", $1, $2, $3) : undef;
}

sub cleanup {
    $_->() for @CleanupHandlers;
    stop_nginx() unless $NoClean;
}

sub bail_out {
    cleanup();
    Test::More::BAIL_OUT(join '', @_);
}

END {
    # Also runs after die/BAIL_OUT; keep the test's exit status.
    local $?;
    cleanup();
    # A randomized server root is per run: do not let them pile up.
    File::Path::remove_tree($ServRoot)
        if $Randomize && !$NoClean && $ServRoot =~ m{/t/servroot_\d+$};
}

# Any $TEST_NGINX_FOO in a section becomes the environment value, like
# upstream; $TEST_NGINX_RAND_PORT_N gets a free port, fixed for the block.
sub expand_env_in_text {
    my ($text, $name, $rand_ports) = @_;
    return undef unless defined $text;
    $rand_ports //= {};
    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        my $v = $1;
        if ($v =~ /^TEST_NGINX_RAND_PORT_\d+$/) {
            $rand_ports->{$v} //= SFUTest::NginxProc::free_port();
        } elsif (!defined $ENV{$v}) {
            bail_out("$name - No environment $v defined.\n");
        } else {
            $ENV{$v};
        }
    }ge;
    return $text;
}

sub load_modules {
    return [ grep { length } split ' ', ($LoadModules // '') ];
}

sub write_user_files {
    my ($block, $rand_ports) = @_;
    my $files = sec($block, "user_files");
    return unless defined $files;
    my @files;
    if (ref $files eq 'ARRAY') {
        @files = @$files;
    } else {
        my ($fname, $body);
        for my $line (split /^/, $files) {
            if ($line =~ /^>>> (\S+)/) {
                push @files, [$fname, $body] if defined $fname;
                ($fname, $body) = ($1, '');
            } else {
                $body .= $line;
            }
        }
        push @files, [$fname, $body] if defined $fname;
    }
    for my $f (@files) {
        my ($fname, $body) = @$f;
        my $path = $fname =~ m{^/} ? $fname : "$HtmlDir/$fname";
        File::Path::make_path(dirname($path));
        SFUTest::NginxProc::write_file($path,
            expand_env_in_text($body // '', $block->name, $rand_ports));
    }
}

sub gen_config {
    my ($block, $config, $rand_ports) = @_;
    my $name = $block->name;
    my $extra = '';
    if ($UseHup) {
        $extra = <<"_EOC_";
    server {
        listen          $ServerAddr:$ServerPort;
        server_name     'Test-Nginx';
        location = /ver {
            return 200 '$ConfigVersion';
        }
    }
_EOC_
    }
    return SFUTest::NginxProc::render_conf(
        root => $ServRoot,
        port => $ServerPort,
        addr => $ServerAddr,
        load_modules => load_modules(),
        workers => $Workers,
        master => $MasterProcessEnabled,
        log_level => sec($block, "log_level") // $LogLevel,
        env => \@EnvToNginx,
        main_config => expand_env_in_text(sec($block, "main_config"), $name, $rand_ports),
        post_main_config =>
            expand_env_in_text(sec($block, "post_main_config"), $name, $rand_ports),
        http_config => expand_env_in_text(sec($block, "http_config"), $name, $rand_ports),
        preamble => $ConfigPreamble,
        config => $config,
        server_name => sec($block, "server_name") // $ServerName,
        no_root_location => $NoRootLocation,
        worker_connections => $WorkerConnections,
        extra_http => $extra,
    );
}

sub stop_nginx {
    return unless $NginxPid;
    SFUTest::NginxProc::stop($NginxPid, $UseValgrind ? 30 : 5);
    undef $NginxPid;
    report_valgrind();
}

sub report_valgrind {
    return unless $UseValgrind;
    my $f = "$LogDir/valgrind.log";
    my $out = SFUTest::NginxProc::slurp($f);
    if ($out =~ /\S/) {
        Test::More::diag("valgrind reported:\n$out");
        unlink $f;
    }
}

# Bring up nginx with the block's configuration: a fresh start (the
# default), or a HUP reload of the running master (TEST_NGINX_USE_HUP).
# Returns an error message or undef.
sub start_nginx_for_block {
    my ($block, $config, $rand_ports) = @_;
    my $name = $block->name;

    if ($UseHup && $NginxPid && is_running($NginxPid)) {
        $ConfigVersion = sprintf "%08x", int rand 0xffffffff;
        SFUTest::NginxProc::setup_servroot($ServRoot, keep_logs => 1);
        write_user_files($block, $rand_ports);
        SFUTest::NginxProc::write_file($ConfFile,
            gen_config($block, $config, $rand_ports));
        $ErrLogFilePos = -s $ErrLogFile // 0;
        kill HUP => $NginxPid;
        # Old workers finish gracefully and may still answer for a moment:
        # like upstream, want the new version 20 times in a row.
        my ($deadline, $ok) = (time + 10, 0);
        while (time < $deadline) {
            my $ver = hup_version();
            if (defined $ver && $ver eq $ConfigVersion) {
                return undef if ++$ok >= 20;
                next;
            }
            $ok = 0;
            sleep 0.02;
        }
        return "failed to reload the configuration with HUP";
    }

    stop_nginx();
    master_on() if $UseHup;
    $ConfigVersion = sprintf "%08x", int rand 0xffffffff;
    SFUTest::NginxProc::setup_servroot($ServRoot);
    write_user_files($block, $rand_ports);
    SFUTest::NginxProc::write_file($ConfFile,
        gen_config($block, $config, $rand_ports));
    $ErrLogFilePos = 0;
    my ($pid, $err) = SFUTest::NginxProc::start(
        root => $ServRoot, addr => $ServerAddr, port => $ServerPort,
        valgrind => $UseValgrind);
    $NginxPid = $pid;
    return $err;
}

# --- must_die: start nginx with the block's configuration and expect it
# to exit.  Returns (wait status) when it did, or (undef, error text) when
# it came up after all (then it is stopped) or could not be run.
sub run_nginx_to_death {
    my ($block, $config, $rand_ports) = @_;
    stop_nginx();
    SFUTest::NginxProc::setup_servroot($ServRoot);
    write_user_files($block, $rand_ports);
    SFUTest::NginxProc::write_file($ConfFile,
        gen_config($block, $config, $rand_ports));
    $ErrLogFilePos = 0;
    my ($pid, $status, $err) = SFUTest::NginxProc::launch(
        root => $ServRoot, addr => $ServerAddr, port => $ServerPort,
        valgrind => $UseValgrind);
    if ($pid) {
        SFUTest::NginxProc::stop($pid, 5);
        return (undef, "nginx started and listened");
    }
    return (undef, $err) if defined $err;
    report_valgrind();
    return ($status);
}

sub hup_version {
    my $s = IO::Socket::INET->new(PeerAddr => $ServerAddr,
        PeerPort => $ServerPort, Timeout => 1) or return undef;
    print $s "GET /ver HTTP/1.0\r\nHost: Test-Nginx\r\n\r\n";
    local $/;
    my $resp = <$s> // '';
    return $resp =~ /\r\n\r\n(.*)\z/s ? $1 : undef;
}

sub nginx_alive { $NginxPid && is_running($NginxPid) }

# Lines the error log got during this block; for a block whose nginx must
# die, also what it wrote to stderr.
sub error_log_data {
    my ($with_stderr) = @_;
    my $data = SFUTest::NginxProc::slurp($ErrLogFile,
        $CheckAccumErrLog ? 0 : $ErrLogFilePos);
    $data .= SFUTest::NginxProc::slurp("$LogDir/stderr.log") if $with_stderr;
    return [ split /^/, $data ];
}

sub access_log_data {
    return [ split /^/, SFUTest::NginxProc::slurp($AccLogFile) ];
}

# --- tcp_listen: a forked mock server.  Returns (pid, query file).
sub start_tcp_server {
    my ($block, $rand_ports) = @_;
    my $name = $block->name;
    my $target = expand_env_in_text(sec($block, "tcp_listen"), $name, $rand_ports);
    $target =~ s/^\s+|\s+$//g;
    my $srv;
    if ($target =~ /^\d+$/) {
        $srv = IO::Socket::INET->new(LocalAddr => $ServerAddr,
            LocalPort => $target, Listen => 32, ReuseAddr => 1, Proto => 'tcp');
    } else {
        unlink $target;
        $srv = IO::Socket::UNIX->new(Local => $target, Listen => 32);
    }
    bail_out("$name - cannot listen on $target: $!") unless $srv;

    my $qfile = "$ServRoot/tcp_query.$$";
    unlink $qfile;
    my $want = sec($block, "tcp_query_len");
    $want = length sec($block, "tcp_query") if !defined $want && defined sec($block, "tcp_query");
    my $reply = sec($block, "tcp_reply");
    my $delay = parse_time(sec($block, "tcp_reply_delay"));
    my $no_close = defined sec($block, "tcp_no_close");
    my $tmo = parse_time(sec($block, "timeout")) || $Timeout;

    my $pid = fork // bail_out("fork: $!");
    if ($pid) {
        close $srv;
        return ($pid, $qfile);
    }

    # child
    $SIG{TERM} = sub { POSIX::_exit(0) };
    my @held;
    while (my $c = $srv->accept) {
        my $buf = '';
        my $sel = IO::Select->new($c);
        my $deadline = time + $tmo;
        while (1) {
            my $left = $deadline - time;
            last if $left <= 0;
            my $wait = (!defined $want && length $buf) ? 0.1 : $left;
            last unless $sel->can_read($wait);
            my $n = sysread $c, $buf, 65536, length $buf;
            last unless $n;
            last if defined $want && length $buf >= $want;
        }
        SFUTest::NginxProc::write_file("$qfile.tmp", $buf);
        rename "$qfile.tmp", $qfile;
        sleep $delay if $delay;
        if (defined $reply) {
            for my $chunk (ref $reply eq 'ARRAY' ? @$reply : ($reply)) {
                syswrite $c, $chunk;
            }
        }
        if ($no_close) {
            push @held, $c;
        } else {
            close $c;
        }
    }
    POSIX::_exit(0);
}

sub stop_tcp_server {
    my ($pid) = @_;
    kill TERM => $pid;
    waitpid $pid, 0;
}

1;
