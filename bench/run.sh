#!/usr/bin/env bash
# bench/run.sh measures layerdiff, `layerdiff history` and layerls on generated images against floors, and
# prints the figures the README quotes (the block after "README figures"), each a ratio measured in one run.
#
#   BENCH_DIR  where the images, the binaries and the temporary listing store live (default
#              /tmp/layerlint-bench); generated images are reused when made with the same parameters
#   SCALE      size of the big pair: 1 is ~0.9 GB and ~120k entries per image over an 80k-file base (default 1)
#   FLAT       files in each image of the flat pair (default 1000000)
#   RUNS       interleaved rounds; every figure is the median over rounds of that round's ratio (default 3)
#   SERVER     1 (default) also measures layerls with a 1 GB, ~156k-entry image loaded; 0 skips it
#
# The images (layerdiff/internal/imagegen):
#   big pair   two app-shaped docker-archives sharing a base layer, 3890 changes between them
#   flat pair  two single-layer images of FLAT empty files: 10 modified, 10 deleted, 10 added
# The floors, each run in the same round as what it is compared with:
#   hashing floor       `sha256sum` of the archives: what any tool that checks the images' bytes costs at least,
#                       with the standard tool (one core)
#   XXH3 floor          imagegen.ReadAndHash (cmd/floor): every layer tar walked with archive/tar and every
#                       file hashed with XXH3, both cores; no SHA-256, no sorting, merging or output
#   headers-only floor  the XXH3 floor on the flat pair, whose files are empty: tar headers only
# Wall time and peak RSS come from /usr/bin/time; the page cache is warmed first so all runs read from RAM.
# The machine may be shared: ratios from one round are comparable, absolute seconds are not.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${BENCH_DIR:-/tmp/layerlint-bench}
scale=${SCALE:-1}
flat=${FLAT:-1000000}
runs=${RUNS:-3}
server=${SERVER:-1}
bin=$dir/bin
mkdir -p "$bin"

echo "building into $bin" >&2
(cd "$root" && go build -o "$bin/layerdiff" ./cmd/layerdiff &&
	go build -o "$bin/gen" ./layerdiff/internal/imagegen/cmd/gen &&
	go build -o "$bin/floor" ./layerdiff/internal/imagegen/cmd/floor)
"$bin/gen" -dir "$dir/big" -scale "$scale"
"$bin/gen" -dir "$dir/flat" -flat "$flat"
if ((server)); then
	"$bin/gen" -dir "$dir/server" -scale 1.3
fi
big=("$dir/big/a.tar" "$dir/big/b.tar")
flatp=("$dir/flat/a.tar" "$dir/flat/b.tar")

