#!/bin/sh
# scripts/docker-containerd-store.sh DIR: Debian trixie's Docker 26 (docker.io, containerd, docker-cli,
# docker-buildx), unpacked into DIR without installing anything, for the tests of Docker's containerd image
# store (internal/dockertest.StartContainerdStore, LAYERLINT_DOCKER_CONTAINERD_STORE=DIR). Bookworm's
# docker.io 20.10 predates that store, which Docker 29 and Docker Desktop use by default. The packages are
# fetched with apt into private list and cache directories, from the mirror of the system's own sources;
# their binaries need only bookworm's glibc and libsystemd, and runc from bookworm's runc package. About
# 80 MB; a DIR that holds them already is left as it is.
set -eu
dir=${1:?usage: docker-containerd-store.sh DIR}
if [ -x "$dir/usr/sbin/dockerd" ] && [ -x "$dir/usr/bin/containerd" ] && [ -x "$dir/usr/bin/docker" ] &&
	[ -x "$dir/usr/libexec/docker/cli-plugins/docker-buildx" ]; then
	exit 0
fi
mirror=$(sed -n 's/^URIs: *\([^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
[ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/debs"
echo "deb $mirror trixie main" >"$tmp/sources.list"
set -- -o Dir::Etc::sourcelist="$tmp/sources.list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$tmp/lists" \
	-o Dir::Cache="$tmp/cache" -o Dir::State::status=/var/lib/dpkg/status -o APT::Sandbox::User=root
apt-get "$@" update -qq
(cd "$tmp/debs" && apt-get "$@" download docker.io/trixie containerd/trixie docker-cli/trixie docker-buildx/trixie >/dev/null)
# Unpacked beside DIR, then renamed: an interrupted run leaves no half-filled DIR.
mkdir -p "$(dirname "$dir")"
part=$(mktemp -d "$dir.part.XXXXXX")
for deb in "$tmp"/debs/*.deb; do
	dpkg-deb -x "$deb" "$part"
done
rm -rf "$dir"
mv "$part" "$dir"
"$dir/usr/sbin/dockerd" --version
