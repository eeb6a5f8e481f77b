package layerdiff

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// listing returns n file entries spread over directories, in tar writer order (sorted) or shuffled.
func listing(n int, shuffled bool) []Entry {
	es := make([]Entry, 0, n)
	for i := range n {
		es = append(es, Entry{Path: fmt.Sprintf("usr/share/d%03d/file-%06d.txt", i%997, i), Type: TypeFile, Size: int64(i)})
	}
	if shuffled {
		r := rand.New(rand.NewPCG(1, 2))
		r.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
	} else {
		slices.SortFunc(es, func(a, b Entry) int { return ComparePaths(a.Path, b.Path) })
	}
	return es
}

// BenchmarkFinish measures sorting and deduplicating a 1M-entry layer listing, in the order tar writers emit
// (already sorted by name) and shuffled.
func BenchmarkFinish(b *testing.B) {
	for _, shuffled := range []bool{false, true} {
		b.Run(fmt.Sprintf("shuffled=%v", shuffled), func(b *testing.B) {
			src := listing(1_000_000, shuffled)
			work := make([]Entry, len(src))
			for b.Loop() {
				copy(work, src)
				l := &LayerIndex{Entries: work}
				l.finish()
			}
		})
	}
}

// TestFinishKeepsLastDuplicate checks that finish orders entries by ComparePaths and keeps the entry written
// last when a tar holds a path more than once, whatever the input order.
func TestFinishKeepsLastDuplicate(t *testing.T) {
	es := listing(5000, true)
	// Write every 7th path a second time, later in the tar, with a different size.
	for i := 0; i < 5000; i += 7 {
		dup := es[i]
		dup.Size = -1
		es = append(es, dup)
	}
	l := &LayerIndex{Entries: es}
	l.finish()
	if len(l.Entries) != 5000 {
		t.Fatalf("%d entries after finish, want 5000", len(l.Entries))
	}
	dups := 0
	for i, e := range l.Entries {
		if i > 0 && ComparePaths(l.Entries[i-1].Path, e.Path) >= 0 {
			t.Fatalf("entries %d and %d out of order: %s, %s", i-1, i, l.Entries[i-1].Path, e.Path)
		}
		if e.Size == -1 {
			dups++
		}
	}
	if want := (5000 + 6) / 7; dups != want {
		t.Errorf("%d paths kept their later entry, want %d", dups, want)
	}
}
