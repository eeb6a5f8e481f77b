package lsp

import (
	"github.com/layerlint/layerlint/layerdiff/cache"
	"github.com/layerlint/layerlint/layerdiff/history"
)

// carryForward keeps hints on screen while the user types an instruction that does not parse yet: BuildKit
// then rejects the text ("ENV must have two arguments"), and s has no instructions, alignment or
// prediction of its own. good is the document's latest snapshot that had a prediction of its own, in the
// same environment. Every instruction of good that ends above the first line where the texts differ is
// unchanged and at the same place, and so is its verdict and its layer: s takes those over. The edited
// instruction and those after it show nothing until the text parses again. It returns how many
// instructions it carried.
func carryForward(s, good *Snapshot) int {
	if s == nil || good == nil || s.gen != good.gen || good.Prediction == nil || s.Prediction != nil ||
		(s.AST != nil && s.PredictErr == nil) {
		return 0
	}
	diff := firstDifferentLine(s.lines, good.lines)
	var kept []Instr
	pred := map[int]cache.Step{}
	var steps map[int]history.Step
	for _, in := range good.Instructions {
		if in.EndLine >= diff {
			break
		}
		kept = append(kept, in)
		if st, ok := good.Prediction[in.Line]; ok {
			pred[in.Line] = st
		}
		if st, ok := good.Steps[in.Line]; ok && s.Steps == nil {
			if steps == nil {
				steps = map[int]history.Step{}
			}
			steps[in.Line] = st
		}
	}
	if len(kept) == 0 {
		return 0
	}
	if s.AST == nil {
		s.Instructions = kept
	}
	s.Prediction, s.Carried = pred, true
	if steps != nil {
		s.Steps, s.Base = steps, good.Base
	}
	return len(kept)
}

// firstDifferentLine returns the 1-based number of the first line where a and b differ (one past the
// shorter when one is a prefix of the other).
func firstDifferentLine(a, b *lines) int {
	n := min(a.count(), b.count())
	for i := range n {
		if a.line(i) != b.line(i) {
			return i + 1
		}
	}
	return n + 1
}
