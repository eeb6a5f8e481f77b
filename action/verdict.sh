#!/usr/bin/env bash
# action/verdict.sh: the last step of action.yml. Fails the job when layerdiff could not compare the images
# (EXIT_CODE 2, or none: the comparison did not run), or when FAIL_ON_GROWTH is set and the head image grew
# more (EXIT_CODE 1). Without a budget a difference is what a pull request is for: the job passes.
set -uo pipefail

case "${EXIT_CODE:-}" in
0)
	if [ -n "${FAIL_ON_GROWTH:-}" ]; then
		echo "layerdiff: the head image grew by $FAIL_ON_GROWTH or less"
	else
		echo "layerdiff: the images have the same files and config"
	fi
	;;
1)
	if [ -n "${FAIL_ON_GROWTH:-}" ]; then
		echo "::error::layerdiff: the head image grew by more than $FAIL_ON_GROWTH"
		exit 1
	fi
	echo "layerdiff: the images differ"
	;;
*)
	echo "::error::layerdiff could not compare the images (exit ${EXIT_CODE:-none}); see the Compare step"
	exit 1
	;;
esac
