#!/usr/bin/env bash
# bench/run.sh measures `layerdiff A B` on a generated pair of app-shaped images against the floor, in one run.
#
#   BENCH_DIR  where the pair, the binaries and the temporary caches live (default /tmp/layerlint-bench);
#              the pair is reused when it was made with the same SEED and SCALE
#   SCALE      size of the pair: 1 is ~0.8 GB and ~120k entries per image sharing an 80k-file base (default 1)
#   SEED       generator seed (default 1)
#   RUNS       runs per measurement; the median is reported (default 3)
#
# The floor (layerdiff/internal/imagegen.ReadAndHash, built as cmd/floor) is the least a diff of these
# archives must do, in one process on every CPU: read every layer tar of both archives once (the shared base
# twice, as two archives hold it), walk it with archive/tar and hash every regular file's bytes with XXH3.
# It does no SHA-256 DiffID check, no sorting, merging, diffing, config parsing or output. "floor-dedup"
# reads the shared base layer once, as layerdiff does; it is reported as a stricter reference.
#
# Targets: cold diff <= 1.3x floor wall time, peak RSS <= 100 MiB, warm (cached listings) < 5% of cold.
# Wall time and peak RSS come from /usr/bin/time; the page cache is warmed first so all runs read from RAM.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${BENCH_DIR:-/tmp/layerlint-bench}
scale=${SCALE:-1}
seed=${SEED:-1}
runs=${RUNS:-3}
bin=$dir/bin
mkdir -p "$bin"

echo "building into $bin" >&2
(cd "$root" && go build -o "$bin/layerdiff" ./cmd/layerdiff &&
	go build -o "$bin/gen" ./layerdiff/internal/imagegen/cmd/gen &&
	go build -o "$bin/floor" ./layerdiff/internal/imagegen/cmd/floor)
"$bin/gen" -dir "$dir" -seed "$seed" -scale "$scale"
a=$dir/a.tar
b=$dir/b.tar
cache=$(mktemp -d "$dir/cache.XXXXXX")
trap 'rm -rf "$cache"' EXIT

# measure NAME CMD...: runs CMD $runs times under /usr/bin/time and appends "NAME wall rss_kib cpu" (medians) to
# $results. layerdiff exits 1 for different images; any exit above 1 is a failure.
results=$(mktemp "$dir/results.XXXXXX")
trap 'rm -rf "$cache" "$results"' EXIT
median() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; }
measure() {
	local name=$1 walls=() rsss=() cpus=() out rc
	shift
	for ((i = 0; i < runs; i++)); do
		out=$(mktemp "$dir/time.XXXXXX")
		rc=0
		/usr/bin/time -f '%e %M %U %S' -o "$out" "$@" >/dev/null || rc=$?
		if ((rc > 1)); then
			echo "$name: exit $rc" >&2
			cat "$out" >&2
			exit 1
		fi
		read -r w m u s < <(tail -n 1 "$out")
		rm -f "$out"
		walls+=("$w")
		rsss+=("$m")
		cpus+=("$(echo "$u + $s" | bc)")
		echo "  $name run $((i + 1)): ${w}s wall, ${cpus[-1]}s cpu, $((m / 1024)) MiB" >&2
	done
	echo "$name $(median "${walls[@]}") $(median "${rsss[@]}") $(median "${cpus[@]}")" >>"$results"
}

echo "warming the page cache" >&2
"$bin/floor" "$a" "$b" >&2
awk '{print "load average before measuring: " $1 " " $2 " " $3}' /proc/loadavg >&2

measure floor "$bin/floor" "$a" "$b"
measure floor-dedup "$bin/floor" -dedup "$a" "$b"
measure cold "$bin/layerdiff" --no-cache --format json "$a" "$b"
measure cold-no-verify "$bin/layerdiff" --no-cache --no-verify --format json "$a" "$b"
XDG_CACHE_HOME=$cache "$bin/layerdiff" --format json "$a" "$b" >/dev/null || (($? == 1))
measure warm env XDG_CACHE_HOME="$cache" "$bin/layerdiff" --format json "$a" "$b"

awk -v scale="$scale" '
	{ wall[$1] = $2; rss[$1] = $3 / 1024; cpu[$1] = $4; order[NR] = $1 }
	END {
		printf "\nlayerdiff benchmark, scale %s, median of %s runs\n", scale, runs
		printf "%-16s %8s %8s %8s %9s %9s %9s\n", "run", "wall s", "cpu s", "RSS MiB", "wall/flr", "cpu/flr", "wall/ddp"
		for (i = 1; i <= NR; i++) {
			n = order[i]
			printf "%-16s %8.2f %8.2f %8.1f %9.2f %9.2f %9.2f\n", n, wall[n], cpu[n], rss[n],
				wall[n] / wall["floor"], cpu[n] / cpu["floor"], wall[n] / wall["floor-dedup"]
		}
		ratio = wall["cold"] / wall["floor"]
		warm = wall["warm"] / wall["cold"]
		printf "\ncold diff / floor (wall)   %6.2f    target <= 1.30  %s\n", ratio, ratio <= 1.3 ? "PASS" : "FAIL"
		printf "cold diff / floor (cpu)    %6.2f    (less sensitive to other load on the machine)\n", cpu["cold"] / cpu["floor"]
		printf "cold diff / floor-dedup    %6.2f    (reference: the floor reading the shared layer once)\n", wall["cold"] / wall["floor-dedup"]
		printf "no-verify / floor (wall)   %6.2f    (the SHA-256 DiffID check costs %.0f%% of the cold wall time)\n",
			wall["cold-no-verify"] / wall["floor"], 100 * (wall["cold"] - wall["cold-no-verify"]) / wall["cold"]
		printf "cold peak RSS              %6.1f MiB target <= 100  %s\n", rss["cold"], rss["cold"] <= 100 ? "PASS" : "FAIL"
		printf "warm / cold (wall)         %6.3f    target < 0.05  %s\n", warm, warm < 0.05 ? "PASS" : "FAIL"
	}' runs="$runs" "$results"
