#!/usr/bin/env bash
# layerdiff/htmlreport/third_party/update.sh [VERSION]: vendors d3-hierarchy (the treemap layout of the HTML
# report) from the npm registry into third_party/d3-hierarchy: its minified UMD build, its licence, and
# SOURCE.json recording the version, the tarball's npm integrity, the file's SHA-256 and the licence name.
# The report embeds these files; nothing is fetched when a report is made or viewed. Run it to change
# versions, then commit the three files (go test ./layerdiff/htmlreport checks them against each other).
set -euo pipefail

name=d3-hierarchy
version=${1:-3.1.3}
here=$(cd "$(dirname "$0")" && pwd)
dest=$here/$name
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vendor-$name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# npm pack downloads the published tarball and checks it against the registry's integrity.
npm pack "$name@$version" --pack-destination "$tmp" --json --silent >"$tmp/pack.json"
integrity=$(node -e 'const p = require(process.argv[1])[0]; process.stdout.write(p.integrity)' "$tmp/pack.json")
file=$(node -e 'const p = require(process.argv[1])[0]; process.stdout.write(p.filename)' "$tmp/pack.json")
licence=$(npm view "$name@$version" license)
tar -xzf "$tmp/$file" -C "$tmp"
got=$(node -e 'process.stdout.write(require(process.argv[1]).version)' "$tmp/package/package.json")
if [ "$got" != "$version" ]; then
	echo "update.sh: the tarball holds $name $got, not $version" >&2
	exit 1
fi

mkdir -p "$dest"
cp "$tmp/package/dist/$name.min.js" "$dest/$name.min.js"
cp "$tmp/package/LICENSE" "$dest/LICENSE"
sha=$(sha256sum "$dest/$name.min.js" | cut -d' ' -f1)
cat >"$dest/SOURCE.json" <<JSON
{
  "name": "$name",
  "version": "$version",
  "license": "$licence",
  "npm_integrity": "$integrity",
  "file": "$name.min.js",
  "sha256": "$sha"
}
JSON
echo "vendored $name $version ($licence) into $dest"
