#!/usr/bin/env bash
# editors/emacs/test/run.sh EMACS: build layerls into a temporary directory and
# run the headless eglot test (eglot-test.el) with EMACS (29 or later, eglot
# built in; ../shared/tools/newer-editors.sh gives Emacs 30). Exits non-zero
# when the build or the test fails.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
emacs=${1:-emacs}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/layerls-emacs-test.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

if ! (cd "$root" && go build -o "$tmp/layerls" ./cmd/layerls); then
	echo "FAIL: go build ./cmd/layerls failed" >&2
	exit 1
fi

echo "--- $emacs: $("$emacs" --version 2>/dev/null | head -n 1)"
# HOME in the temporary directory: no user init, no eglot state left behind.
if ! (cd "$root" && HOME="$tmp" LAYERLS_BIN="$tmp/layerls" LAYERLS_FIXTURE="$root/editors/testdata/app-v2" \
	timeout 120 "$emacs" -Q --batch -l "$here/eglot-test.el" </dev/null 2>&1 | grep -v '^Warning: Lisp directory'); then
	echo "FAIL: $emacs: the headless eglot test failed" >&2
	exit 1
fi
