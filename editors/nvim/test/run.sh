#!/usr/bin/env bash
# editors/nvim/test/run.sh [NVIM...]: build layerls into a temporary directory
# and run the headless plugin tests (layerls_spec.lua: diagnostics, hints and
# their update; loop_spec.lua: typing a new instruction, a never-built
# Dockerfile's estimate) with each Neovim given (default: nvim on PATH). Exits
# non-zero when the build or any run fails.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
plugin=$(dirname "$here")
root=$(cd "$plugin/../.." && pwd)
[ $# -gt 0 ] || set -- nvim

tmp=$(mktemp -d "${TMPDIR:-/tmp}/layerls-nvim-test.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

if ! (cd "$root" && go build -o "$tmp/layerls" ./cmd/layerls); then
	echo "FAIL: go build ./cmd/layerls failed" >&2
	exit 1
fi

status=0
for nvim in "$@"; do
	echo "--- $nvim: $("$nvim" --version | head -n 1)"
	for spec in layerls_spec.lua loop_spec.lua; do
		# A private XDG tree: no user config, state or lsp.log of the caller's.
		rm -rf "$tmp/xdg"
		mkdir -p "$tmp/xdg"
		if ! (cd "$plugin" &&
			XDG_CONFIG_HOME="$tmp/xdg/config" XDG_DATA_HOME="$tmp/xdg/data" \
				XDG_STATE_HOME="$tmp/xdg/state" XDG_CACHE_HOME="$tmp/xdg/cache" \
				LAYERLS_BIN="$tmp/layerls" LAYERLS_FIXTURE="$root/editors/testdata/app-v2" \
				timeout 120 "$nvim" --headless -i NONE -n -u "$here/minimal_init.lua" \
				-c "luafile $here/$spec" </dev/null); then
			echo "FAIL: $nvim: the headless test $spec failed" >&2
			status=1
		fi
	done
done
exit "$status"
