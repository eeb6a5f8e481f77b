#!/usr/bin/env sh
# install.sh DIR installs code-server (VS Code for the browser, from npm) into DIR, once: a DIR that holds
# a finished install is left as it is. It prints the path of code-server's entry point.
#
# code-server's own postinstall cannot run here: VS Code's @vscode/ripgrep downloads ripgrep from GitHub,
# which is not reachable. So the packages are installed without scripts, the native modules are built
# with node-gyp against this Node's headers (Debian's build dependencies: libkrb5-dev, libsecret-1-dev,
# libx11-dev, libxkbfile-dev), Debian's ripgrep stands in for the download, and the rest of
# code-server's postinstall.sh (the links it makes) is done here.
set -eu

dir=${1:?usage: install.sh DIR}
version=4.99.4
cs="$dir/node_modules/code-server"
if [ -f "$dir/.done" ]; then
	echo "$cs/out/node/entry.js"
	exit 0
fi
rm -rf "$dir"
mkdir -p "$dir"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false npm_config_yes=true
log="$dir/install.log"
# The steps run in their own shell so that -e stops at the first failure.
if ! sh -eu -c '
	dir=$1 version=$2 cs=$3
	npm install --ignore-scripts --prefix "$dir" "code-server@$version"
	# code-server'"'"'s own native module (password hashing), built here: its prebuilt download is not reachable.
	(cd "$dir" && npm_config_build_from_source=true npm rebuild argon2)
	cd "$cs/lib/vscode"
	npm install --omit=dev --ignore-scripts
	# The native modules VS Code'"'"'s server loads on Linux; the Windows-only ones build nothing.
	npm rebuild @parcel/watcher @vscode/deviceid @vscode/spdlog kerberos native-watchdog node-pty
	mkdir -p node_modules/@vscode/ripgrep/bin
	ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
	rm -rf node_modules.asar
	ln -s node_modules node_modules.asar
	(cd bin/remote-cli && ln -sf code-linux.sh code-server)
	(cd bin/helpers && ln -sf browser-linux.sh browser.sh)
	cd extensions
	npm install --omit=dev --ignore-scripts
' install "$dir" "$version" "$cs" >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	echo "install.sh: installing code-server $version into $dir failed (log: $log)" >&2
	exit 1
fi
touch "$dir/.done"
echo "$cs/out/node/entry.js"
