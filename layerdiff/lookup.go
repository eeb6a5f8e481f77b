package layerdiff

import (
	"context"
	"slices"
	"strings"
)

// LookupPaths returns the visible nodes at paths in the filesystem that layers (bottom first) make, in one
// pass over their merged stream (which stops after the last wanted path). Paths with nothing visible are
// absent from the result. The nodes are copies the caller owns.
func LookupPaths(ctx context.Context, layers []*Listing, paths []string) (map[string]Node, error) {
	out := map[string]Node{}
	if len(paths) == 0 {
		return out, nil
	}
	want := make(map[string]bool, len(paths))
	last := paths[0]
	for _, p := range paths {
		want[p] = true
		if ComparePaths(p, last) > 0 {
			last = p
		}
	}
	for mp, err := range Merge(ctx, layers) {
		if err != nil {
			return nil, err
		}
		if mp.Node != nil && want[mp.Path] {
			e := *mp.Node
			e.Path, e.Link = strings.Clone(e.Path), strings.Clone(e.Link)
			out[e.Path] = Node{Entry: &e, Layer: mp.Layer}
		}
		if ComparePaths(mp.Path, last) >= 0 {
			break
		}
	}
	return out, nil
}

// sortedPaths returns the keys of set in path order.
func sortedPaths(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	slices.SortFunc(out, ComparePaths)
	return out
}
