package lint

import (
	"bytes"
	"sort"
)

// ApplyFixes applies the safe fixes of findings to df's source and returns
// the new text and how many fixes were applied. Edits that overlap an
// earlier-applied edit are skipped with their whole fix.
func ApplyFixes(df *Dockerfile, findings []Finding) ([]byte, int) {
	type span struct {
		start, end int
		text       string
	}
	var taken []span
	applied := 0
	overlaps := func(s span) bool {
		for _, t := range taken {
			if s.start < t.end && t.start < s.end || s.start == t.start {
				return true
			}
		}
		return false
	}
	for _, f := range findings {
		if f.Fix == nil || !f.Fix.Safe || len(f.Fix.Edits) == 0 {
			continue
		}
		var spans []span
		ok := true
		for _, e := range f.Fix.Edits {
			s := span{df.Offset(Position{e.StartLine, e.StartCol}), df.Offset(Position{e.EndLine, e.EndCol}), e.NewText}
			if s.end < s.start || overlaps(s) {
				ok = false
				break
			}
			spans = append(spans, s)
		}
		if !ok {
			continue
		}
		taken = append(taken, spans...)
		applied++
	}
	sort.Slice(taken, func(i, j int) bool { return taken[i].start > taken[j].start })
	out := bytes.Clone(df.Source)
	for _, s := range taken {
		out = append(out[:s.start], append([]byte(s.text), out[s.end:]...)...)
	}
	return out, applied
}
