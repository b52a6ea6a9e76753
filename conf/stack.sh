# The pieces of the ngx-sfu stack, shared by `make run` (conf/run.sh runs
# them all in one process tree) and docker-compose.yml (conf/docker/entrypoint
# runs one per container): the settings and their defaults, the certificate,
# PostgreSQL's cluster and database, the rendered nginx and coturn
# configurations, and the command line of every process.
#
# Source it with `repo` (the tree holding build/, conf/ and turn/) and
# `state` (data, logs, sockets, certificate) set.  Settings come from the
# environment, with these defaults:
#   SFU_HTTP_PORT 8080      SFU_HTTPS_PORT 8443     SFU_PG_PORT 55432
#   SFU_REDIS_PORT 56379    SFU_TURN_PORT 3478      SFU_TURNS_PORT 5349
#   SFU_PROMETHEUS_PORT 9090
#   SFU_WORKERS (one per core)
#   SFU_LISTEN "127.0.0.1 [::1]"   the addresses nginx listens on
#   SFU_PUBLIC_HOST localhost      the host name clients reach nginx by
#   SFU_TURN_HOST 127.0.0.1        the address clients reach coturn at
#   SFU_TURN_LISTEN 127.0.0.1      the address coturn listens and relays on
#   SFU_MEDIA_ADDRS 127.0.0.1      the SFU workers' media addresses, the
#                                  only peers coturn relays to
#   SFU_PEER_NETWORKS              the remote networks the workers' media
#                                  may reach (sfu-worker --rtc-peer-networks,
#                                  CIDR,...); empty: 127.0.0.0/8,::1 when
#                                  every media address is loopback, else any
#   SFU_RTC_UDP_PORT 10000         worker i serves every peer connection's
#                                  ICE, DTLS and SRTP on port + i - 1, UDP
#                                  and passive ICE-TCP on that port number
#                                  (sfu-worker --rtc-udp-port): one firewall
#                                  rule per worker and protocol.  "off": a
#                                  UDP and a TCP port per peer connection
#                                  instead (libnice, any free port); empty
#                                  is refused, not taken for either
# Every process talks to the others on 127.0.0.1 (containers share the
# host's network), so no name is ever resolved.
# shellcheck shell=bash

http_port=${SFU_HTTP_PORT:-8080}
https_port=${SFU_HTTPS_PORT:-8443}
pg_port=${SFU_PG_PORT:-55432}
redis_port=${SFU_REDIS_PORT:-56379}
turn_port=${SFU_TURN_PORT:-3478}
turns_port=${SFU_TURNS_PORT:-5349}
prometheus_port=${SFU_PROMETHEUS_PORT:-9090}
workers=${SFU_WORKERS:-$(nproc)}
listen=${SFU_LISTEN:-127.0.0.1 [::1]}
public_host=${SFU_PUBLIC_HOST:-localhost}
turn_host=${SFU_TURN_HOST:-127.0.0.1}
turn_listen=${SFU_TURN_LISTEN:-127.0.0.1}
media_addrs=${SFU_MEDIA_ADDRS:-127.0.0.1}
rtc_udp_port=${SFU_RTC_UDP_PORT-10000}
peer_networks=${SFU_PEER_NETWORKS:-}
realm=ngx-sfu
pgbin=/usr/lib/postgresql/15/bin

say() { printf '%s: %s\n' "$stack_name" "$*"; }
die() { printf '%s: %s\n' "$stack_name" "$*" >&2; exit 1; }
stack_name=${stack_name:-ngx-sfu}

# A typo in the shared port must stop the stack here, not become a worker
# that fails at start and is restarted every second.
if [ "$rtc_udp_port" != off ]; then
    if ! [[ $rtc_udp_port =~ ^[1-9][0-9]{0,4}$ ]] || [ "$rtc_udp_port" -gt 65535 ]; then
        die "SFU_RTC_UDP_PORT wants a port (1-65535) or off, not \"$rtc_udp_port\""
    fi
    [ $((rtc_udp_port + workers - 1)) -le 65535 ] \
        || die "SFU_RTC_UDP_PORT=$rtc_udp_port: $workers workers would go past port 65535"