work=$(mktemp -d "$dir/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
store=$work/cache
results=$work/results

# measure NAME CMD...: runs CMD once under /usr/bin/time and appends "round NAME wall rss_kib" to $results.
# layerdiff exits 1 for different images; any exit above 1 is a failure.
measure() {
	local name=$1 out=$work/time rc=0
	shift
	/usr/bin/time -f '%e %M' -o "$out" "$@" >"$work/$name.out" || rc=$?
	if ((rc > 1)); then
		echo "$name: exit $rc" >&2
		cat "$out" "$work/$name.out" >&2
		exit 1
	fi
	read -r w m < <(tail -n 1 "$out")
	echo "$round $name $w $m" >>"$results"
	printf '  round %d %-14s %7.2f s %7.1f MiB\n' "$round" "$name" "$w" "$(echo "$m / 1024" | bc -l)" >&2
}

echo "warming the page cache" >&2
cat "${big[@]}" "${flatp[@]}" >/dev/null
awk '{print "load average before measuring: " $1 " " $2 " " $3}' /proc/loadavg >&2
XDG_CACHE_HOME=$store "$bin/layerdiff" --format json "${big[@]}" >/dev/null || (($? == 1))

for ((round = 1; round <= runs; round++)); do
	measure hash-floor sha256sum "${big[@]}"
	measure xxh3-floor "$bin/floor" "${big[@]}"
	measure cold "$bin/layerdiff" --no-cache --format json "${big[@]}"
	measure warm env XDG_CACHE_HOME="$store" "$bin/layerdiff" --format json "${big[@]}"
	measure hash-floor-a sha256sum "${big[0]}"
	measure history "$bin/layerdiff" history --no-cache --format json "${big[0]}"
	measure headers-floor "$bin/floor" "${flatp[@]}"
	measure flat-cold "$bin/layerdiff" --no-cache --format json "${flatp[@]}"
done

# The diffs must be right, not only fast: exactly the generated changes.
changes() { python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(s["added"], s["deleted"], s["modified"])' "$1"; }
read -r fa fd fm < <(changes "$work/flat-cold.out")
read -r ba bd bm < <(changes "$work/cold.out")
cmp -s "$work/cold.out" "$work/warm.out" || { echo "warm and cold diffs of the big pair differ" >&2; exit 1; }

serverRSS=""
if ((server)); then
	echo "measuring layerls with $dir/server/a.tar loaded" >&2
	log=$work/server.log
	(cd "$root" && LAYERLS_MEM_IMAGE=$dir/server/a.tar go test ./lsp -run TestMemoryWithLargeImage -count=1 -v) >"$log" 2>&1 || true
	serverRSS=$(sed -n 's/.*VmHWM: \([0-9.]*\) MiB.*/\1/p' "$log" | head -n 1)
	[[ -n $serverRSS ]] || { echo "layerls memory: no VmHWM in the test's output" >&2; cat "$log" >&2; exit 1; }
	serverEntries=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["EntriesA"])' "$dir/server/pair.json")
	serverGB=$(du -b "$dir/server/a.tar" | awk '{printf "%.2f", $1 / 1e9}')
fi

awk -v runs="$runs" -v scale="$scale" -v flat="$flat" -v fa="$fa" -v fd="$fd" -v fm="$fm" -v bchanges="$((ba + bd + bm))" \
	-v srss="$serverRSS" -v sentries="${serverEntries:-}" -v sgb="${serverGB:-}" '
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function ratio(x, y,   r, v) { for (r = 1; r <= runs; r++) v[r] = wall[r, x] / wall[r, y]; return median(v, runs) }
	function rss(x,   r, v) { for (r = 1; r <= runs; r++) v[r] = mem[r, x] / 1024; return median(v, runs) }
	function secs(x,   r, v) { for (r = 1; r <= runs; r++) v[r] = wall[r, x]; return median(v, runs) }
	function verdict(ok) { return ok ? "met" : "NOT MET" }
	{ wall[$1, $2] = $3; mem[$1, $2] = $4 }
	END {
		printf "\nper round (wall s):\n"
		for (r = 1; r <= runs; r++)
			printf "  %d: hash-floor %.2f xxh3-floor %.2f cold %.2f warm %.2f | hash-floor-a %.2f history %.2f | headers-floor %.2f flat-cold %.2f\n", r,
				wall[r, "hash-floor"], wall[r, "xxh3-floor"], wall[r, "cold"], wall[r, "warm"], wall[r, "hash-floor-a"],
				wall[r, "history"], wall[r, "headers-floor"], wall[r, "flat-cold"]
		c1 = ratio("flat-cold", "headers-floor"); r1 = rss("flat-cold")
		c2 = ratio("cold", "hash-floor"); x2 = ratio("cold", "xxh3-floor"); r2 = rss("cold"); w2 = ratio("warm", "cold")
		h3 = ratio("history", "hash-floor-a"); r3 = rss("history")
		printf "\nREADME figures (bench/run.sh, median of %d interleaved rounds, ratios within a round):\n\n", runs
		printf "| measurement | figure | target | |\n| --- | --- | --- | --- |\n"
		printf "| %s-entry pair, cold diff: time | %.2fx the headers-only floor | 1.5x | %s |\n", flat, c1, verdict(c1 <= 1.5)
		printf "| %s-entry pair, cold diff: peak RSS | %.0f MiB | 100 MiB | %s |\n", flat, r1, verdict(r1 <= 100)
		printf "| %s-entry pair: changes found | %d added, %d deleted, %d modified | 10, 10, 10 | %s |\n", flat, fa, fd, fm, verdict(fa == 10 && fd == 10 && fm == 10)
		printf "| big pair (scale %s, %d changes), cold diff: time | %.2fx the hashing floor (%.2fx the XXH3 floor) | 0.25x | %s |\n", scale, bchanges, c2, x2, verdict(c2 <= 0.25)
		printf "| big pair, cold diff: peak RSS | %.0f MiB | 64 MiB | %s |\n", r2, verdict(r2 <= 64)
		printf "| big pair, warm diff (listings stored) | %.3fx the cold diff | 0.05x | %s |\n", w2, verdict(w2 <= 0.05)
		printf "| layerdiff history of one image: time | %.2fx its hashing floor | 0.4x | %s |\n", h3, verdict(h3 <= 0.4)
		printf "| layerdiff history of one image: peak RSS | %.0f MiB | 64 MiB | %s |\n", r3, verdict(r3 <= 64)
		if (srss != "")
			printf "| layerls with a %s GB, %s-entry image loaded: peak RSS | %.0f MiB | 64 MiB | %s |\n", sgb, sentries, srss, verdict(srss <= 64)
	}' "$results"
