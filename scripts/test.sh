#!/usr/bin/env bash
# scripts/test.sh is layerlint's one test command (CI runs it through .ci/run).
#
# On a Debian bookworm machine as root it installs what the tests need when it
# is missing (buildah, skopeo, docker-registry, busybox-static, staticcheck),
# then runs, in order:
#
#   deps         system packages and Go tools
#   gofmt        gofmt -l (any output fails)
#   vet          go vet ./...
#   staticcheck  staticcheck ./...
#   images       rebuild testdata/images with build.sh and check the result
#                against the committed archives
#   editors      editor extensions (runs once editors/ has them)
#   go test      go test ./... with LAYERLINT_REQUIRE_TOOLS=1
#
# Every check runs even when an earlier one failed, so one run shows every
# problem; go test runs last, so the output ends with go's ok/FAIL lines. The
# exit status is non-zero when any step failed. The script changes nothing in
# the work tree and is safe to run any number of times.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
root=$(pwd)

failed=()

section() {
	printf '\n==== %s ====\n' "$*"
}

fail() {
	echo "FAIL: $*" >&2
	failed+=("$1")
}

work=$(mktemp -d "${TMPDIR:-/tmp}/layerlint-test.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

# ---------------------------------------------------------------- deps

step_deps() {
	section "deps: system packages and Go tools"
	local missing=()
	command -v buildah >/dev/null 2>&1 || missing+=(buildah)
	command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
	[ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
	if ! dpkg-query -W -f='${Status}\n' busybox-static 2>/dev/null | grep -q 'install ok installed'; then
		missing+=(busybox-static)
	fi
	if [ ${#missing[@]} -gt 0 ]; then
		if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
			fail deps "missing ${missing[*]}; install them with: apt-get install -y ${missing[*]}"
			return
		fi
		echo "installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		if ! apt-get update -qq || ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$work/apt.log" 2>&1; then
			tail -n 20 "$work/apt.log" >&2 2>/dev/null
			fail deps "apt-get install ${missing[*]} failed"
			return
		fi
	fi
	echo "buildah:         $(buildah --version 2>&1)"
	echo "skopeo:          $(skopeo --version 2>&1)"
	echo "docker-registry: $(dpkg-query -W -f='${Version}' docker-registry 2>/dev/null || echo present)"
	echo "busybox-static:  $(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || echo present)"

	if ! command -v go >/dev/null 2>&1; then
		fail deps "go not found: install Go (see go.mod for the version)"
		return
	fi
	echo "go:              $(go version)"
	local gobin
	gobin=$(go env GOBIN)
	[ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
	export PATH="$gobin:$PATH"
	if ! command -v staticcheck >/dev/null 2>&1; then
		echo "installing staticcheck v0.8.2 into $gobin"
		if ! go install honnef.co/go/tools/cmd/staticcheck@v0.8.2; then
			fail deps "go install staticcheck failed"
			return
		fi
	fi
	echo "staticcheck:     $(staticcheck -version)"
}

# ---------------------------------------------------------------- static checks

step_gofmt() {
	section "gofmt -l"
	local out
	out=$(find . -name '*.go' -not -path './.git/*' -not -path '*/node_modules/*' -not -path '*/testdata/*' -print0 |
		xargs -0 -r gofmt -l) || {
		fail gofmt "gofmt could not read the sources"
		return
	}
	if [ -n "$out" ]; then
		echo "$out"
		fail gofmt "files above need gofmt -w"
		return
	fi
	echo "ok"
}

step_vet() {
	section "go vet ./..."
	if go vet ./...; then echo "ok"; else fail vet "go vet reported problems"; fi
}

step_staticcheck() {
	section "staticcheck ./..."
	if ! command -v staticcheck >/dev/null 2>&1; then
		fail staticcheck "staticcheck not installed"
		return
	fi
	if staticcheck ./...; then echo "ok"; else fail staticcheck "staticcheck reported problems"; fi
}

# ---------------------------------------------------------------- images

# layer_files ARCHIVE prints the layer file names (their DiffIDs) of a
# docker-archive, one a line.
layer_files() {
	# manifest.json has no final newline: add one so the last layer is a whole line.
	{ tar -xOf "$1" manifest.json && echo; } | tr ',' '\n' | sed -n 's/.*"\([0-9a-f]\{64\}\)\.tar".*/\1/p'
}

# layerdiff ARGS... runs the project's cmd/layerdiff and prints its exit code.
layerdiff() {
	local rc=0
	go run ./cmd/layerdiff "$@" >"$work/layerdiff.out" 2>"$work/layerdiff.err" || rc=$?
	echo "$rc"
}

step_images() {
	section "images: rebuild testdata/images with buildah"
	local images=(base app-v1 app-v2) committed=testdata/images rebuilt="$work/images"
	if ! sh "$committed/build.sh" "$rebuilt"; then
		fail images "testdata/images/build.sh failed"
		return
	fi

	local want_busybox have_busybox same_busybox=0
	want_busybox=$(head -n 1 "$committed/busybox.txt")
	have_busybox=$(head -n 1 "$rebuilt/busybox.txt")
	[ "$want_busybox" = "$have_busybox" ] && same_busybox=1

	local img
	if [ "$same_busybox" -eq 1 ]; then
		echo "same busybox as the committed images: expecting byte-identical archives"
		for img in "${images[@]}"; do
			if cmp -s "$committed/$img.tar" "$rebuilt/$img.tar"; then
				echo "$img.tar: identical"
			else
				fail images "$img.tar: rebuilt archive differs from the committed one; run testdata/images/build.sh and commit the result"
			fi
		done
	else
		# The busybox layers differ; every layer above them must still match.
		echo "busybox differs from the committed images ($(tail -n 1 "$committed/busybox.txt") vs $(tail -n 1 "$rebuilt/busybox.txt")):"
		echo "expecting identical layers above the two busybox layers"
		for img in "${images[@]}"; do
			if [ "$(layer_files "$committed/$img.tar" | tail -n +3)" = "$(layer_files "$rebuilt/$img.tar" | tail -n +3)" ]; then
				echo "$img.tar: layers 3..$(layer_files "$rebuilt/$img.tar" | wc -l) identical (1-2 hold busybox)"
			else
				fail images "$img.tar: layers above busybox differ from the committed ones"
			fi
		done
	fi

	if [ ! -d cmd/layerdiff ]; then
		echo "cmd/layerdiff not there yet: skipping the layerdiff checks"
		return
	fi
	section "images: layerdiff on the rebuilt images"
	local rc
	for img in "${images[@]}"; do
		if [ "$same_busybox" -eq 1 ]; then
			rc=$(layerdiff "$committed/$img.tar" "$rebuilt/$img.tar")
			if [ "$rc" = 0 ]; then
				echo "layerdiff $img.tar (committed vs rebuilt): identical"
			else
				cat "$work/layerdiff.out" "$work/layerdiff.err" >&2
				fail images "layerdiff $img.tar committed vs rebuilt: exit $rc, want 0"
			fi
		else
			rc=$(layerdiff --format json "$committed/$img.tar" "$rebuilt/$img.tar")
			local others
			others=$(grep -o '"path": *"[^"]*"' "$work/layerdiff.out" | sed 's/.*"\([^"]*\)"$/\1/' | grep -v '^/\{0,1\}bin/')
			if [ "$rc" = 1 ] && [ -z "$others" ]; then
				echo "layerdiff $img.tar (committed vs rebuilt): only bin/ differs"
			else
				cat "$work/layerdiff.out" "$work/layerdiff.err" >&2
				fail images "layerdiff $img.tar committed vs rebuilt: exit $rc, want 1 with changes under bin/ only"
			fi
		fi
	done
	rc=$(layerdiff "$committed/app-v1.tar" "$committed/app-v2.tar")
	if [ "$rc" = 1 ]; then
		echo "layerdiff app-v1.tar app-v2.tar: different"
	else
		cat "$work/layerdiff.out" "$work/layerdiff.err" >&2
		fail images "layerdiff app-v1.tar app-v2.tar: exit $rc, want 1"
	fi
}

# ---------------------------------------------------------------- editors

# step_editors runs each editor extension's own tests once it exists
# (editors/<name>/package.json with a "test" script).
step_editors() {
	section "editors"
	local pkg dir ran=0
	for pkg in editors/*/package.json; do
		[ -f "$pkg" ] || continue
		dir=$(dirname "$pkg")
		grep -q '"test"' "$pkg" || continue
		ran=1
		if ! command -v npm >/dev/null 2>&1; then
			fail editors "npm not found (apt-get install npm)"
			return
		fi
		echo "--- $dir"
		(cd "$dir" && npm ci --no-audit --no-fund && npm test) || fail editors "$dir: npm test failed"
	done
	[ "$ran" -eq 1 ] || echo "no editor extensions with tests yet: skipped"
}

# ---------------------------------------------------------------- go test

step_go_test() {
	section "go test ./... (LAYERLINT_REQUIRE_TOOLS=1)"
	export LAYERLINT_REQUIRE_TOOLS=1
	# No message after go test: its own ok/FAIL lines close the output.
	go test ./... || failed+=("go test")
}

step_deps
if [ ${#failed[@]} -eq 0 ]; then
	step_gofmt
	step_vet
	step_staticcheck
	step_images
	step_editors
	if [ ${#failed[@]} -gt 0 ]; then
		echo
		echo "steps failed so far: ${failed[*]} (running go test anyway)" >&2
	fi
	cd "$root" && step_go_test
fi

if [ ${#failed[@]} -gt 0 ]; then
	exit 1
fi
