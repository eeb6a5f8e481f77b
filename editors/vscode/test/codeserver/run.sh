#!/usr/bin/env bash
# editors/vscode/test/codeserver/run.sh VSIX LAYERLS: the extension inside a real VS Code (LAYERLS
# "bundled": a platform .vsix, run with the layerls it brings). Installs
# code-server 4.99.4 once per machine (install.sh, in $LAYERLINT_FIXTURES, $XDG_CACHE_HOME/layerlint-fixtures or
# ~/.cache/layerlint-fixtures; about 6 minutes the first time on 2 cores), installs VSIX into it, and runs
# codeserver.test.mjs with node's test runner: Debian's chromium, driven by playwright-core, opens the
# app-v2 fixture and checks what VS Code draws. Screenshots go to $LAYERLINT_ARTIFACTS (default
# /tmp/layerlint-artifacts). Needs node 20, chromium, ripgrep and the build dependencies install.sh names.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
vsix=${1:?usage: run.sh VSIX LAYERLS}
layerls=${2:?usage: run.sh VSIX LAYERLS}

for tool in node npm chromium rg; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "FAIL: $tool not found (apt-get install nodejs npm chromium ripgrep)" >&2
		exit 1
	fi
done

# The fixture cache of internal/fixturecache: $LAYERLINT_FIXTURES, else $XDG_CACHE_HOME/layerlint-fixtures.
cache="${LAYERLINT_FIXTURES:-${XDG_CACHE_HOME:-$HOME/.cache}/layerlint-fixtures}/code-server-4.99.4"
start=$(date +%s)
if ! entry=$("$here/install.sh" "$cache"); then
	echo "FAIL: code-server could not be installed" >&2
	exit 1
fi
echo "code-server: $(node "$entry" --version 2>/dev/null | head -n 1) ($(($(date +%s) - start)) s to install or find in $cache)"

# playwright-core in a copy of this directory: node_modules stays out of the work tree.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/layerlint-codeserver-run.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$here/codeserver.test.mjs" "$tmp/"
if ! (cd "$tmp" && npm ci --no-audit --no-fund >npm.log 2>&1); then
	tail -n 20 "$tmp/npm.log" >&2
	echo "FAIL: npm ci (playwright-core) failed" >&2
	exit 1
fi

export CODE_SERVER_ENTRY="$entry" LAYERLINT_VSIX="$vsix" LAYERLS_BIN="$layerls"
export LAYERLS_FIXTURE="$root/editors/testdata/app-v2" ARTIFACTS="${LAYERLINT_ARTIFACTS:-/tmp/layerlint-artifacts}"
if ! (cd "$tmp" && timeout 300 node --test --test-concurrency=1 codeserver.test.mjs); then
	echo "FAIL: the extension in code-server (screenshots in $ARTIFACTS)" >&2
	exit 1
fi
echo "screenshots: $ARTIFACTS/vscode-hints.png, $ARTIFACTS/vscode-not-found.png"
