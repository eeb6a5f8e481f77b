package cache

import (
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerlint/layerlint/layerdiff/history"
)

// stageStart returns the index of the history entry the stage's first instruction after FROM wrote. A builder
// reuses step i of a stage only when it reused steps 0..i-1, so the steps align with the entries that follow
// the base image's by position. buildah marks that entry with the comment "FROM <base>"; without the mark
// (other builders, or a base named by an earlier stage) the offset whose entries match the most leading
// instructions by keyword (and RUN text) wins, ties going to "the last len(steps) entries".
func stageStart(hist []v1.History, base string, steps []instruction) int {
	if base == "scratch" {
		return 0
	}
	for i := len(hist) - 1; i >= 0; i-- {
		if hist[i].Comment == "FROM "+base {
			return i
		}
	}
	guess := max(len(hist)-len(steps), 0)
	best, bestScore := guess, 0
	for o := 0; o <= len(hist); o++ {
		score := 0
		for i := 0; o+i < len(hist) && i < len(steps); i++ {
			if !sameKind(steps[i], hist[o+i]) {
				break
			}
			score++
		}
		if score > bestScore || (score == bestScore && abs(o-guess) < abs(best-guess)) {
			best, bestScore = o, score
		}
	}
	return best
}

// sameKind reports whether a history entry records the instruction's keyword (and, for RUN, its text).
func sameKind(in instruction, h v1.History) bool {
	cb := history.ParseCreatedBy(h.CreatedBy)
	if cb.Command != in.keyword() {
		return false
	}
	return cb.Command != "RUN" || collapse(cb.Body) == in.body()
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// historyLayers maps each history entry to the index of the layer it made, -1 for empty_layer entries (and
// for entries past the last layer).
func historyLayers(hist []v1.History, layers int) []int {
	out := make([]int, len(hist))
	k := 0
	for i, h := range hist {
		if h.EmptyLayer || k >= layers {
			out[i] = -1
			continue
		}
		out[i] = k
		k++
	}
	return out
}
