#!/usr/bin/env bash
# `make run`: the whole ngx-sfu stack for a person, from a project-local
# state folder (./state): PostgreSQL, Redis, coturn, the SFU workers and
# nginx with the module on https://localhost:8443 and http://127.0.0.1:8080.
#
# Secrets come from SFU_API_KEY and SFU_TURN_SECRET, or are generated on
# the first run and kept in state/secrets.env.  Ctrl-C stops everything;
# running it again picks up the same state.  Ports: SFU_HTTP_PORT (8080),
# SFU_HTTPS_PORT (8443), SFU_PG_PORT (55432), SFU_REDIS_PORT (56379),
# SFU_TURN_PORT (3478), SFU_TURNS_PORT (5349), SFU_WORKERS (cores).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
state=${SFU_STATE:-$repo/state}
http_port=${SFU_HTTP_PORT:-8080}
https_port=${SFU_HTTPS_PORT:-8443}
pg_port=${SFU_PG_PORT:-55432}
redis_port=${SFU_REDIS_PORT:-56379}
turn_port=${SFU_TURN_PORT:-3478}
turns_port=${SFU_TURNS_PORT:-5349}
workers=${SFU_WORKERS:-$(nproc)}
pgbin=/usr/lib/postgresql/15/bin

say() { printf 'make run: %s\n' "$*"; }
die() { printf 'make run: %s\n' "$*" >&2; exit 1; }

for f in build/ngx_http_sfu_module.so build/sfu/sfu-worker \
         build/turn/bin/turnserver; do
    [ -e "$repo/$f" ] || die "$f is missing: run make (and make turn) first"
done

mkdir -p "$state"/{log,run,nginx,tls,redis}

# PostgreSQL will not run as root: then it runs as the postgres user
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
    as_pg=(runuser -u postgres --)
fi

# --- secrets: the environment wins, else the ones kept from the last run
secrets=$state/secrets.env
touch "$secrets"
chmod 600 "$secrets"
# shellcheck disable=SC1090
. "$secrets"
random() { openssl rand -hex "$1"; }
SFU_API_KEY=${SFU_API_KEY:-${saved_api_key:-$(random 24)}}
SFU_TURN_SECRET=${SFU_TURN_SECRET:-${saved_turn_secret:-$(random 24)}}
token_secret=${saved_token_secret:-$(random 32)}
pg_password=${saved_pg_password:-$(random 16)}
cat > "$secrets" <<EOF
saved_api_key=$SFU_API_KEY
saved_turn_secret=$SFU_TURN_SECRET
saved_token_secret=$token_secret
saved_pg_password=$pg_password
EOF

# --- a self-signed certificate for localhost, made once
if [ ! -s "$state/tls/cert.pem" ]; then
    say "making a self-signed certificate for localhost"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
        -nodes -days 825 -subj /CN=localhost \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
        -keyout "$state/tls/key.pem" -out "$state/tls/cert.pem" 2>/dev/null
    chmod 600 "$state/tls/key.pem"
fi

