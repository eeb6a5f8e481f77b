package layerdiff

import (
	"context"
	"io"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// LayerIndex is the listing of one layer held in memory: every entry with its metadata and content hash, and
// what the layer deletes from the layers below. It suits small layers and tests; images are read into
// Listings, which stream.
type LayerIndex struct {
	DiffID v1.Hash
	// Entries are sorted by ComparePaths, one per path: when a tar holds a path twice, the later entry wins.
	Entries []Entry
	// Whiteouts are paths this layer deletes from the layers below, with everything under them; sorted.
	Whiteouts []string
	// Opaques are directories whose contents in the layers below this layer hides; sorted.
	Opaques []string
	// TarSize is the size of the uncompressed tar stream in bytes.
	TarSize int64
	// FileBytes is the sum of the sizes of the regular files the layer adds.
	FileBytes int64
}

// Lookup returns the layer's own entry for p.
func (l *LayerIndex) Lookup(p string) (*Entry, bool) {
	i, ok := slices.BinarySearchFunc(l.Entries, p, func(e Entry, p string) int { return ComparePaths(e.Path, p) })
	if !ok {
		return nil, false
	}
	return &l.Entries[i], true
}

// IndexLayer reads the uncompressed tar stream r once and returns its listing in memory, hashing every
// regular file's contents on the way. A layer whose tar is not in path order is sorted in runs spilled to
// the system's temporary directory.
func IndexLayer(ctx context.Context, r io.Reader) (*LayerIndex, error) {
	l, s, err := buildListing(ctx, r, buildConfig{})
	if err != nil {
		return nil, err
	}
	defer s.discard()
	return l.Index(ctx)
}
