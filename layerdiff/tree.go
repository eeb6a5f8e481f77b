package layerdiff

import (
	"context"
	"slices"
)

// Node is one path of a merged filesystem held in memory: the entry that is visible there and the index of
// the layer that wrote it (0 is the bottom layer).
type Node struct {
	*Entry
	Layer int
}

// Tree is a merged filesystem held in memory, for small images and tests; Merge streams the same.
type Tree struct {
	// Nodes are the visible entries, sorted by ComparePaths.
	Nodes []Node
	// Removed maps each path that some layer deleted (by whiteout, opaque directory or a change of type from
	// directory to non-directory) to the index of the last layer that deleted it. Paths a layer re-adds may
	// stay here: consult it only for paths absent from Nodes.
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

// MergeLayers stacks layers held in memory, bottom first, as Merge does, and returns the whole tree.
func MergeLayers(layers []*LayerIndex) *Tree {
	ls := make([]*Listing, len(layers))
	for i, idx := range layers {
		ls[i] = idx.Listing()
	}
	t := &Tree{Removed: map[string]int{}}
	for mp, err := range Merge(context.Background(), ls) {
		if err != nil {
			panic("layerdiff: merging listings held in memory: " + err.Error()) // cannot happen: nothing is read
		}
		if mp.Node != nil {
			e := *mp.Node
			t.Nodes = append(t.Nodes, Node{Entry: &e, Layer: mp.Layer})
		}
		if mp.Removed >= 0 {
			t.Removed[mp.Path] = mp.Removed
		}
	}
	return t
}

// Listing encodes the layer as a Listing held in memory, for images made in memory (tests, tools).
func (idx *LayerIndex) Listing() *Listing {
	l, err := listIndex(idx, buildConfig{sortBudget: 1 << 40, memLimit: 1 << 40})
	if err != nil {
		panic("layerdiff: encoding a listing in memory: " + err.Error()) // cannot happen: nothing is written to disk
	}
	return l
}

// listIndex encodes idx as a listing.
func listIndex(idx *LayerIndex, cfg buildConfig) (*Listing, error) {
	b, err := newListingBuilder(cfg)
	if err != nil {
		return nil, err
	}
	defer b.discard()
	for i := range idx.Entries {
		if err := b.addEntry(&idx.Entries[i]); err != nil {
			return nil, err
		}
	}
	for _, d := range []struct {
		paths []string
		kind  byte
	}{{idx.Whiteouts, delWhiteout}, {idx.Opaques, delOpaque}} {
		for _, p := range d.paths {
			if err := b.addDeletion(p, d.kind); err != nil {
				return nil, err
			}
		}
	}
	l, _, err := b.finish(context.Background(), idx.TarSize)
	if err != nil {
		return nil, err
	}
	l.DiffID, l.FileBytes = idx.DiffID, idx.FileBytes
	return l, nil
}
