#!/usr/bin/env bash
# Installs every Debian package ngx-sfu builds, runs and tests with.
# Idempotent: packages already present are skipped by apt.
set -euo pipefail

packages=(
    # build
    build-essential pkg-config clang llvm libclang-rt-14-dev
    nginx nginx-dev
    libpq-dev libhiredis-dev libjansson-dev libjwt-dev libssl-dev
    libnice-dev libglib2.0-dev libsrtp2-dev
    # services for make run and the tests
    postgresql-15 postgresql-client-15 redis-server coturn openssl
    # test runner (Test::Nginx-compatible) and clients
    libtest-base-perl libtext-diff-perl libtest-longstring-perl libwww-perl
    libipc-run-perl liblist-moreutils-perl liburi-perl libjson-pp-perl
    libprotocol-websocket-perl libio-socket-ssl-perl
    # deployment description check, benchmarks
    docker-compose wrk curl
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
        || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all ${#packages[@]} packages present"
    exit 0
fi

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

# Debian starts these services on install; the project runs its own instances.
for svc in nginx redis-server coturn postgresql; do
    $SUDO service "$svc" stop >/dev/null 2>&1 || true
done
