package layerdiff

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/zeebo/xxh3"
)

// listingBytes builds the listing of a crafted layer and returns its encoded bytes.
func listingBytes(t testing.TB, entries ...te) []byte {
	t.Helper()
	l, s, err := buildListing(context.Background(), bytes.NewReader(makeTar(t, entries...)), buildConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.discard()
	src, _ := s.readerAt()
	b := make([]byte, s.n)
	if _, err := src.ReadAt(b, 0); err != nil {
		t.Fatal(err)
	}
	_ = l
	return b
}

// withChecksum returns b with the header's checksum made right, so that a fuzzed body reaches the decoder.
func withChecksum(b []byte) []byte {
	if len(b) < listingHeaderSize {
		return b
	}
	b = bytes.Clone(b)
	binary.LittleEndian.PutUint64(b[len(listingMagic)+7*8:], xxh3.Hash(b[listingHeaderSize:]))
	return b
}

// rawListing wraps an entries section written by hand in a header that fits it, with an empty deletes
// section and no largest files.
func rawListing(entries []byte, count int64) []byte {
	h := listingHeader{entries: count, entriesLen: int64(len(entries)), metaLen: 1}
	body := append(bytes.Clone(entries), 0)
	h.checksum = xxh3.Hash(body)
	return append(h.marshal(), body...)
}

// claimingPath is a listing whose one entry claims a path of n bytes and holds a few.
func claimingPath(n uint64) []byte {
	rec := binary.AppendUvarint([]byte{0}, n)
	return rawListing(append(rec, "abc"...), 1)
}

// decodeAll reads every record of a listing with the cursors, keeping nothing, and returns how many bytes it
// allocated.
func decodeAll(b []byte) (allocated uint64, err error) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	l, err := openListing(bytes.NewReader(b), int64(len(b)), true, false)
	if err == nil {
		ec := l.entryCursor()
		for ec.ok {
			ec.next()
		}
		dc := l.deleteCursor()
		for dc.ok {
			dc.next()
		}
		err = cmpOr(ec.err, dc.err)
	}
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, err
}

func cmpOr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// decodeBound is the most a listing of any content may make the decoder allocate: its read buffers and the
// paths it rebuilds are bounded by maxPathLen, whatever lengths and counts the listing claims.
const decodeBound = 4 << 20

// FuzzListing feeds corrupt listings to the decoder: as they are (the checksum turns nearly all away) and with
// the checksum made right, so that the body's records reach the bounds checks. It fails on a panic or on an
// allocation beyond decodeBound.
func FuzzListing(f *testing.F) {
	f.Add(listingBytes(f, dir("a"), file("a/b", "x"), file("a/.wh.c", ""), hardlink("d", "a/b"), symlink("e", "/x"),
		file("f/.wh..wh..opq", ""), file("f/g", strings.Repeat("big ", 100))))
	f.Add(listingBytes(f, file(strings.Repeat("n/", 200)+"f", "long")))
	f.Add(listingBytes(f))
	f.Add(claimingPath(1 << 30))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, in := range [][]byte{b, withChecksum(b)} {
			n, _ := decodeAll(in)
			if n > decodeBound {
				t.Fatalf("decoding %d bytes allocated %d bytes", len(in), n)
			}
		}
	})
}

