#!/usr/bin/env bash
# scripts/dist.sh [--check] [VERSION]: release files in dist/ (or $DIST).
#
#   layerlint-VERSION-OS-ARCH.tar.gz (.zip for Windows)  layerdiff, layerlint and layerls, built with
#       CGO_ENABLED=0 for linux/amd64, linux/arm64, darwin/amd64, darwin/arm64 and windows/amd64, with
#       VERSION stamped (each prints it with --version), and the README
#   layerlint-TARGET-X.Y.Z.vsix   the VS Code extension for linux-x64, linux-arm64, darwin-x64,
#       darwin-arm64 and win32-x64, each with that platform's layerls in bin/ (the extension runs it
#       unless layerlint.serverPath says otherwise)
#   layerlint-X.Y.Z.vsix          the universal extension, which looks for layerls on PATH
#   SHA256SUMS
#
# VERSION defaults to `git describe --tags --always --dirty`. The files are reproducible: the same sources
# and VERSION give the same bytes (-trimpath, no build id, no VCS stamp, archives and .vsix entries with
# the commit's time, sorted, owned by root). --check builds everything twice into two directories and
# fails unless SHA256SUMS are identical. Needs go, node 20 and npm, zip, and python3 (to normalise the
# .vsix zips).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)

check=0
if [ "${1:-}" = "--check" ]; then
	check=1
	shift
fi
version=${1:-$(git describe --tags --always --dirty 2>/dev/null || echo devel)}
out=${DIST:-$root/dist}
# The time every archive entry carries: the last commit's, or SOURCE_DATE_EPOCH.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 315532800)}
export TZ=UTC LC_ALL=C SOURCE_DATE_EPOCH=$epoch # the same for both builds of --check

targets=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64)
# vsce's names for the same platforms, in the same order.
vsce_targets=(linux-x64 linux-arm64 darwin-x64 darwin-arm64 win32-x64)
commands=(layerdiff layerlint layerls)

if [ "$check" -eq 1 ]; then
	a=$(mktemp -d "${TMPDIR:-/tmp}/layerlint-dist-a.XXXXXX")
	b=$(mktemp -d "${TMPDIR:-/tmp}/layerlint-dist-b.XXXXXX")
	trap 'rm -rf "$a" "$b"' EXIT
	DIST="$a" "$0" "$version" >/dev/null
	DIST="$b" "$0" "$version" >/dev/null
	if ! diff -u "$a/SHA256SUMS" "$b/SHA256SUMS"; then
		echo "dist.sh --check: two builds of $version differ" >&2
		exit 1
	fi
	echo "dist.sh --check: two builds of $version are identical ($(wc -l <"$a/SHA256SUMS") files)"
	cat "$a/SHA256SUMS"
	exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/layerlint-dist.XXXXXX")
trap 'rm -rf "$work"' EXIT
rm -rf "$out"
mkdir -p "$out"

ldflags="-s -w -buildid= -X github.com/layerlint/layerlint/internal/version.stamped=$version -X main.version=$version"

# archive DIR NAME writes NAME.tar.gz or NAME.zip of DIR/NAME into $out, entries sorted, dated $epoch.
archive() {
	local dir=$1 name=$2
	find "$dir/$name" -exec touch -h -d "@$epoch" {} +
	case $name in
	*windows*)
		(cd "$dir" && find "$name" -print | sort | zip -q -X -D -@ "$out/$name.zip")
		;;
	*)
		tar -C "$dir" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner -cf - "$name" | gzip -n -9 >"$out/$name.tar.gz"
		;;
	esac
}

for i in "${!targets[@]}"; do
	goos=${targets[$i]%/*}
	goarch=${targets[$i]#*/}
	name="layerlint-$version-$goos-$goarch"
	mkdir -p "$work/bin/$name"
	# One go build for the three: they share the compiled packages and link in parallel.
	CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch go build -trimpath -buildvcs=false -ldflags "$ldflags" \
		-o "$work/bin/$name/" "${commands[@]/#/./cmd/}"
	cp README.md "$work/bin/$name/"
	archive "$work/bin" "$name"
	echo "built $name"
done

# The extension: built once, then packed once per platform with that platform's layerls, and once without.
ext_dir="$work/vscode"
mkdir -p "$ext_dir"
tar -C editors/vscode --exclude=./node_modules --exclude=./dist --exclude=./out --exclude=./bin -cf - . | tar -C "$ext_dir" -xf -
(cd "$ext_dir" && npm ci --no-audit --no-fund >"$work/npm-ci.log" 2>&1) || {
	tail -n 20 "$work/npm-ci.log" >&2
	echo "dist.sh: npm ci in editors/vscode failed" >&2
	exit 1
}
ext_version=$(node -p "require('$ext_dir/package.json').version")
# Compile once; vsce would run vscode:prepublish (tsc and esbuild) again for every package.
(cd "$ext_dir" && npm run compile -- --production >"$work/compile.log" 2>&1 &&
	node -e 'const f = "package.json", p = require("./" + f); delete p.scripts["vscode:prepublish"]; require("fs").writeFileSync(f, JSON.stringify(p, null, 2) + "\n")') || {
	tail -n 20 "$work/compile.log" >&2
	echo "dist.sh: compiling the extension failed" >&2
	exit 1
}

# normalize_vsix FILE rewrites a .vsix (a zip) with every entry dated $epoch, in the same order.
normalize_vsix() {
	python3 - "$1" "$epoch" <<'EOF'
import sys, time, zipfile
path, epoch = sys.argv[1], int(sys.argv[2])
date = time.gmtime(max(epoch, 315532800))[:6]  # zip dates start in 1980
with zipfile.ZipFile(path) as z:
    entries = [(info, z.read(info)) for info in z.infolist()]
with zipfile.ZipFile(path, "w") as z:
    for info, data in entries:
        out = zipfile.ZipInfo(info.filename, date_time=date)
        out.external_attr = info.external_attr
        out.create_system = 3
        out.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(out, data, compresslevel=9)
EOF
}

pack() { # pack TARGET|"" OUT
	local target=$1 file=$2
	local args=(package --skip-license --out "$file")
	[ -n "$target" ] && args+=(--target "$target")
	(cd "$ext_dir" && npx vsce "${args[@]}" </dev/null >"$work/vsce.log" 2>&1) || {
		tail -n 20 "$work/vsce.log" >&2
		echo "dist.sh: vsce package ${target:-universal} failed" >&2
		exit 1
	}
	normalize_vsix "$file"
	echo "packed $(basename "$file")"
}

for i in "${!targets[@]}"; do
	goos=${targets[$i]%/*}
	ext=""
	[ "$goos" = windows ] && ext=.exe
	rm -rf "$ext_dir/bin"
	mkdir -p "$ext_dir/bin"
	cp "$work/bin/layerlint-$version-$goos-${targets[$i]#*/}/layerls$ext" "$ext_dir/bin/"
	pack "${vsce_targets[$i]}" "$out/layerlint-${vsce_targets[$i]}-$ext_version.vsix"
done
rm -rf "$ext_dir/bin"
pack "" "$out/layerlint-$ext_version.vsix"

(cd "$out" && sha256sum -- * | sort -k 2 >SHA256SUMS)
echo "wrote $out:"
cat "$out/SHA256SUMS"
