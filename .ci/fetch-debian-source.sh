#!/usr/bin/env bash
# Fetches a package's upstream source as Debian ships it, and checks it.
#
#   .ci/fetch-debian-source.sh SOURCE VERSION DIR
#   e.g. .ci/fetch-debian-source.sh coturn 4.6.1-1 build/turn/dl
#
# Downloads SOURCE_VERSION.dsc and the orig tarball it lists with
# `apt-get source --download-only` (needs a deb-src entry for bookworm main;
# `make deps` adds one), then checks the .dsc's SHA-256 against apt's signed
# Sources index and the tarball's SHA-256 against the .dsc. Debian's
# debian.tar.xz is not used (the project applies its own patches) and may be
# missing from the archive, so apt-get's complaint about it is tolerated.
# Once checked, DIR/.verified records the tarball's hash and name
# (sha256sum format) and later runs only re-hash it: they work offline.
set -euo pipefail

die() { echo "fetch-debian-source: $*" >&2; exit 1; }

[ $# -eq 3 ] || die "usage: fetch-debian-source.sh SOURCE VERSION DIR"
src=$1 version=$2 dir=$3
# File names carry the version without its epoch; the orig has no revision.
upstream=${version#*:}
dsc=${src}_${upstream}.dsc
upstream=${upstream%-*}

mkdir -p "$dir"
cd "$dir"

if [ -f .verified ] && [ -f "$dsc" ] && sha256sum --check --status .verified 2>/dev/null; then
    exit 0
fi
rm -f .verified

# The name and hash of the orig tarball in the Checksums-Sha256 field of the .dsc $1.
dsc_orig() {
    awk -v prefix="${src}_${upstream}.orig.tar." '
        /^Checksums-Sha256:/ { in_sums = 1; next }
        /^[^ ]/              { in_sums = 0 }
        in_sums && index($3, prefix) == 1 && $3 !~ /\.asc$/ { print $1, $3 }' "$1"
}

# What apt's (signed) Sources index says the .dsc hashes to. --print-uris lists
# only files not present yet, so ask from an empty scratch folder.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
index_sum=$(cd "$scratch" && { apt-get source --print-uris -qq "$src=$version" 2>/dev/null || true; } \
    | awk -v f="$dsc" '$2 == f { sub(/^SHA256:/, "", $4); print $4 }')
[ -n "$index_sum" ] || die "apt knows no source package $src=$version;" \
    "is there a deb-src entry for bookworm main? (run 'make deps' as root, then apt-get update)"

orig=$( [ -f "$dsc" ] && dsc_orig "$dsc" | cut -d' ' -f2 || true)
if [ -z "$orig" ] || [ ! -f "$orig" ]; then
    # apt-get exits non-zero when debian.tar.xz is missing from the archive;
    # what matters is that the two files we use arrived (checked below).
    (cd "$scratch" && apt-get source --download-only -qq "$src=$version" \
        >"$scratch/apt.log" 2>&1) || true
    [ -f "$scratch/$dsc" ] || { cat "$scratch/apt.log" >&2; die "apt-get source did not fetch $dsc"; }
    mv "$scratch/$dsc" .
    orig=$(dsc_orig "$dsc" | cut -d' ' -f2)
    [ -n "$orig" ] || die "$dsc lists no SHA-256 for an orig tarball of $src $upstream"
    [ -f "$scratch/$orig" ] || { cat "$scratch/apt.log" >&2; die "apt-get source did not fetch $orig"; }
    mv "$scratch/$orig" .
fi

got=$(sha256sum "$dsc" | cut -d' ' -f1)
[ "$got" = "$index_sum" ] || { rm -f "$dsc"; die "$dsc: sha256 $got, apt's Sources index says $index_sum (removed)"; }

want=$(dsc_orig "$dsc" | cut -d' ' -f1)
got=$(sha256sum "$orig" | cut -d' ' -f1)
[ "$got" = "$want" ] || { rm -f "$orig"; die "$orig: sha256 $got, $dsc says $want (removed)"; }

sha256sum "$orig" > .verified
echo "fetch-debian-source: $orig verified (sha256 $got, from $dsc)"
