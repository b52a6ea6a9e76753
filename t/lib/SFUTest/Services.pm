package SFUTest::Services;

# Private PostgreSQL 15 and Redis for the tests.
#
#   use SFUTest::Services;     # starts both unless t/bin/run-tests already did
#                              # (then it just reuses them); exports nothing
#   $ENV{TEST_NGINX_PG_PORT} $ENV{TEST_NGINX_PG_CONNINFO} $ENV{TEST_NGINX_PG_DATA}
#   $ENV{TEST_NGINX_REDIS_PORT}
#   SFUTest::Services::pg_stop(); pg_start(); redis_stop(); redis_start();
#   my @rows = SFUTest::Services::psql("select 1, 'a'");   # ([1, 'a'])
#   my $reply = SFUTest::Services::redis_cmd(qw(SET k v));
#
# State lives in build/test-state (override: SFU_TEST_STATE).  The cluster is
# initdb'd once and reused; the `sfu` database is recreated by start_all().
# PostgreSQL refuses to run as root, so as root it runs as `postgres`.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);

use lib dirname(abs_path(__FILE__)) . '/..';
use SFUTest::NginxProc;

our $Repo = abs_path(dirname(abs_path(__FILE__)) . '/../../..');
our $State = $ENV{SFU_TEST_STATE} || "$Repo/build/test-state";
our $PgBin = $ENV{SFU_TEST_PG_BIN} || '/usr/lib/postgresql/15/bin';
our $PgDir = "$State/pg";
our $PgData = "$PgDir/data";
our $PgRun = "$PgDir/run";
our $RedisDir = "$State/redis";
our $Started;     # this process started the services: stop them at exit

sub as_pg_user { $> == 0 ? ('runuser', '-u', 'postgres', '--') : () }

sub run {
    my @cmd = @_;
    my $out = `@{[ join ' ', map { shell_quote($_) } @cmd ]} 2>&1`;
    die "command failed ($?): @cmd\n$out" if $?;
    return $out;
}

sub shell_quote {
    my $s = shift;
    return $s if $s =~ m{^[\w./:=@,+-]+$};
    $s =~ s/'/'\\''/g;
    return "'$s'";
}

sub import {
    my ($class, @args) = @_;
    return if grep { $_ eq '-noauto' } @args;
    ensure();
}

# Start both services for this process unless the environment already
# names running ones (t/bin/run-tests exports them).
sub ensure {
    return if $ENV{TEST_NGINX_PG_PORT} && $ENV{TEST_NGINX_REDIS_PORT};
    start_all();
    $Started = $$;
}

END {
    local $?;
    stop_all() if $Started && $Started == $$;
}

sub start_all {
    pg_start();
    pg_reset_db();
    redis_start();
}

sub stop_all {
    redis_stop();
    pg_stop();
}

sub export_env_lines {
    return join '', map { "export $_=" . shell_quote($ENV{$_}) . "\n" }
        qw(TEST_NGINX_PG_PORT TEST_NGINX_PG_CONNINFO TEST_NGINX_PG_DATA
           TEST_NGINX_PG_SOCKET_DIR TEST_NGINX_REDIS_PORT);
}

# --- PostgreSQL

sub pg_initdb {
    return if -f "$PgData/PG_VERSION";
    make_path($PgDir, $PgRun);
    if ($> == 0) {
        my (undef, undef, $uid, $gid) = getpwnam('postgres')
            or die "no postgres user";
        chown $uid, $gid, $PgDir, $PgRun;
    }
    run(as_pg_user(), "$PgBin/initdb", '-D', $PgData, '-U', 'postgres',
        '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8',
        '--locale=C', '--no-sync');
    open my $fh, '>>', "$PgData/postgresql.conf" or die $!;
    print $fh <<"_EOC_";
# ngx-sfu test settings
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PgRun'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
log_min_messages = warning
_EOC_
    close $fh;
}

sub pg_port {
    $ENV{TEST_NGINX_PG_PORT} ||= SFUTest::NginxProc::free_port();
    my $p = $ENV{TEST_NGINX_PG_PORT};
    $ENV{TEST_NGINX_PG_CONNINFO} = "hostaddr=127.0.0.1 port=$p dbname=sfu "
        . "user=sfu password=sfu connect_timeout=2";
    $ENV{TEST_NGINX_PG_DATA} = $PgData;
    $ENV{TEST_NGINX_PG_SOCKET_DIR} = $PgRun;
    return $p;
}

sub pg_running {
    return system(join(' ', as_pg_user(), "$PgBin/pg_ctl", 'status', '-D',
                       shell_quote($PgData)) . " >/dev/null 2>&1") == 0;
}

