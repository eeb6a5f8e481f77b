// The merge as it was before it streamed: an in-memory oracle for the streaming merge.
package layerdiff

import (
	"slices"
	"strings"
)

type oldNode struct {
	*Entry
	Layer int
}

type oldTree struct {
	// Nodes are the visible entries, sorted by ComparePaths.
	Nodes []oldNode
	// Removed maps each path that some layer deleted (by whiteout, opaque directory or a change of type from
	// directory to non-directory) and that no later layer brought back, to the index of the last layer that
	// deleted it. Paths a layer re-adds may stay here: consult it only for paths absent from Nodes.
	Removed map[string]int
}

func (t *oldTree) Lookup(p string) (oldNode, bool) {
	i, ok := slices.BinarySearchFunc(t.Nodes, p, func(n oldNode, p string) int { return ComparePaths(n.Path, p) })
	if !ok {
		return oldNode{}, false
	}
	return t.Nodes[i], true
}

func oldMergeLayers(layers []*LayerIndex) *oldTree {
	t := &oldTree{Removed: map[string]int{}}
	var next []oldNode
	for k, l := range layers {
		if len(l.Whiteouts) > 0 || len(l.Opaques) > 0 {
			t.Nodes = t.applyDeletions(t.Nodes, l, k)
		}
		next = t.applyEntries(next[:0], t.Nodes, l, k)
		t.Nodes, next = next, t.Nodes
	}
	return t
}

func (t *oldTree) applyDeletions(cur []oldNode, l *LayerIndex, k int) []oldNode {
	whiteout := make(map[string]bool, len(l.Whiteouts))
	for _, p := range l.Whiteouts {
		whiteout[p] = true
	}
	opaque := make(map[string]bool, len(l.Opaques))
	for _, p := range l.Opaques {
		opaque[p] = true
	}
	deleted := func(p string) bool {
		if whiteout[p] {
			return true
		}
		// p is hidden when an ancestor is whited out or opaque; the root ("") can be opaque too.
		for dir := p; ; {
			i := strings.LastIndexByte(dir, '/')
			if i < 0 {
				return opaque[""]
			}
			dir = dir[:i]
			if whiteout[dir] || opaque[dir] {
				return true
			}
		}
	}
	out := cur[:0]
	for _, n := range cur {
		if deleted(n.Path) {
			t.Removed[n.Path] = k
			continue
		}
		out = append(out, n)
	}
	return out
}

func (t *oldTree) applyEntries(out, cur []oldNode, l *LayerIndex, k int) []oldNode {
	up := l.Entries
	i, j := 0, 0
	// skipUnder drops the lower nodes below p: a non-directory took the place of a directory.
	skipUnder := func(p string) {
		for i < len(cur) && IsUnder(cur[i].Path, p) {
			t.Removed[cur[i].Path] = k
			i++
		}
	}
	for i < len(cur) || j < len(up) {
		c := 0
		switch {
		case i == len(cur):
			c = 1
		case j == len(up):
			c = -1
		default:
			c = ComparePaths(cur[i].Path, up[j].Path)
		}
		switch {
		case c < 0: // only below
			n := cur[i]
			i++
			if !n.IsDir() && j < len(up) && IsUnder(up[j].Path, n.Path) {
				// The layer writes below a path that was not a directory: the path becomes one.
				out = append(out, oldNode{Entry: &Entry{Path: n.Path, Type: TypeDir, Mode: 0o755}, Layer: k})
				continue
			}
			out = append(out, n)
		case c > 0: // only in this layer
			e := &up[j]
			j++
			out = append(out, oldNode{Entry: e, Layer: k})
			if !e.IsDir() {
				skipUnder(e.Path)
			}
		default: // replaced
			lower := cur[i]
			e := &up[j]
			i++
			j++
			out = append(out, oldNode{Entry: e, Layer: k})
			if lower.IsDir() && !e.IsDir() {
				skipUnder(e.Path)
			}
		}
	}
	return out
}
