package history

import "strings"

// bestOffset finds where the Dockerfile's entries start when no builder mark says so. When every instruction
// matches the newest entries, that is the answer (BoundaryTail). Otherwise each offset is scored the way an
// edit distance would: the head of the Dockerfile matches entries from the offset on, its tail matches the
// newest entries, and what lies between — instructions no entry explains and entries no instruction explains
// — is the cost, one less when the first of each have the same keyword (an edited instruction rather than an
// inserted one and a removed one). The cheapest offset wins; ties go to the longer head, then to the offset
// nearest the newest entries that the Dockerfile's instructions would fill. When nothing matches at all that
// last offset is taken (BoundaryGuess).
func (al *aligner) bestOffset() (int, Boundary) {
	n, h := len(al.ins), len(al.hist)
	tail := al.tail()
	if len(tail) == n {
		start := h
		for _, p := range tail {
			if p.j >= 0 {
				start = p.j
			}
		}
		return start, BoundaryTail
	}
	recorded := 0
	for i := range al.ins {
		if !al.optional(i) {
			recorded++
		}
	}
	guess := max(h-recorded, 0)
	best, bestCost, bestHead, found := guess, -1, 0, false
	for o := 0; o <= h; o++ {
		_, pi, pj := al.prefixFrom(o)
		ti, tj := 0, 0
		for _, p := range tail {
			if p.i < pi || (p.j >= 0 && p.j < pj) {
				break
			}
			if p.j >= 0 {
				tj++
			}
			ti++
		}
		if pi == 0 && ti == 0 {
			continue
		}
		gapI, gapJ := n-pi-ti, h-pj-tj
		cost := gapI + gapJ
		if gapI > 0 && gapJ > 0 && al.cbs[pj].Command == strings.ToUpper(al.ins[pi].cmd.Name()) {
			cost--
		}
		better := !found || cost < bestCost ||
			(cost == bestCost && (pi > bestHead || (pi == bestHead && abs(o-guess) < abs(best-guess))))
		if better {
			best, bestCost, bestHead, found = o, cost, pi, true
		}
	}
	if !found {
		return guess, BoundaryGuess
	}
	return best, BoundaryOffset
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}