sub pg_start {
    pg_initdb();
    my $port = pg_port();
    if (pg_running()) {
        # Left over by an interrupted run, or already ours on another port.
        my $opts = SFUTest::NginxProc::slurp("$PgData/postmaster.opts");
        return if $opts =~ /-p\W+$port\b/;
        pg_stop();
    }
    run(as_pg_user(), "$PgBin/pg_ctl", '-D', $PgData, '-l', "$PgDir/log",
        '-o', "-p $port", '-w', '-t', '30', 'start');
}

sub pg_stop {
    return unless -f "$PgData/postmaster.pid";
    run(as_pg_user(), "$PgBin/pg_ctl", '-D', $PgData, '-m', 'fast', '-w',
        '-t', '30', 'stop');
}

# Admin SQL over the Unix socket as the superuser.
sub pg_admin {
    my ($sql, $db) = @_;
    my $port = pg_port();
    return run('psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1',
               '-h', $PgRun, '-p', $port, '-U', 'postgres', '-d', $db // 'postgres',
               '-c', $sql);
}

sub pg_reset_db {
    pg_admin(q{DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='sfu')
               THEN CREATE ROLE sfu LOGIN PASSWORD 'sfu'; END IF; END$$});
    pg_admin('DROP DATABASE IF EXISTS sfu WITH (FORCE)');
    pg_admin('CREATE DATABASE sfu OWNER sfu');
}

# Run SQL as user sfu over TCP (like the module).  Returns the rows, each an
# array ref of column values (NULL comes back as undef); dies on error.
sub psql {
    my ($sql) = @_;
    pg_port();
    # the tests' own queries wait longer for a connection than nginx's
    # conninfo says (2 s): a loaded machine may take that long to accept
    (my $conn = $ENV{TEST_NGINX_PG_CONNINFO}) =~ s/connect_timeout=\d+/connect_timeout=15/;
    my $out = run('psql', '-X', '-q', '-A', '-t', '-F', "\t", '-P', 'null=\\N',
                  '-v', 'ON_ERROR_STOP=1', $conn, '-c', $sql);
    return map { [ map { $_ eq '\\N' ? undef : $_ } split /\t/, $_, -1 ] }
           split /\n/, $out;
}

# --- Redis

sub redis_start {
    make_path($RedisDir);
    $ENV{TEST_NGINX_REDIS_PORT} ||= SFUTest::NginxProc::free_port();
    my $port = $ENV{TEST_NGINX_REDIS_PORT};
    return if redis_ping();
    redis_stop();
    run('redis-server', '--port', $port, '--bind', '127.0.0.1',
        '--save', '', '--appendonly', 'no', '--daemonize', 'yes',
        '--pidfile', "$RedisDir/redis.pid", '--logfile', "$RedisDir/redis.log",
        '--dir', $RedisDir);
    my $deadline = time + 10;
    until (redis_ping()) {
        die "redis-server did not start on port $port" if time > $deadline;
        sleep 0.02;
    }
}

sub redis_stop {
    my $pidfile = "$RedisDir/redis.pid";
    return unless -f $pidfile;
    my $pid = SFUTest::NginxProc::slurp($pidfile);
    $pid =~ s/\s+//g;
    if ($pid =~ /^\d+$/ && kill 0, $pid
        && SFUTest::NginxProc::slurp("/proc/$pid/cmdline") =~ /redis/) {
        kill TERM => $pid;
        my $deadline = time + 10;
        sleep 0.02 while kill(0, $pid) && time < $deadline;
    }
    unlink $pidfile;
}

sub redis_ping {
    my $r = eval { redis_cmd('PING') };
    return defined $r && $r eq 'PONG';
}

# One command over RESP; returns the reply (array ref for arrays); dies on
# connection failure or an error reply.
sub redis_cmd {
    my @args = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $ENV{TEST_NGINX_REDIS_PORT}, Timeout => 2)
        or die "redis: cannot connect: $!\n";
    my $req = '*' . @args . "\r\n";
    $req .= '$' . length($_) . "\r\n$_\r\n" for @args;
    print $s $req;
    my $reply = _resp_read($s);
    close $s;
    return $reply;
}

sub _resp_read {
    my ($s) = @_;
    my $line = <$s>;
    die "redis: connection closed\n" unless defined $line;
    $line =~ s/\r\n$//;
    my ($t, $v) = (substr($line, 0, 1), substr($line, 1));
    return $v if $t eq '+' || $t eq ':';
    die "redis: $v\n" if $t eq '-';
    if ($t eq '$') {
        return undef if $v < 0;
        my $data = '';
        read($s, $data, $v + 2) == $v + 2 or die "redis: short read\n";
        return substr $data, 0, $v;
    }
    if ($t eq '*') {
        return undef if $v < 0;
        return [ map { _resp_read($s) } 1 .. $v ];
    }
    die "redis: bad reply $line\n";
}

1;
