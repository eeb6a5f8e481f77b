package layerdiff

import "context"

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
