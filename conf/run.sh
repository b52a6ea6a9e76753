#!/usr/bin/env bash
# `make run`: the whole ngx-sfu stack for a person, from a project-local
# state folder (./state): PostgreSQL, Redis, coturn, the SFU workers and
# nginx with the module on https://localhost:8443 and http://127.0.0.1:8080.
#
# Secrets come from SFU_API_KEY and SFU_TURN_SECRET, or are generated on
# the first run and kept in state/secrets.env.  Ctrl-C stops everything;
# running it again picks up the same state.  Ports and addresses: see
# conf/stack.sh (SFU_HTTP_PORT, SFU_HTTPS_PORT, ..., SFU_WORKERS), which
# docker-compose.yml's containers share.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
state=${SFU_STATE:-$repo/state}
stack_name="make run"
# shellcheck source=conf/stack.sh
. "$repo/conf/stack.sh"

for f in build/ngx_http_sfu_module.so build/sfu/sfu-worker \
         build/turn/bin/turnserver; do
    [ -e "$repo/$f" ] || die "$f is missing: run make (and make turn) first"
done

stack_dirs

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
cat > "$secrets" <<EOS
saved_api_key=$SFU_API_KEY
saved_turn_secret=$SFU_TURN_SECRET
saved_token_secret=$token_secret
saved_pg_password=$pg_password
EOS

stack_cert

pids=()
stop_all() {
    trap - INT TERM EXIT
    say "stopping"
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    stack_pg_ctl -m fast stop >/dev/null 2>&1 || true
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# --- PostgreSQL: initdb on the first run
stack_pg_init "$pg_password"
[ ${#as_pg[@]} -eq 0 ] || chown postgres "$state/log"
stack_pg_ctl -w -l "$state/log/postgres.log" -o "$stack_pg_options" start >/dev/null \
    || die "PostgreSQL did not start: see $state/log/postgres.log"
stack_pg_database "$pg_password"

# --- Redis, kept on disk in the state folder
stack_redis_cmd "$state/log/redis.log"
"${cmd[@]}" &
pids+=($!)
stack_redis_wait
stack_turn_secret "$SFU_TURN_SECRET"

# --- coturn, relaying to this machine's SFU only
stack_turn_cmd "$state/log/turnserver.log"
"${cmd[@]}" >/dev/null 2>&1 &
pids+=($!)

# --- SFU workers, each restarted if it dies
for i in $(seq "$workers"); do
    stack_worker_loop "$i" "$state/log/sfu-worker-$i.log" &
    pids+=($!)
done

# --- nginx with the module, from conf/nginx.conf
stack_nginx_cmd "$SFU_API_KEY" "$token_secret" "$SFU_TURN_SECRET" "$pg_password" \
    "$state/log/nginx-error.log" "$state/log/nginx-access.log"
"${cmd[@]}" &
pids+=($!)

sleep 1
cat <<EOF2

  ngx-sfu is running.
    demo and API   https://$public_host:$https_port/   (self-signed certificate)
                   http://127.0.0.1:$http_port/
    health         http://127.0.0.1:$http_port/health
    metrics        http://127.0.0.1:$http_port/metrics
    TURN           $turn_host:$turn_port (udp, tcp), $turns_port (tls)
    media          $media_addrs: $(stack_worker_ports)
    API key        $SFU_API_KEY
    TURN secret    $SFU_TURN_SECRET
    state, logs    $state

  Try: curl -s -H "Authorization: Bearer $SFU_API_KEY" -H 'Content-Type: application/json' \\
         -d '{"name":"demo","max_participants":8}' http://127.0.0.1:$http_port/api/v1/rooms

  Ctrl-C stops everything.
EOF2

wait -n "${pids[@]}" || true
die "a component exited; see $state/log"
