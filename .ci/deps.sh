#!/usr/bin/env bash
# Installs every Debian package ngx-sfu builds, runs and tests with.
# Idempotent: packages already present are skipped by apt.
#   .ci/deps.sh          everything (make deps, CI)
#   .ci/deps.sh build    only what `make module sfu turn` needs (the build
#                        stage of conf/docker/Dockerfile)
set -euo pipefail

build_packages=(
    build-essential pkg-config
    nginx nginx-dev
    libpq-dev libhiredis-dev libjansson-dev libssl-dev
    libnice-dev libglib2.0-dev
    # sfu-load (sfu/tools/load): its HTTP and WebSocket signaling client
    libsoup-3.0-dev
    # coturn (turn/) and libsrtp2 (sfu/libsrtp2/) from Debian's source:
    # fetched with apt-get source, patched and built here (libsrtp2 on libssl-dev)
    dpkg-dev libevent-dev libsqlite3-dev
)
other_packages=(
    # libFuzzer targets
    clang llvm libclang-rt-14-dev
    # services for make run and the tests
    postgresql-15 postgresql-client-15 redis-server coturn openssl
    # test runner (Test::Nginx-compatible) and clients
    libtest-base-perl libtext-diff-perl libtest-longstring-perl libwww-perl
    libipc-run-perl liblist-moreutils-perl liburi-perl libjson-pp-perl
    libprotocol-websocket-perl libio-socket-ssl-perl
    # deployment description check (docker-compose.yml), benchmarks,
    # instruction counts (bench-api --callgrind)
    docker-compose libyaml-libyaml-perl wrk curl valgrind
    # make bench: Janus, and the network namespaces both SFUs run in
    # (t/bin/bench-netns)
    janus iproute2
    # browser tests (t/lib/SFUTest/Chromium.pm): headless Chromium over CDP,
    # and a font so that screenshots show text
    chromium fonts-dejavu-core
    # WebRTC test peers (t/peers): aiortc, and GStreamer webrtcbin from Python
    python3-aiortc python3-websockets python3-numpy
    python3-gst-1.0 gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
    gir1.2-gst-plugins-bad-1.0 gir1.2-nice-0.1 gstreamer1.0-nice
    gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
)

case ${1:-all} in
    build) packages=("${build_packages[@]}") ;;
    all)   packages=("${build_packages[@]}" "${other_packages[@]}") ;;
    *)     echo "usage: $0 [build]" >&2; exit 2 ;;
esac

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# turn/ and sfu/libsrtp2/ fetch their sources through apt-get source
# (.ci/fetch-debian-source.sh), which needs a deb-src entry for bookworm main.
# Add one on the mirror the machine already uses for bookworm (deb822
# debian.sources or one-line sources.list), once.
src_list=/etc/apt/sources.list.d/ngx-sfu-src.list
need_update=
if [ ! -e "$src_list" ] && ! apt-get indextargets --format '$(CREATED_BY) $(RELEASE) $(COMPONENT)' 2>/dev/null \
        | grep -q '^Sources bookworm main$'; then
    # The entry repeats the mirror's Signed-By, else apt rejects the conflict.
    entry=$(awk '
        FNR == 1      { ok = 0; uri = ""; key = "" }
        /^URIs:/      { uri = $2 }
        /^Suites:/    { for (i = 2; i <= NF; i++) if ($i == "bookworm") ok = 1 }
        /^Signed-By:/ { key = $2 }
        /^$/          { if (ok && uri) exit; ok = 0; uri = ""; key = "" }
        END           { if (ok && uri) print (key ? "[signed-by=" key "] " : "") uri }' \
        /etc/apt/sources.list.d/*.sources 2>/dev/null)
    [ -n "$entry" ] || entry=$(awk '$1 == "deb" && $0 ~ / bookworm / {
            sub(/^deb[ \t]+/, ""); sub(/[ \t]+bookworm .*/, ""); print; exit }' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null)
    if [ -z "$entry" ]; then
        echo "deps: no apt source for bookworm found; cannot add deb-src for the sources built here" >&2
        exit 1
    fi
    echo "deb-src $entry bookworm main" | $SUDO tee "$src_list" >/dev/null
    echo "deps: added $src_list (deb-src $entry bookworm main)"
    need_update=1
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
        || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    [ -z "$need_update" ] || $SUDO apt-get update -qq
    echo "deps: all ${#packages[@]} packages present"
    exit 0
fi

$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

# Debian starts these services on install; the project runs its own instances.
for svc in nginx redis-server coturn postgresql; do
    $SUDO service "$svc" stop >/dev/null 2>&1 || true
done
