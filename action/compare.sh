#!/usr/bin/env bash
# action/compare.sh: the "Compare the images" step of action.yml. Runs layerdiff between BASE_IMAGE and
# HEAD_IMAGE into OUT: the markdown comparison (with --fail-on-growth when FAIL_ON_GROWTH is set) and the
# HTML report (with the head's DOCKERFILE and BUILD_CONTEXT when given). Writes the step's outputs
# (exit-code, growth, markdown, html) to $GITHUB_OUTPUT and the comparison to the job summary. It exits 0
# whatever layerdiff said, so that the comment and the artifact are made; action/verdict.sh decides.
set -uo pipefail

: "${LAYERDIFF:?}" "${OUT:?}" "${BASE_IMAGE:?base-image is required}" "${HEAD_IMAGE:?head-image is required}"
mkdir -p "$OUT"
# Layer listings are cached: the second and third commands read no layer again.
export XDG_CACHE_HOME="$OUT/cache"
md=$OUT/layerdiff.md
html=$OUT/layerdiff-report.html
marker='<!-- layerdiff-action -->'

common=()
[ -n "${PLATFORM:-}" ] && common+=(--platform "$PLATFORM")
budget=()
[ -n "${FAIL_ON_GROWTH:-}" ] && budget+=(--fail-on-growth "$FAIL_ON_GROWTH")

rc=0
"$LAYERDIFF" --format markdown "${common[@]}" "${budget[@]}" "$BASE_IMAGE" "$HEAD_IMAGE" >"$OUT/body.md" 2>"$OUT/stderr" || rc=$?
cat "$OUT/stderr" >&2
growth=""
if [ "$rc" -le 1 ]; then
	# The JSON's summary has the growth in bytes; the listings are cached by now.
	"$LAYERDIFF" --format json "${common[@]}" "$BASE_IMAGE" "$HEAD_IMAGE" >"$OUT/layerdiff.json" 2>/dev/null
	growth=$(sed -n 's/^    "growth": \(-\{0,1\}[0-9]*\),\{0,1\}$/\1/p' "$OUT/layerdiff.json" | tail -n 1)
fi

report=(report -o "$html" "${common[@]}")
[ -n "${DOCKERFILE:-}" ] && report+=(--dockerfile "$DOCKERFILE")
[ -n "${BUILD_CONTEXT:-}" ] && report+=(--context "$BUILD_CONTEXT")
html_ok=1
if [ "$rc" -le 1 ] && ! "$LAYERDIFF" "${report[@]}" "$BASE_IMAGE" "$HEAD_IMAGE" 2>"$OUT/report.stderr"; then
	cat "$OUT/report.stderr" >&2
	html_ok=0
fi

{
	echo "$marker"
	if [ "$rc" -ge 2 ]; then
		echo "### layerdiff: \`$BASE_IMAGE\` → \`$HEAD_IMAGE\`"
		echo
		echo "layerdiff could not compare the images:"
		echo
		echo '```'
		cat "$OUT/stderr"
		echo '```'
	else
		cat "$OUT/body.md"
		if [ -n "${FAIL_ON_GROWTH:-}" ]; then
			echo
			if [ "$rc" -eq 1 ]; then
				echo "**Over budget:** the head image grew by more than $FAIL_ON_GROWTH."
			else
				echo "**Within budget:** the head image grew by $FAIL_ON_GROWTH or less."
			fi
		fi
		echo
		if [ "$html_ok" -eq 1 ]; then
			run_url="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/${GITHUB_RUN_ID:-}"
			echo "The HTML report (a treemap of where the bytes changed) is the artifact \`${ARTIFACT_NAME:-layerdiff-report}\` of [this run]($run_url)."
		else
			echo "The HTML report could not be made: $(head -n 1 "$OUT/report.stderr")"
		fi
	fi
} >"$md"

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
	cat "$md" >>"$GITHUB_STEP_SUMMARY"
fi
{
	echo "exit-code=$rc"
	echo "growth=$growth"
	echo "markdown=$md"
	if [ "$html_ok" -eq 1 ] && [ -f "$html" ]; then echo "html=$html"; else echo "html="; fi
} >>"${GITHUB_OUTPUT:-/dev/stdout}"
echo "layerdiff exited $rc${growth:+; the head image grew by $growth bytes}"
