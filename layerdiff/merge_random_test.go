package layerdiff

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomStack makes layers over a small universe of paths so that every rule of the merge meets every
// other: files over directories and back, whiteouts of files and of directories, opaque directories (and an
// opaque root), entries under non-directories, whiteouts next to entries of the same layer.
func randomStack(r *rand.Rand) []*LayerIndex {
	names := []string{"a", "b", "a-b", "a.b"}
	var universe []string
	var walk func(prefix string, depth int)
	walk = func(prefix string, depth int) {
		for _, n := range names[:2+r.IntN(3)] {
			p := n
			if prefix != "" {
				p = prefix + "/" + n
			}
			universe = append(universe, p)
			if depth < 3 {
				walk(p, depth+1)
			}
		}
	}
	walk("", 1)
	layers := make([]*LayerIndex, 1+r.IntN(5))
	for k := range layers {
		es := map[string]Entry{}
		wo, op := map[string]bool{}, map[string]bool{}
		for range r.IntN(12) {
			p := universe[r.IntN(len(universe))]
			switch r.IntN(10) {
			case 0, 1, 2:
				es[p] = Entry{Path: p, Type: TypeDir, Mode: 0o755, UID: r.IntN(2)}
			case 3, 4, 5:
				es[p] = Entry{Path: p, Type: TypeFile, Size: int64(r.IntN(3)), Hash: Hash{byte(r.IntN(3))}, Mode: 0o644}
			case 6:
				es[p] = Entry{Path: p, Type: TypeSymlink, Link: universe[r.IntN(len(universe))]}
			case 7, 8:
				wo[p] = true
			case 9:
				if r.IntN(8) == 0 {
					p = ""
				}
				op[p] = true
			}
		}
		idx := &LayerIndex{Entries: slices.SortedFunc(maps.Values(es), func(a, b Entry) int { return ComparePaths(a.Path, b.Path) }),
			Whiteouts: slices.SortedFunc(maps.Keys(wo), ComparePaths), Opaques: slices.SortedFunc(maps.Keys(op), ComparePaths)}
		layers[k] = idx
	}
	return layers
}

func describeTree(nodes []string, removed map[string]int) string {
	return fmt.Sprintf("%q removed %v", nodes, removed)
}

// TestMergeMatchesInMemoryMerge checks the streaming merge against the merge it replaced, which applied one
// layer at a time to a whole tree in memory, on many random stacks.
func TestMergeMatchesInMemoryMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for i := range 20000 {
		layers := randomStack(r)
		want := oldMergeLayers(layers)
		got := MergeLayers(layers)
		var wn, gn []string
		for _, n := range want.Nodes {
			wn = append(wn, fmt.Sprintf("%s:%s@%d:%o:%d:%s:%x", n.Path, n.Type, n.Layer, n.Mode, n.UID, n.Link, n.Hash[:1]))
		}
		for _, n := range got.Nodes {
			gn = append(gn, fmt.Sprintf("%s:%s@%d:%o:%d:%s:%x", n.Path, n.Type, n.Layer, n.Mode, n.UID, n.Link, n.Hash[:1]))
		}
		if !slices.Equal(wn, gn) || !maps.Equal(want.Removed, got.Removed) {
			for k, l := range layers {
				t.Logf("layer %d: entries %v whiteouts %q opaques %q", k, paths(l.Entries), l.Whiteouts, l.Opaques)
			}
			t.Fatalf("stack %d:\n got %s\nwant %s", i, describeTree(gn, got.Removed), describeTree(wn, want.Removed))
		}
	}
}

// TestComparePathsWordAtATime checks the fast ComparePaths against the byte-by-byte rule on random paths
// with long shared prefixes and '/' at every position.
func TestComparePathsWordAtATime(t *testing.T) {
	slow := func(a, b string) int {
		for i := 0; i < min(len(a), len(b)); i++ {
			if a[i] != b[i] {
				return comparePathByte(a[i], b[i])
			}
		}
		return cmpInt(len(a), len(b))
	}
	r := rand.New(rand.NewPCG(3, 5))
	alphabet := "/-.a0/"
	gen := func(prefix string) string {
		b := []byte(prefix)
		for range r.IntN(20) {
			b = append(b, alphabet[r.IntN(len(alphabet))])
		}
		return string(b)
	}
	for range 200000 {
		prefix := gen("")
		a, b := gen(prefix), gen(prefix)
		if got, want := ComparePaths(a, b), slow(a, b); got != want {
			t.Fatalf("ComparePaths(%q, %q) = %d, want %d", a, b, got, want)
		}
	}
}
