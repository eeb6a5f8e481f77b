#!/usr/bin/env bash
# action/comment.sh: the "Comment on the pull request" step of action.yml. Posts MARKDOWN on pull request
# PR_NUMBER of GITHUB_REPOSITORY with the GitHub CLI (GH_TOKEN), or updates the comment this action posted
# there before (the one that starts with its marker), so that a pull request has one layerdiff comment.
# Outside a pull request it does nothing. A token that may not comment (a pull request from a fork) is a
# warning, not a failure.
set -uo pipefail

: "${MARKDOWN:?}"
if [ -z "${PR_NUMBER:-}" ]; then
	echo "not a pull request: no comment"
	exit 0
fi
: "${GITHUB_REPOSITORY:?}"
marker='<!-- layerdiff-action -->'
limit=65000 # GitHub takes 65,536 characters
body=$(mktemp)
trap 'rm -f "$body"' EXIT
if [ "$(wc -m <"$MARKDOWN")" -gt "$limit" ]; then
	head -c "$((limit - 200))" "$MARKDOWN" >"$body"
	printf '\n\n…cut here: GitHub takes 65,536 characters. The HTML report artifact holds everything.\n' >>"$body"
else
	cat "$MARKDOWN" >"$body"
fi

id=$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" \
	--jq ".[] | select(.body | startswith(\"$marker\")) | .id" | tail -n 1) || {
	echo "::warning::layerdiff: could not read the pull request's comments (does the token have pull-requests: write?)"
	exit 0
}
if [ -n "$id" ]; then
	gh api -X PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -F "body=@$body" >/dev/null &&
		echo "updated comment $id" && exit 0
else
	gh api -X POST "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" -F "body=@$body" >/dev/null &&
		echo "commented on #$PR_NUMBER" && exit 0
fi
echo "::warning::layerdiff: could not comment on #$PR_NUMBER (a pull request from a fork gets a read-only token)"
