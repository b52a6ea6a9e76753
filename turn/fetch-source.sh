#!/usr/bin/env bash
# Fetches coturn's upstream source as Debian ships it and checks it.
#
#   turn/fetch-source.sh DIR
#
# Downloads coturn_$VERSION.dsc and the orig tarball with
# `apt-get source --download-only` (needs a deb-src entry for bookworm main;
# `make deps` adds one), then checks the .dsc's SHA-256 against apt's Sources
# index and the tarball's SHA-256 against the .dsc. Debian's debian.tar.xz is
# not needed (the project applies its own patches) and may be missing from the
# archive, so apt-get's complaint about it is tolerated. Once checked, DIR/.verified
# records the tarball's hash and later runs do nothing: re-runs work offline.
set -euo pipefail

DEB_VERSION=${COTURN_DEB_VERSION:-4.6.1-1}
UPSTREAM=${DEB_VERSION%-*}
dir=${1:?usage: fetch-source.sh DIR}
dsc=coturn_${DEB_VERSION}.dsc
orig=coturn_${UPSTREAM}.orig.tar.gz

die() { echo "fetch-source: $*" >&2; exit 1; }

mkdir -p "$dir"
cd "$dir"

# The hash of $2 as listed in the Checksums-Sha256 field of the .dsc $1.
dsc_sha256() {
    awk -v f="$2" '
        /^Checksums-Sha256:/ { in_sums = 1; next }
        /^[^ ]/              { in_sums = 0 }
        in_sums && $3 == f   { print $1 }' "$1"
}

if [ -f .verified ] && [ -f "$orig" ] \
        && [ "$(cat .verified)" = "$(sha256sum "$orig" | cut -d' ' -f1)" ]; then
    exit 0
fi
rm -f .verified

# What apt's (signed) Sources index says the .dsc hashes to. --print-uris lists
# only files not present yet, so ask from an empty scratch folder.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
index_sum=$(cd "$scratch" && apt-get source --print-uris -qq "coturn=$DEB_VERSION" 2>/dev/null \
    | awk -v f="$dsc" '$2 == f { sub(/^SHA256:/, "", $4); print $4 }')
[ -n "$index_sum" ] || die "apt knows no source package coturn=$DEB_VERSION;" \
    "is there a deb-src entry for bookworm main? (run 'make deps' as root, then apt-get update)"

if [ ! -f "$dsc" ] || [ ! -f "$orig" ]; then
    # apt-get exits non-zero when debian.tar.xz is missing from the archive;
    # what matters is that the two files we use arrived (checked below).
    (cd "$scratch" && apt-get source --download-only -qq "coturn=$DEB_VERSION" \
        >"$scratch/apt.log" 2>&1) || true
    for f in "$dsc" "$orig"; do
        [ -f "$scratch/$f" ] || { cat "$scratch/apt.log" >&2; die "apt-get source did not fetch $f"; }
        mv "$scratch/$f" .
    done
fi

got=$(sha256sum "$dsc" | cut -d' ' -f1)
[ "$got" = "$index_sum" ] || die "$dsc: sha256 $got, apt's Sources index says $index_sum"

want=$(dsc_sha256 "$dsc" "$orig")
[ -n "$want" ] || die "$dsc lists no SHA-256 for $orig"
got=$(sha256sum "$orig" | cut -d' ' -f1)
[ "$got" = "$want" ] || { rm -f "$orig"; die "$orig: sha256 $got, $dsc says $want (removed)"; }

echo "$got" > .verified
echo "fetch-source: $orig verified (sha256 $got, from $dsc)"
