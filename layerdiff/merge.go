package layerdiff

import (
	"slices"
	"strings"
)

// Node is one path of a merged filesystem: the entry that is visible there and the index of the layer that
// wrote it (0 is the bottom layer).
type Node struct {
	*Entry
	Layer int
}

// Tree is the filesystem an image's layers make when stacked the way overlayfs stacks them.
type Tree struct {
	// Nodes are the visible entries, sorted by ComparePaths.
	Nodes []Node
	// Removed maps each path that some layer deleted (by whiteout, opaque directory or a change of type from
	// directory to non-directory) and that no later layer brought back, to the index of the last layer that
	// deleted it. Paths a layer re-adds may stay here: consult it only for paths absent from Nodes.
	Removed map[string]int
}

// Lookup returns the visible node at p.
func (t *Tree) Lookup(p string) (Node, bool) {
	i, ok := slices.BinarySearchFunc(t.Nodes, p, func(n Node, p string) int { return ComparePaths(n.Path, p) })
	if !ok {
		return Node{}, false
	}
	return t.Nodes[i], true
}

// MergeLayers stacks layers bottom first with the OCI whiteout rules: a layer's whiteouts and opaque markers
// delete from the layers below it only (never an entry of the same layer, wherever it stands in the tar); an
// entry replaces the one below it at the same path; a non-directory replacing a directory removes the
// directory's contents; a directory (or anything under a path) replacing a non-directory replaces it.
func MergeLayers(layers []*LayerIndex) *Tree {
	t := &Tree{Removed: map[string]int{}}
	var next []Node
	for k, l := range layers {
		if len(l.Whiteouts) > 0 || len(l.Opaques) > 0 {
			t.Nodes = t.applyDeletions(t.Nodes, l, k)
		}
		next = t.applyEntries(next[:0], t.Nodes, l, k)
		t.Nodes, next = next, t.Nodes
	}
	return t
}

// applyDeletions filters cur (in place) by the whiteouts and opaque markers of layer k.
func (t *Tree) applyDeletions(cur []Node, l *LayerIndex, k int) []Node {
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

// applyEntries merges the sorted entries of layer k over the sorted nodes cur into out.
func (t *Tree) applyEntries(out, cur []Node, l *LayerIndex, k int) []Node {
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
				out = append(out, Node{Entry: &Entry{Path: n.Path, Type: TypeDir, Mode: 0o755}, Layer: k})
				continue
			}
			out = append(out, n)
		case c > 0: // only in this layer
			e := &up[j]
			j++
			out = append(out, Node{Entry: e, Layer: k})
			if !e.IsDir() {
				skipUnder(e.Path)
			}
		default: // replaced
			lower := cur[i]
			e := &up[j]
			i++
			j++
			out = append(out, Node{Entry: e, Layer: k})
			if lower.IsDir() && !e.IsDir() {
				skipUnder(e.Path)
			}
		}
	}
	return out
}