pids=()
stop_all() {
    trap - INT TERM EXIT
    say "stopping"
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$state/pg" -m fast stop >/dev/null 2>&1 || true
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# --- PostgreSQL: initdb on the first run
if [ ! -s "$state/pg/PG_VERSION" ]; then
    say "creating the PostgreSQL cluster in $state/pg"
    mkdir -p "$state/pg"
    [ ${#as_pg[@]} -eq 0 ] || chown postgres "$state/pg"
    pwfile=$state/pg.pw
    (umask 077; echo "$pg_password" > "$pwfile")
    [ ${#as_pg[@]} -eq 0 ] || chown postgres "$pwfile"
    "${as_pg[@]}" "$pgbin/initdb" -D "$state/pg" -U postgres -A scram-sha-256 \
        --pwfile="$pwfile" >"$state/log/initdb.log" 2>&1 \
        || { rm -f "$pwfile"; die "initdb failed: see $state/log/initdb.log"; }
    rm -f "$pwfile"
fi
[ ${#as_pg[@]} -eq 0 ] || chown postgres "$state/log"
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$state/pg" -w -l "$state/log/postgres.log" \
    -o "-p $pg_port -c listen_addresses=127.0.0.1 -k /tmp" start >/dev/null \
    || die "PostgreSQL did not start: see $state/log/postgres.log"
export PGPASSWORD=$pg_password
psql_admin() { psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres "$@"; }
if ! psql_admin -tAc "select 1 from pg_roles where rolname = 'sfu'" | grep -q 1; then
    psql_admin -c "create role sfu login password '$pg_password'"
    psql_admin -c "create database sfu owner sfu"
fi

# --- Redis, kept on disk in the state folder
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$state/redis" \
    --appendonly yes --save '' --logfile "$state/log/redis.log" &
pids+=($!)
for _ in $(seq 50); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.1
done
redis-cli -p "$redis_port" ping >/dev/null || die "Redis did not start"

# the TURN secret lives in Redis, where coturn and the module both read it
"$repo/turn/sfu-turn-secret" --redis "127.0.0.1:$redis_port" --realm ngx-sfu \
    add "$SFU_TURN_SECRET" >/dev/null

# --- coturn, relaying to this machine's SFU only
"$repo/turn/render-conf" -o "$state/turnserver.conf" \
    PORT="$turn_port" TLS_PORT="$turns_port" ALT_TLS_PORT=$((turns_port + 1)) \
    CERT="$state/tls/cert.pem" PKEY="$state/tls/key.pem" \
    REDIS="127.0.0.1:$redis_port" SFU_PEERS=127.0.0.1 ALLOW_LOOPBACK_PEERS=yes \
    MIN_PORT=49160 MAX_PORT=49400 \
    LOG_FILE="$state/log/turnserver.log" PID_FILE="$state/run/turnserver.pid"
"$repo/build/turn/bin/turnserver" -c "$state/turnserver.conf" --no-cli \
    >/dev/null 2>&1 &
pids+=($!)

# --- SFU workers, each restarted if it dies
sockets=
for i in $(seq "$workers"); do
    sock=$state/run/sfu-$i.sock
    sockets+="$sock "
    (
        trap 'kill $child 2>/dev/null; exit 0' TERM
        while :; do
            "$repo/build/sfu/sfu-worker" --listen "$sock" --id "$i" \
                >>"$state/log/sfu-worker-$i.log" 2>&1 &
            child=$!
            wait $child || true
            echo "sfu-worker $i exited; restarting in 1 s" \
                >>"$state/log/sfu-worker-$i.log"
            sleep 1
        done
    ) &
    pids+=($!)
done

# --- nginx with the module, from conf/nginx.conf; the demo page from conf/www
conf=$state/nginx/nginx.conf
"$repo/conf/render-conf" -o "$conf" \
    MODULE="$repo/build/ngx_http_sfu_module.so" STATE="$state" WWW="$repo/conf/www" \
    HTTP_PORT="$http_port" HTTPS_PORT="$https_port" \
    PG_PORT="$pg_port" PG_PASSWORD="$pg_password" REDIS_PORT="$redis_port" \
    API_KEY="$SFU_API_KEY" TOKEN_SECRET="$token_secret" TURN_SECRET="$SFU_TURN_SECRET" \
    TURN_HOST=127.0.0.1 TURN_PORT="$turn_port" TURNS_PORT="$turns_port" \
    WORKERS="$sockets"
/usr/sbin/nginx -p "$state/nginx" -c "$conf" -t -q \
    || die "the generated $conf does not pass nginx -t"
# as root, workers keep root too: they reach the workers' sockets in $state
global='daemon off;'
[ "$(id -u)" -ne 0 ] || global+=' user root;'
/usr/sbin/nginx -p "$state/nginx" -c "$conf" -g "$global" &
pids+=($!)

sleep 1
cat <<EOF

  ngx-sfu is running.
    demo and API   https://localhost:$https_port/   (self-signed certificate)
                   http://127.0.0.1:$http_port/
    health         http://127.0.0.1:$http_port/health
    metrics        http://127.0.0.1:$http_port/metrics
    TURN           127.0.0.1:$turn_port (udp, tcp), $turns_port (tls)
    API key        $SFU_API_KEY
    TURN secret    $SFU_TURN_SECRET
    state, logs    $state

  Try: curl -s -H "Authorization: Bearer $SFU_API_KEY" -H 'Content-Type: application/json' \\
         -d '{"name":"demo","max_participants":8}' http://127.0.0.1:$http_port/api/v1/rooms

  Ctrl-C stops everything.
EOF

wait -n "${pids[@]}" || true
die "a component exited; see $state/log"
