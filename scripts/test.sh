#!/usr/bin/env bash
# scripts/test.sh is layerlint's one test command (CI runs it through .ci/run).
#
# On a Debian bookworm machine as root it installs what the tests need when it
# is missing (buildah, skopeo, docker.io, debootstrap, docker-registry, busybox-static, neovim,
# patchelf, unzip, chromium, staticcheck), then runs, in order:
#
#   deps         system packages and Go tools
#   gofmt        gofmt -l (any output fails)
#   vet          go vet ./...
#   staticcheck  staticcheck ./...
#   images       rebuild testdata/images with build.sh and check the result
#                against the committed archives
#   editors      build layerls; the VS Code extension: npm ci, compile, unit
#                tests, vsce package, and the extension inside code-server
#                driven by chromium; the headless Neovim test with Debian's
#                Neovim 0.7 and Neovim 0.10, and the eglot test with Emacs 30
#                (both from ../shared/tools/newer-editors.sh)
#   dist         scripts/dist.sh: every platform's binaries and .vsix; the
#                linux-x64 .vsix's own layerls --version and node-client test
#   go test      go test ./... with LAYERLINT_REQUIRE_TOOLS=1, the shared corpus,
#                and Docker 26 with the containerd image store from Debian
#                trixie's packages (scripts/docker-containerd-store.sh, once
#                per machine into the fixture cache)
#
# Every check runs even when an earlier one failed, so one run shows every
# problem; go test runs last, so the output ends with go's ok/FAIL lines. The
# exit status is non-zero when any step failed. The script changes nothing in
# the work tree but the gitignored lsp/testdata/node-client/node_modules (the
# VS Code extension is built in a copy, Neovim 0.10 unpacked in a temporary
# directory) and is safe to run any number of times.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
root=$(pwd)

failed=()