fi

# PostgreSQL will not run as root: then it runs as the postgres user
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
    as_pg=(runuser -u postgres --)
fi

stack_dirs() {
    mkdir -p "$state"/{log,run,nginx,tls,redis}
}

# A self-signed certificate for localhost (and SFU_PUBLIC_HOST), made once;
# nginx and coturn share it.  Under a lock: two containers may start at once.
stack_cert() {
    (
        flock 9
        [ -s "$state/tls/cert.pem" ] && exit 0
        say "making a self-signed certificate for $public_host"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
            -nodes -days 825 -subj "/CN=$public_host" \
            -addext "subjectAltName=DNS:$public_host,DNS:localhost,IP:127.0.0.1,IP:::1" \
            -keyout "$state/tls/key.pem" -out "$state/tls/cert.pem.tmp" 2>/dev/null
        chmod 600 "$state/tls/key.pem"
        mv "$state/tls/cert.pem.tmp" "$state/tls/cert.pem"
    ) 9>"$state/tls/.lock"
}

# The cluster in $state/pg, made on the first run with the superuser
# password $1.
stack_pg_init() {
    local password=$1 pwfile=$state/pg.pw
    [ -s "$state/pg/PG_VERSION" ] && return 0
    say "creating the PostgreSQL cluster in $state/pg"
    mkdir -p "$state/pg"
    [ ${#as_pg[@]} -eq 0 ] || chown postgres "$state/pg"
    (umask 077; echo "$password" > "$pwfile")
    [ ${#as_pg[@]} -eq 0 ] || chown postgres "$pwfile"
    "${as_pg[@]}" "$pgbin/initdb" -D "$state/pg" -U postgres -A scram-sha-256 \
        --pwfile="$pwfile" >"$state/log/initdb.log" 2>&1 \
        || { rm -f "$pwfile"; die "initdb failed: see $state/log/initdb.log"; }
    rm -f "$pwfile"
}

stack_pg_ctl() {
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$state/pg" "$@"
}

stack_pg_options="-p $pg_port -c listen_addresses=127.0.0.1 -k /tmp"

# The sfu role and database, made once, on a running server.
stack_pg_database() {
    local password=$1
    psql_admin() { PGPASSWORD=$password psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres "$@"; }
    if ! psql_admin -tAc "select 1 from pg_roles where rolname = 'sfu'" | grep -q 1; then
        psql_admin -c "create role sfu login password '$password'"
        psql_admin -c "create database sfu owner sfu"
    fi
}

# redis-server, keeping its data in $state/redis; log to $1 ("" = stdout)
stack_redis_cmd() {
    cmd=(redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$state/redis"
         --appendonly yes --save '' --logfile "$1")
}

stack_redis_wait() {
    for _ in $(seq 100); do
        redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    die "Redis does not answer on port $redis_port"
}

# The TURN secret lives in Redis, where coturn and the module both read it.
stack_turn_secret() {
    "$repo/turn/sfu-turn-secret" --redis "127.0.0.1:$redis_port" --realm "$realm" \
        add "$1" >/dev/null
}

# coturn's configuration, relaying to this machine's SFU only; its log
# goes to $1 ("stdout" or a file)
stack_turn_cmd() {
    local loopback=no
    [[ " $media_addrs " != *" 127."* && " $media_addrs " != *" ::1 "* ]] || loopback=yes
    "$repo/turn/render-conf" -o "$state/turnserver.conf" \
        REALM="$realm" LISTEN_IP="$turn_listen" \
        PORT="$turn_port" TLS_PORT="$turns_port" ALT_TLS_PORT=$((turns_port + 1)) \
        CERT="$state/tls/cert.pem" PKEY="$state/tls/key.pem" \
        REDIS="127.0.0.1:$redis_port" \
        SFU_PEERS="$media_addrs" ALLOW_LOOPBACK_PEERS=$loopback \
        MIN_PORT=49160 MAX_PORT=49400 \
        LOG_FILE="$1" PID_FILE="$state/run/turnserver.pid"
    cmd=("$repo/build/turn/bin/turnserver" -c "$state/turnserver.conf" --no-cli)
}

# SFU worker $1's command line: its socket $state/run/sfu-$1.sock, its
# media addresses and peer networks, its shared port.
stack_worker_cmd() {
    local id=$1 addr nets=$peer_networks
    cmd=("$repo/build/sfu/sfu-worker" --listen "$state/run/sfu-$id.sock" --id "$id")
    for addr in $media_addrs; do
        cmd+=(--rtc-listen "$addr")
        [[ $addr == 127.* || $addr == ::1 ]] || nets=${nets:-any}
    done
    nets=${nets:-127.0.0.0/8,::1}
    [ "$nets" = any ] || cmd+=(--rtc-peer-networks "$nets")
    [ "$rtc_udp_port" = off ] || cmd+=(--rtc-udp-port $((rtc_udp_port + id - 1)))
}

# What the workers' media listens on, for people and firewalls.
stack_worker_ports() {
    if [ "$rtc_udp_port" = off ]; then
        echo "a UDP and a TCP port per peer connection (SFU_RTC_UDP_PORT=off)"
    elif [ "$workers" -eq 1 ]; then
        echo "$rtc_udp_port (udp, tcp)"
    else
        echo "$rtc_udp_port-$((rtc_udp_port + workers - 1)) (udp, tcp; one per worker)"
    fi
}

# SFU worker $1, started again whenever it exits; logs to $2 (a file, or
# "" for stderr).  Runs until TERM.
stack_worker_loop() {
    local id=$1 log=${2:-/dev/stderr} child=
    stack_worker_cmd "$id"
    trap '[ -z "$child" ] || kill "$child" 2>/dev/null; exit 0' TERM
    while :; do
        "${cmd[@]}" >>"$log" 2>&1 &
        child=$!
        wait "$child" || true
        echo "sfu-worker $id exited; restarting in 1 s" >>"$log"
        sleep 1
    done
}

# nginx's configuration from conf/nginx.conf: $1 API key, $2 join-token
# secret, $3 TURN secret, $4 PostgreSQL password; logs to $5 (error) and
# $6 (access).  Then the command that runs nginx in the foreground.
stack_nginx_cmd() {
    local conf=$state/nginx/nginx.conf sockets= i global='daemon off;'
    for i in $(seq "$workers"); do
        sockets+="$state/run/sfu-$i.sock "
    done
    "$repo/conf/render-conf" -o "$conf" \
        MODULE="$repo/build/ngx_http_sfu_module.so" STATE="$state" \
        ERROR_LOG="$5" ACCESS_LOG="$6" WWW="$repo/conf/www" \
        LISTEN="$listen" HTTP_PORT="$http_port" HTTPS_PORT="$https_port" \
        PUBLIC_HOST="$public_host" PG_PORT="$pg_port" PG_PASSWORD="$4" \
        REDIS_PORT="$redis_port" API_KEY="$1" TOKEN_SECRET="$2" TURN_SECRET="$3" \
        TURN_HOST="$turn_host" TURN_PORT="$turn_port" TURNS_PORT="$turns_port" \
        WORKERS="$sockets" || die "conf/nginx.conf could not be rendered"
    /usr/sbin/nginx -p "$state/nginx" -c "$conf" -t -q \
        || die "the generated $conf does not pass nginx -t"
    # as root, workers keep root too: they reach the workers' sockets
    [ "$(id -u)" -ne 0 ] || global+=' user root;'
    cmd=(/usr/sbin/nginx -p "$state/nginx" -c "$conf" -g "$global")
}

# Prometheus, scraping nginx's /metrics (allowed from 127.0.0.1 only)
stack_prometheus_cmd() {
    mkdir -p "$state/prometheus"
    printf '%s\n' 'global:' '  scrape_interval: 15s' 'scrape_configs:' \
        '  - job_name: ngx-sfu' '    metrics_path: /metrics' '    static_configs:' \
        "      - targets: [\"127.0.0.1:$http_port\"]" > "$state/prometheus.yml"
    cmd=(prometheus --config.file="$state/prometheus.yml"
         --storage.tsdb.path="$state/prometheus"
         --web.listen-address="127.0.0.1:$prometheus_port")
}
