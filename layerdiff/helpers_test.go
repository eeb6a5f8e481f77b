package layerdiff

import (
	"context"
	"testing"
)

// finish sorts and deduplicates l.Entries the way reading a tar does: through the listing builder (in path
// order straight through, otherwise in sorted runs) and back into memory.
func (l *LayerIndex) finish() {
	ctx := context.Background()
	b, err := newListingBuilder(buildConfig{})
	if err != nil {
		panic(err)
	}
	defer b.discard()
	for i := range l.Entries {
		if err := b.addEntry(&l.Entries[i]); err != nil {
			panic(err)
		}
	}
	lst, s, err := b.finish(ctx, 0)
	if err != nil {
		panic(err)
	}
	defer s.discard()
	idx, err := lst.Index(ctx)
	if err != nil {
		panic(err)
	}
	l.Entries = idx.Entries
}

// diff runs Diff and fails the test on an error.
func diff(t testing.TB, a, b *Image, opts ...DiffOption) *Report {
	t.Helper()
	rep, err := Diff(context.Background(), a, b, opts...)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	return rep
}

// materialize reads a listing into memory.
func materialize(t testing.TB, l *Listing) *LayerIndex {
	t.Helper()
	idx, err := l.Index(context.Background())
	if err != nil {
		t.Fatalf("reading listing %s: %v", l.DiffID, err)
	}
	return idx
}
