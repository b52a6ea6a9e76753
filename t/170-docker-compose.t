#!/usr/bin/perl
# docker-compose.yml describes the stack `make run` runs: Debian's
# docker-compose accepts it, and it agrees with conf/ -- the same settings
# with the same defaults (conf/stack.sh), the same secret names as make run,
# images that build from files that exist, shared volumes where the pieces
# share files, and configurations rendered the same way that fit together
# (nginx -t passes with the module; nginx, coturn and Prometheus use the
# same ports), the SFU workers on consecutive shared ports unless told
# otherwise.  No Docker engine is needed (none runs here).
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use Test::More;
use YAML::XS ();

my $repo = abs_path(dirname(__FILE__) . '/..');
my $compose = "$repo/docker-compose.yml";
my %SECRETS = (SFU_API_KEY => 'api-key-0123456789abcdef', SFU_TURN_SECRET => 'turn-secret-x',
               SFU_TOKEN_SECRET => 'token-secret-0123456789abcdef0123456789',
               SFU_PG_PASSWORD => 'pg-password-x');

sub slurp { my ($f) = @_; open my $fh, '<', $f or die "$f: $!"; local $/; <$fh> }

chomp(my $dc = `sh -c "command -v docker-compose"`);
ok($dc, 'docker-compose is installed (make deps)') or BAIL_OUT('docker-compose is missing: run make deps');

# docker-compose with only the given SFU_* variables in its environment
sub compose_config {
    my (%env) = @_;
    local %ENV = %ENV;
    delete $ENV{$_} for grep { /^(SFU_|COMPOSE_)/ } keys %ENV;
    @ENV{keys %env} = values %env;
    my $out = `docker-compose -f '$compose' --project-directory '$repo' config 2>&1`;
    return ($? >> 8, $out);
}

my ($rc, $out) = compose_config(%SECRETS);
is($rc, 0, 'docker-compose config accepts docker-compose.yml') or diag $out;
for my $secret (sort keys %SECRETS) {
    my %without = %SECRETS;
    delete $without{$secret};
    my ($r, $o) = compose_config(%without);
    ok($r != 0 && $o =~ /\Q$secret\E/, "without $secret, docker-compose refuses and names it");
}

my $cfg = YAML::XS::Load($out);
my $services = $cfg->{services};
is_deeply([sort keys %$services], [sort qw(postgres redis coturn sfu-worker nginx prometheus)],
          'services: the pieces of make run, and Prometheus');