// TestListingRejectsCorruption checks that a listing damaged anywhere is refused, not misread: a flipped byte
// (the checksum), a truncation, a header that claims more than the file holds, and bodies whose checksum
// was made to match but whose records break a bound or the order.
func TestListingRejectsCorruption(t *testing.T) {
	good := listingBytes(t, dir("a"), file("a/b", "x"), file("a/c", "yy"), symlink("l", "a/b"), file("z/.wh.q", ""))
	if _, err := decodeAll(good); err != nil {
		t.Fatalf("the good listing: %v", err)
	}
	set := func(b []byte, field int, v uint64) []byte {
		b = bytes.Clone(b)
		binary.LittleEndian.PutUint64(b[len(listingMagic)+8*field:], v)
		return b
	}
	entries := listingHeaderSize // the first entry record: shared, length, path, type, ...
	cases := map[string][]byte{
		"flipped byte":          func() []byte { b := bytes.Clone(good); b[len(b)-3] ^= 1; return b }(),
		"truncated":             good[:len(good)-4],
		"no header":             good[:10],
		"huge entry count":      withChecksum(set(good, 0, 1<<62)),
		"huge section":          withChecksum(set(good, 4, 1<<40)),
		"path of 64 KiB + 1":    claimingPath(maxPathLen + 1),
		"path of 1 GiB":         claimingPath(1 << 30),
		"shared beyond the end": withChecksum(func() []byte { b := bytes.Clone(good); b[entries] = 9; return b }()),
		"bad type":              withChecksum(func() []byte { b := bytes.Clone(good); b[entries+3] = 99; return b }()),
	}
	for name, b := range cases {
		n, err := decodeAll(b)
		if err == nil {
			t.Errorf("%s: no error", name)
		}
		if n > decodeBound {
			t.Errorf("%s: allocated %d bytes", name, n)
		}
	}
	// Entries out of order, in a listing that is otherwise well made.
	var body bytes.Buffer
	lw := newListingWriter(&body, true)
	lw.entry(&Entry{Path: "b", Type: TypeDir})
	lw.entry(&Entry{Path: "a", Type: TypeDir})
	hdr, err := lw.finish(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeAll(append(hdr, body.Bytes()...)); err == nil || !strings.Contains(err.Error(), "out of order") {
		t.Errorf("entries out of order: error %v", err)
	}
}

// TestListingStoreReplacesCorrupt checks that a damaged stored listing is a miss, not an error or a wrong
// answer, and that the store forgets it so that the next read of the layer stores a good one.
func TestListingStoreReplacesCorrupt(t *testing.T) {
	ia, _ := craftedPair(t)
	dir := t.TempDir()
	st := NewListingStore(dir)
	first := read(t, "a", ia, WithListingStore(st))
	files, _ := filepath.Glob(filepath.Join(dir, "listings", "v2", "sha256-*"))
	if len(files) != len(first.Layers) {
		t.Fatalf("%d stored listings for %d layers", len(files), len(first.Layers))
	}
	victim := st.file(first.Layers[1].DiffID)
	b, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x40
	if err := os.WriteFile(victim, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := st.Get(first.Layers[1].DiffID); ok {
		t.Fatal("a corrupt listing was handed out")
	}
	if _, err := os.Stat(victim); !os.IsNotExist(err) {
		t.Errorf("the corrupt listing is still stored: %v", err)
	}
	second := read(t, "a", ia, WithListingStore(st))
	if !slices.Equal(materialize(t, second.Layers[1]).Entries, materialize(t, first.Layers[1]).Entries) {
		t.Error("the layer read again lists differently")
	}
	if _, ok := st.Get(first.Layers[1].DiffID); !ok {
		t.Error("the layer read again was not stored")
	}
	if _, ok := st.Get(v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("0", 64)}); ok {
		t.Error("a listing that was never stored was found")
	}
}

// TestInOrderLayerIsNotSorted checks that a tar in path order goes straight into its listing, with no sorted
// run even when the sort budget is one byte, and that one entry out of order turns to sorting.
func TestInOrderLayerIsNotSorted(t *testing.T) {
	for _, tc := range []struct {
		names  []string
		sorted bool
	}{
		{[]string{"a", "a/b", "a/b/c", "a-b", "b"}, false},
		{[]string{"a", "b", "a/b"}, true},
	} {
		b, err := newListingBuilder(buildConfig{sortBudget: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range tc.names {
			if err := b.addEntry(&Entry{Path: n, Type: TypeFile}); err != nil {
				t.Fatal(err)
			}
		}
		if sorted := !b.entries.direct || len(b.entries.runs) > 0; sorted != tc.sorted {
			t.Errorf("%q: sorted %v, want %v", tc.names, sorted, tc.sorted)
		}
		l, s, err := b.finish(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(tc.names)
		slices.SortFunc(want, ComparePaths)
		if got := paths(materialize(t, l).Entries); !slices.Equal(got, want) {
			t.Errorf("%q: listed %q", tc.names, got)
		}
		s.discard()
		b.discard()
	}
}

// TestStackListings checks that a diff with a listing store keeps each image's merged stack, that the next
// diff reads it instead of merging (a stack swapped for another image's changes the answer), and that a
// damaged stack is merged again, to the same report.
func TestStackListings(t *testing.T) {
	ia, ib := craftedPair(t)
	dir := t.TempDir()
	st := NewListingStore(dir)
	readBoth := func() (*Image, *Image) {
		return read(t, "a", ia, WithListingStore(st)), read(t, "b", ib, WithListingStore(st))
	}
	a, b := readBoth()
	want := diff(t, a, b)
	if len(want.Files) == 0 {
		t.Fatal("the crafted pair differs in nothing")
	}
	stackA, stackB := st.stackFile(chainID(a.Layers)), st.stackFile(chainID(b.Layers))
	for _, f := range []string{stackA, stackB} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("no stack listing stored: %v", err)
		}
	}
	a, b = readBoth()
	if got := diff(t, a, b); !reflect.DeepEqual(got, want) {
		t.Errorf("from stored stacks:\n got %+v\nwant %+v", got.Files, want.Files)
	}
	// B's stack replaced by A's: if it is read, B now looks like A.
	raw, err := os.ReadFile(stackA)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stackB, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	a, b = readBoth()
	if got := diff(t, a, b); len(got.Files) != 0 {
		t.Errorf("B's stored stack was not read: %d changes, want none with A's stack in its place", len(got.Files))
	}
	// A damaged stack is merged again and stored anew.
	raw[len(raw)/2] ^= 0x10
	if err := os.WriteFile(stackB, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(stackA)
	a, b = readBoth()
	if got := diff(t, a, b); !reflect.DeepEqual(got, want) {
		t.Errorf("after a damaged stack:\n got %+v\nwant %+v", got.Files, want.Files)
	}
	if _, ok := st.getStack(b.Layers); !ok {
		t.Error("the damaged stack was not stored again")
	}
}