# section starts a step's output, with the seconds the script has run so far:
# the budget for the whole script is about 20 minutes on a fresh machine.
section() {
	printf '\n==== %s ==== [%dm%02ds]\n' "$*" $((SECONDS / 60)) $((SECONDS % 60))
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
	# A real Docker daemon with BuildKit (internal/dockertest): Debian's
	# dockerd and client, started by the tests on a private socket.
	[ -x /usr/sbin/dockerd ] && [ -x /usr/bin/docker ] || missing+=(docker.io)
	# A real Debian base image for the tests (internal/debiantest), built once
	# per machine into ~/.cache/layerlint-fixtures.
	[ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
	[ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
	if ! dpkg-query -W -f='${Status}\n' busybox-static 2>/dev/null | grep -q 'install ok installed'; then
		missing+=(busybox-static)
	fi
	# The editor tests: Debian's Neovim (0.7), patchelf for the newer Neovim
	# that ../shared/tools/newer-editors.sh unpacks, unzip to look into the .vsix.
	command -v nvim >/dev/null 2>&1 || missing+=(neovim)
	command -v patchelf >/dev/null 2>&1 || missing+=(patchelf)
	command -v unzip >/dev/null 2>&1 || missing+=(unzip)
	# The pre-commit hook test runs Debian's pre-commit, which needs git.
	command -v git >/dev/null 2>&1 || missing+=(git)
	command -v pre-commit >/dev/null 2>&1 || missing+=(pre-commit)
	# chromium also opens layerdiff report's pages (cmd/layerdiff/testdata/browser, playwright-core).
	# The VS Code test (editors/vscode/test/codeserver): Debian's chromium drives code-server, whose
	# native modules build against these; Debian's ripgrep stands in for the one it would download.
	local pkg
	for pkg in chromium ripgrep build-essential python3 pkg-config libkrb5-dev libsecret-1-dev libx11-dev libxkbfile-dev; do
		dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
	done
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
	echo "docker.io:       $(/usr/bin/docker --version 2>&1)"
	echo "docker-registry: $(dpkg-query -W -f='${Version}' docker-registry 2>/dev/null || echo present)"
	echo "busybox-static:  $(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || echo present)"
	echo "neovim:          $(nvim --version 2>&1 | head -n 1)"
	echo "chromium:        $(dpkg-query -W -f='${Version}' chromium 2>/dev/null || echo present)"

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

# step_editors builds the VS Code extension (npm ci, compile, unit tests, a
# .vsix) in a copy of editors/vscode under $work, and runs the headless Neovim
# test against a freshly built layerls: with Debian's Neovim 0.7 (virtual-text
# hints) and with Neovim 0.10 from ../shared/tools/newer-editors.sh (native
# inlay hints); then the eglot test with that script's Emacs 30. Under CI
# (CI=true) newer editors that cannot be installed fail the step; elsewhere
# their tests are skipped with a note.
step_editors() {
	section "editors: build layerls"
	if go build -o "$work/layerls" ./cmd/layerls; then
		echo "layerls: $("$work/layerls" --version 2>&1)"
	else
		fail editors "go build ./cmd/layerls failed: the editor tests need the language server"
	fi

	step_editors_vscode
	cd "$root" || return
	step_editors_nvim
	cd "$root" || return
}

step_editors_vscode() {
	section "editors: VS Code extension (editors/vscode)"
	if ! command -v npm >/dev/null 2>&1; then
		fail editors "npm not found: install Node.js 20 and npm"
		return
	fi
	echo "node $(node --version), npm $(npm --version 2>/dev/null)"
	# Build in a copy: node_modules, dist/ and out/ stay out of the work tree.
	local dir="$work/vscode"
	mkdir -p "$dir" "$work/vsix"
	tar -C editors/vscode --exclude=./node_modules --exclude=./dist --exclude=./out -cf - . | tar -C "$dir" -xf - || {
		fail editors "copying editors/vscode failed"
		return
	}
	cd "$dir" || return
	if ! npm ci --no-audit --no-fund >"$work/npm-ci.log" 2>&1; then
		tail -n 30 "$work/npm-ci.log" >&2
		fail editors "editors/vscode: npm ci failed"
		return
	fi
	echo "npm ci: $(grep -c . "$work/npm-ci.log") lines of log, ok"
	npm run compile || fail editors "editors/vscode: npm run compile (tsc + esbuild) failed"
	# With LAYERLS_BIN the tests also speak the extension's settings to the
	# real server (test/server.test.ts).
	LAYERLS_BIN="$work/layerls" LAYERLS_FIXTURE="$root/editors/testdata/app-v2" npm test ||
		fail editors "editors/vscode: npm test failed"
	if npx vsce package --skip-license --out "$work/vsix/" </dev/null; then
		local vsix
		vsix=$(ls "$work"/vsix/*.vsix 2>/dev/null | head -n 1)
		# Not `unzip -l | grep -q`: grep stops reading at the first match and,
		# under pipefail, unzip's SIGPIPE fails the pipe.
		if [ -n "$vsix" ] && unzip -l "$vsix" >"$work/vsix.list" && grep -q 'extension/dist/extension.js' "$work/vsix.list"; then
			echo "packed $(basename "$vsix"): $(wc -c <"$vsix") bytes"
		else
			fail editors "editors/vscode: vsce package made no .vsix holding extension/dist/extension.js"
		fi
		section "editors: the extension inside a real VS Code (code-server + chromium)"
		"$root/editors/vscode/test/codeserver/run.sh" "$vsix" "$work/layerls" ||
			fail editors "editors/vscode: the code-server test failed"
	else
		fail editors "editors/vscode: vsce package failed"
	fi
}

# shared_dir prints the workplace's shared folder (newer-editors.sh, the
# Dockerfile corpus): $LAYERLINT_SHARED, else beside the work tree, else
# /work/shared. CI runs in a fresh clone elsewhere (/tmp/ci-check), where
# "beside the work tree" is not it.
shared_dir() {
	local c
	for c in "${LAYERLINT_SHARED:-}" "$root/../shared" /work/shared; do
		if [ -n "$c" ] && { [ -d "$c/tools" ] || [ -d "$c/corpus" ]; }; then
			(cd "$c" && pwd)
			return 0
		fi
	done
	return 1
}

# newer_nvim installs Neovim 0.10 with ../shared/tools/newer-editors.sh (Debian
# trixie's packages unpacked under $work, about 15 s) and prints its path.
newer_nvim() {
	local script="" prefix="$work/newer-editors" shared
	if shared=$(shared_dir) && [ -f "$shared/tools/newer-editors.sh" ]; then
		script=$shared/tools/newer-editors.sh
	fi
	if [ -z "$script" ]; then
		echo "newer-editors.sh not found (set LAYERLINT_SHARED to the shared folder)" >&2
		return 1
	fi
	if ! PREFIX="$prefix" sh "$script" >"$work/newer-editors.log" 2>&1; then
		tail -n 20 "$work/newer-editors.log" >&2
		return 1
	fi
	echo "$prefix/nvim"
}

step_editors_nvim() {
	section "editors: Neovim plugin, headless (editors/nvim)"
	if ! command -v nvim >/dev/null 2>&1; then
		fail editors "nvim not found (apt-get install neovim)"
		return
	fi
	local nvims=(nvim) newer=""
	if newer=$(newer_nvim); then
		nvims+=("$newer")
		# go test's lsp package drives this Neovim too (TestNeovimFindsItsImage).
		export LAYERLS_NEWER_NVIM="$newer"
	elif [ "${CI:-}" = true ]; then
		fail editors "Neovim 0.10 could not be installed with ../shared/tools/newer-editors.sh: the native inlay-hint test cannot run"
	else
		echo "Neovim 0.10 not available (../shared/tools/newer-editors.sh failed): testing Debian's Neovim only"
	fi
	editors/nvim/test/run.sh "${nvims[@]}" || fail editors "editors/nvim: the headless Neovim test failed"

	section "editors: Emacs eglot, headless (editors/emacs)"
	if [ -n "$newer" ] && [ -x "$work/newer-editors/emacs" ]; then
		editors/emacs/test/run.sh "$work/newer-editors/emacs" || fail editors "editors/emacs: the headless eglot test failed"
	elif [ "${CI:-}" = true ]; then
		fail editors "Emacs 30 not available (it comes with Neovim 0.10 from ../shared/tools/newer-editors.sh): the eglot test cannot run"
	else
		echo "Emacs 30 not available (it comes with Neovim 0.10 from newer-editors.sh): skipped"
	fi
}

# ---------------------------------------------------------------- dist

# step_dist builds the release files (scripts/dist.sh: every platform's
# binaries and .vsix), then runs the linux-x64 .vsix's own layerls: its
# --version must print the stamped version, and the extension's node-client
# test (editors/vscode/test/server.test.ts, built by step_editors_vscode in
# $work/vscode) must pass against it, and in code-server without
# layerlint.serverPath the extension must start that layerls.
step_dist() {
	section "dist: release binaries and platform .vsix files (scripts/dist.sh)"
	local version="ci-test" vsix bin
	if ! DIST="$work/dist" scripts/dist.sh "$version" >"$work/dist.log" 2>&1; then
		tail -n 30 "$work/dist.log" >&2
		fail dist "scripts/dist.sh failed"
		return
	fi
	cat "$work/dist/SHA256SUMS"
	vsix=$(ls "$work"/dist/layerlint-linux-x64-*.vsix 2>/dev/null | head -n 1)
	if [ -z "$vsix" ] || ! unzip -q -o "$vsix" extension/bin/layerls -d "$work/vsix-linux-x64"; then
		fail dist "no linux-x64 .vsix holding extension/bin/layerls"
		return
	fi
	bin="$work/vsix-linux-x64/extension/bin/layerls"
	if [ "$("$bin" --version 2>&1)" != "layerls $version" ]; then
		fail dist "the linux-x64 .vsix's layerls --version printed \"$("$bin" --version 2>&1)\", want \"layerls $version\""
		return
	fi
	echo "$(basename "$vsix"): bin/layerls --version: $("$bin" --version)"
	(cd "$work/vscode" && LAYERLS_BIN="$bin" LAYERLS_FIXTURE="$root/editors/testdata/app-v2" node --test out/test/) >"$work/dist-node.log" 2>&1 ||
		{
			tail -n 30 "$work/dist-node.log" >&2
			fail dist "the node-client test against the linux-x64 .vsix's layerls failed"
			return
		}
	grep -E '^# (pass|fail)' "$work/dist-node.log"
	# And inside code-server with no layerlint.serverPath: the package must run the layerls it brings.
	editors/vscode/test/codeserver/run.sh "$vsix" bundled ||
		fail dist "the linux-x64 .vsix in code-server did not run its own layerls"
}

# ---------------------------------------------------------------- go test

step_go_test() {
	section "go test ./... (LAYERLINT_REQUIRE_TOOLS=1)"
	export LAYERLINT_REQUIRE_TOOLS=1
	# lint's corpus test reads the workplace's real-world Dockerfiles.
	local shared
	if [ -z "${LAYERLINT_CORPUS:-}" ] && shared=$(shared_dir) && [ -d "$shared/corpus/dockerfiles" ]; then
		export LAYERLINT_CORPUS="$shared/corpus/dockerfiles"
	fi
	echo "corpus: ${LAYERLINT_CORPUS:-not found, so TestCorpus in lint will fail}"
	echo "Neovim 0.10 for the lsp tests: ${LAYERLS_NEWER_NVIM:-none, Debian Neovim only}"
	# Docker 26 with the containerd image store (Debian trixie's packages, unpacked once per machine into
	# the fixture cache) for the daemon tests of that store; bookworm's docker.io 20.10 has none.
	if [ -z "${LAYERLINT_DOCKER_CONTAINERD_STORE:-}" ]; then
		local docker26="${LAYERLINT_FIXTURES:-${XDG_CACHE_HOME:-$HOME/.cache}/layerlint-fixtures}/docker-trixie"
		if scripts/docker-containerd-store.sh "$docker26" >"$work/docker-trixie.log" 2>&1; then
			export LAYERLINT_DOCKER_CONTAINERD_STORE="$docker26"
		else
			tail -n 20 "$work/docker-trixie.log" >&2
		fi
	fi
	echo "Docker with the containerd image store: ${LAYERLINT_DOCKER_CONTAINERD_STORE:-not installed, so its tests will fail} ($("${LAYERLINT_DOCKER_CONTAINERD_STORE:-/nonexistent}/usr/sbin/dockerd" --version 2>/dev/null || echo "no dockerd"))"
	# The language server's end-to-end test runs Microsoft's protocol client
	# under node from lsp/testdata/node-client (node_modules is gitignored).
	if ! npm ci --no-audit --no-fund --prefix lsp/testdata/node-client >"$work/npm-node-client.log" 2>&1; then
		tail -n 30 "$work/npm-node-client.log" >&2
		fail "go test" "npm ci --prefix lsp/testdata/node-client failed"
	fi
	# The language-feature test asks Docker's dockerfile-language-server-nodejs the same questions.
	if ! npm ci --no-audit --no-fund --prefix lsp/testdata/docker-langserver >"$work/npm-docker-langserver.log" 2>&1; then
		tail -n 30 "$work/npm-docker-langserver.log" >&2
		fail "go test" "npm ci --prefix lsp/testdata/docker-langserver failed"
	fi
	# layerdiff report's browser tests drive chromium with playwright-core
	# from cmd/layerdiff/testdata/browser (node_modules is gitignored).
	if ! npm ci --no-audit --no-fund --prefix cmd/layerdiff/testdata/browser >"$work/npm-browser.log" 2>&1; then
		tail -n 30 "$work/npm-browser.log" >&2
		fail "go test" "npm ci --prefix cmd/layerdiff/testdata/browser failed"
	fi
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
	cd "$root" && step_dist
	if [ ${#failed[@]} -gt 0 ]; then
		echo
		echo "steps failed so far: ${failed[*]} (running go test anyway)" >&2
	fi
	cd "$root" && step_go_test
fi

if [ ${#failed[@]} -gt 0 ]; then
	exit 1
fi
