#!/bin/sh
# build.sh rebuilds the layerlint test images with buildah and writes them as
# docker-archive tarballs into OUT (default: the directory holding this script,
# testdata/images):
#
#   OUT/base.tar     layerlint/base:latest  (FROM scratch + Debian's busybox-static)
#   OUT/app-v1.tar   layerlint/app:v1       (FROM base)
#   OUT/app-v2.tar   layerlint/app:v2       (FROM base)
#   OUT/busybox.txt  sha256 and package version of the busybox that went in
#
# Usage: testdata/images/build.sh [OUT]
#
# Every build uses a private, throw-away buildah store (vfs driver, chroot
# isolation), so the script is idempotent and never touches the system store.
# Layer contents are reproducible: each image is built with a fixed
# --timestamp, which buildah 1.28 also applies to every file's mtime in its
# layers. Rebuilding on a machine with the same busybox-static package gives
# byte-identical archives; see README.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
busybox=${BUSYBOX:-/bin/busybox}

# Fixed build times (seconds since the epoch). app-v2 is built a month after
# app-v1, so files it copies or writes after the images diverge carry a later
# mtime even when their bytes are unchanged.
ts_base=1700000000 # 2023-11-14T22:13:20Z
ts_v1=1704067200   # 2024-01-01T00:00:00Z
ts_v2=1706745600   # 2024-02-01T00:00:00Z

die() {
	echo "build.sh: $*" >&2
	exit 1
}

command -v buildah >/dev/null 2>&1 || die "buildah not found (apt-get install buildah)"
[ -x "$busybox" ] || die "$busybox: not found or not executable (apt-get install busybox-static)"
case $(od -An -c -N4 "$busybox" | tr -d ' ') in
177ELF) ;;
*) die "$busybox is not an ELF binary" ;;
esac

mkdir -p "$out" || die "cannot create output directory $out"
out=$(cd "$out" && pwd)

umask 022
work=$(mktemp -d "${TMPDIR:-/tmp}/layerlint-images.XXXXXX")
cleanup() {
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

store="--root $work/root --runroot $work/runroot --storage-driver vfs"

# Build from a copy of the contexts with normalised modes, so the umask of the
# checkout does not leak into the layers.
mkdir -p "$work/ctx" "$work/out"
for ctx in base app-v1 app-v2; do
	cp -R "$here/$ctx" "$work/ctx/$ctx"
done
cp "$busybox" "$work/ctx/base/busybox"
find "$work/ctx" -type d -exec chmod 0755 {} +
find "$work/ctx" -type f -exec chmod 0644 {} +
chmod 0755 "$work/ctx/base/busybox"

# build IMAGE TIMESTAMP CONTEXT
build() {
	echo "build.sh: building $1"
	# shellcheck disable=SC2086 # $store is a list of flags
	buildah $store bud --layers --isolation chroot --identity-label=false \
		--timestamp "$2" -t "$1" "$3" >"$work/build.log" 2>&1 || {
		cat "$work/build.log" >&2
		die "building $1 from $3 failed"
	}
}

# push IMAGE FILE NAME:TAG
push() {
	# shellcheck disable=SC2086
	buildah $store push --quiet "$1" "docker-archive:$work/out/$2:$3" >"$work/push.log" 2>&1 || {
		cat "$work/push.log" >&2
		die "writing $2 failed"
	}
}

build localhost/layerlint/base:latest "$ts_base" "$work/ctx/base"
build localhost/layerlint/app:v1 "$ts_v1" "$work/ctx/app-v1"
build localhost/layerlint/app:v2 "$ts_v2" "$work/ctx/app-v2"

push localhost/layerlint/base:latest base.tar layerlint/base:latest
push localhost/layerlint/app:v1 app-v1.tar layerlint/app:v1
push localhost/layerlint/app:v2 app-v2.tar layerlint/app:v2

{
	sha256sum "$busybox" | cut -d' ' -f1
	dpkg-query -W -f='busybox-static ${Version}\n' busybox-static 2>/dev/null || echo "busybox-static unknown"
} >"$work/out/busybox.txt"

for f in base.tar app-v1.tar app-v2.tar busybox.txt; do
	mv -f "$work/out/$f" "$out/$f"
done
echo "build.sh: wrote base.tar app-v1.tar app-v2.tar busybox.txt to $out"