# --- images: the Dockerfile, its stages, the files they copy
my $entrypoint = slurp("$repo/conf/docker/entrypoint");
my $dockerfile_path = "$repo/" . $services->{nginx}{build}{dockerfile};
ok(-f $dockerfile_path, "the Dockerfile exists ($services->{nginx}{build}{dockerfile})");
my $dockerfile = slurp($dockerfile_path);
my %stages = map { $_ => 1 } $dockerfile =~ /^FROM \S+ AS (\S+)$/mg;
like($dockerfile, qr/^ARG DEBIAN=debian:bookworm$/m, 'images are Debian 12');
for my $name (sort keys %$services) {
    my $s = $services->{$name};
    is($s->{network_mode}, 'host', "$name: host networking, as make run's processes");
    is($s->{build}{context}, $repo, "$name: built from the repository");
    ok($stages{ $s->{build}{target} // '' }, "$name: its target is a stage of the Dockerfile");
    like($entrypoint, qr/^\Q$name\E\)$/m, "$name: the entrypoint runs a piece of that name");
}
my @copied;
while ($dockerfile =~ /^COPY (?!--from)(.+)$/mg) {
    my @args = split ' ', $1;
    pop @args;     # the destination
    push @copied, @args;
}
ok(@copied > 5, 'the Dockerfile copies files from the repository');
ok(-e "$repo/$_", "copied into an image: $_ exists") for @copied;
ok(-x "$repo/conf/docker/entrypoint", 'the entrypoint is executable');

# --- volumes: named, under the entrypoint's state folder, shared where
# make run's processes share files
my ($state) = $entrypoint =~ /^state=(\S+)$/m;
my %mounted;
for my $name (sort keys %$services) {
    for my $v (@{ $services->{$name}{volumes} || [] }) {
        my ($src, $dst) = split /:/, $v;
        ok(exists $cfg->{volumes}{$src}, "$name: volume $src is a named volume");
        like($dst, qr{^\Q$state\E/}, "$name: $src is mounted inside $state");
        $mounted{$src}{$name} = $dst;
    }
}
is_deeply([sort keys %{ $mounted{tls} }], [qw(coturn nginx)], 'nginx and coturn share the certificate');
is_deeply([sort keys %{ $mounted{run} }], [qw(nginx sfu-worker)], "nginx reaches the workers' sockets");

# --- settings: conf/stack.sh's, with its defaults, in every container
my $stack = slurp("$repo/conf/stack.sh");
my %defaults = $stack =~ /^\w+=\$\{(SFU_\w+):?-(.*)\}$/mg;
ok(keys %defaults >= 10, 'conf/stack.sh has its settings with defaults');
$defaults{SFU_WORKERS} = '' if ($defaults{SFU_WORKERS} // '') eq '$(nproc)';   # empty: per core
for my $name (sort keys %$services) {
    my $env = $services->{$name}{environment};
    my %settings = map { $_ => $env->{$_} } grep { !exists $SECRETS{$_} } keys %$env;
    is_deeply(\%settings, \%defaults, "$name: conf/stack.sh's settings, same defaults");
}

# --- secrets: make run's names; each piece gets the ones its entrypoint needs
my $run = slurp("$repo/conf/run.sh");
for my $secret (qw(SFU_API_KEY SFU_TURN_SECRET)) {
    like($run, qr/\$\{\Q$secret\E:-/, "make run takes $secret from the environment too");
}
while ($entrypoint =~ /^(\S+)\)\n((?:    .*\n)+?)    ;;/mg) {
    my ($piece, $body) = ($1, $2);
    my @need = map { split ' ' } $body =~ /^\s*need (.+)$/mg;
    for my $secret (@need) {
        is($services->{$piece}{environment}{$secret}, $SECRETS{$secret},
           "$piece: gets $secret, which its entrypoint needs");
    }
}

# --- the configurations, rendered by conf/stack.sh with the containers'
# settings (in a scratch state folder, with this build's module)
my $tmp = tempdir('sfu-compose-XXXXXX', TMPDIR => 1, CLEANUP => 1);
{
    local %ENV = (%ENV, %{ $services->{nginx}{environment} });
    my $script = <<'EOS';
set -euo pipefail
repo=$1 state=$2
. "$repo/conf/stack.sh"
stack_dirs
stack_cert
stack_turn_cmd stdout
stack_nginx_cmd "$SFU_API_KEY" "$SFU_TOKEN_SECRET" "$SFU_TURN_SECRET" "$SFU_PG_PASSWORD" \
    "$state/log/error.log" "$state/log/access.log"
stack_prometheus_cmd
EOS
    my $o = `bash -c '$script' render '$repo' '$tmp' 2>&1`;
    is($?, 0, 'conf/stack.sh renders nginx.conf (nginx -t passes with the module), '
              . 'turnserver.conf and prometheus.yml with those settings') or diag $o;
}
my $env = $services->{nginx}{environment};
my $nginx = slurp("$tmp/nginx/nginx.conf");
my $turn = slurp("$tmp/turnserver.conf");
like($nginx, qr/^\s*listen 127\.0\.0\.1:$env->{SFU_HTTP_PORT};$/m, 'nginx listens on SFU_HTTP_PORT');
like($nginx, qr/^\s*listen 127\.0\.0\.1:$env->{SFU_HTTPS_PORT} ssl http2;$/m,
     'nginx listens on SFU_HTTPS_PORT with TLS');
like($nginx, qr/port=$env->{SFU_PG_PORT} dbname=sfu/, 'nginx: PostgreSQL on SFU_PG_PORT');
like($nginx, qr/^\s*sfu_redis 127\.0\.0\.1:$env->{SFU_REDIS_PORT};$/m, 'nginx: Redis on SFU_REDIS_PORT');
like($turn, qr/^redis-userdb="ip=127\.0\.0\.1 port=$env->{SFU_REDIS_PORT} /m,
     'coturn: the same Redis (the TURN secrets)');
my ($realm) = $nginx =~ /^\s*sfu_turn_realm (\S+);$/m;
like($turn, qr/^realm=\Q$realm\E$/m, "coturn and nginx share the realm ($realm)");
my ($turn_port) = $turn =~ /^listening-port=(\d+)$/m;
my ($turns_port) = $turn =~ /^tls-listening-port=(\d+)$/m;
is($turn_port, $env->{SFU_TURN_PORT}, 'coturn listens on SFU_TURN_PORT');
is($turns_port, $env->{SFU_TURNS_PORT}, 'coturn listens for TLS on SFU_TURNS_PORT');
like($nginx, qr/^\s*sfu_turn_uri turn:\S+:$turn_port\?transport=udp;$/m,
     "nginx hands out coturn's port");
like($nginx, qr/^\s*sfu_turn_uri turns:\S+:$turns_port\?transport=tcp;$/m,
     "nginx hands out coturn's TLS port");
like($turn, qr/^cert=\Q$tmp\E\/tls\/cert\.pem$/m, 'coturn uses the certificate nginx uses');
like($nginx, qr/^\s*ssl_certificate \Q$tmp\E\/tls\/cert\.pem;$/m, '... which is in the shared tls volume');
my @sockets = $nginx =~ /^\s*sfu_worker unix:(\S+);$/mg;
ok(@sockets >= 1, 'nginx links to the SFU workers');
like($_, qr{^\Q$tmp\E/run/}, "worker socket $_ is in the shared run volume") for @sockets;
like(slurp("$tmp/prometheus.yml"), qr/"127\.0\.0\.1:$env->{SFU_HTTP_PORT}"/,
     "Prometheus scrapes nginx's SFU_HTTP_PORT");

# --- the SFU workers' media: by default each on a shared port of its own,
# consecutive from SFU_RTC_UDP_PORT; "off" gives the per-connection mode
# back; anything else stops the stack before it starts
sub worker_cmds {
    my (%set) = @_;
    local %ENV = (%ENV, %{ $services->{'sfu-worker'}{environment} }, SFU_WORKERS => 3, %set);
    my $script = 'set -euo pipefail; repo=$1 state=$2; . "$repo/conf/stack.sh"; '
               . 'for i in 1 2 3; do stack_worker_cmd $i; echo "${cmd[*]}"; done';
    my $o = `bash -c '$script' workers '$repo' '$tmp' 2>&1`;
    return ($? >> 8, $o);
}
my $mux = $services->{'sfu-worker'}{environment}{SFU_RTC_UDP_PORT};
like($mux, qr/^\d+$/, "the workers share a port each by default (SFU_RTC_UDP_PORT $mux)");
my ($wrc, $cmds) = worker_cmds();
is($wrc, 0, 'conf/stack.sh gives three workers their command lines') or diag $cmds;
is_deeply([ $cmds =~ /--rtc-udp-port (\d+)/g ], [ $mux, $mux + 1, $mux + 2 ],
          "... worker i on port $mux + i - 1") or diag $cmds;
isnt($mux, $_, "... which is not coturn's or nginx's port ($_)")
    for @$env{qw(SFU_TURN_PORT SFU_TURNS_PORT SFU_HTTP_PORT SFU_HTTPS_PORT)};
($wrc, $cmds) = worker_cmds(SFU_RTC_UDP_PORT => 'off');
ok($wrc == 0 && $cmds =~ /--rtc-listen/ && $cmds !~ /--rtc-udp-port/,
   'SFU_RTC_UDP_PORT=off: no shared port (a port per peer connection)') or diag $cmds;
my (undef, $off) = compose_config(%SECRETS, SFU_RTC_UDP_PORT => 'off');
is(YAML::XS::Load($off)->{services}{'sfu-worker'}{environment}{SFU_RTC_UDP_PORT}, 'off',
   '... which docker-compose passes to the workers');
for my $bad (['10k', qr/wants a port \(1-65535\) or off, not "10k"/],
             ['', qr/wants a port/], ['08000', qr/wants a port/],
             ['65534', qr/3 workers would go past port 65535/]) {
    my ($r, $o) = worker_cmds(SFU_RTC_UDP_PORT => $bad->[0]);
    ok($r != 0 && $o =~ $bad->[1], "SFU_RTC_UDP_PORT=\"$bad->[0]\" is refused, saying why")
        or diag $o;
}

done_testing();
