package layerdiff

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/zeebo/xxh3"
)

// buildahPair opens testdata/images/app-v1.tar and app-v2.tar, real images built by buildah.
func buildahPair(t *testing.T) (a, b v1.Image) {
	t.Helper()
	open := func(name string) v1.Image {
		img, err := tarball.ImageFromPath(filepath.Join("..", "testdata", "images", name), nil)
		if err != nil {
			t.Fatalf("opening %s: %v", name, err)
		}
		return img
	}
	return open("app-v1.tar"), open("app-v2.tar")
}

// TestStoredDiff checks that a warm diff (the listing store holding both stacks and the diff of the pair)
// answers exactly what a diff without a store does, with and without --mtime; that it reads the stored
// diff (one doctored in place shows); and that a damaged one is ignored and stored anew.
func TestStoredDiff(t *testing.T) {
	ia, ib := buildahPair(t)
	st := NewListingStore(t.TempDir()) // one for both: each option has its own stored diff
	var colds []*Report
	for _, mtime := range []bool{false, true} {
		opt := WithMtime(mtime)
		cold := diff(t, read(t, "a", ia), read(t, "b", ib), opt)
		if len(cold.Files) == 0 {
			t.Fatal("app-v1 and app-v2 differ in nothing")
		}
		colds = append(colds, cold)
		warm := func() *Report {
			return diff(t, read(t, "a", ia, WithListingStore(st)), read(t, "b", ib, WithListingStore(st)), opt)
		}
		for run := range 3 { // the first run merges and stores, the next ones read what it stored
			if got := warm(); !reflect.DeepEqual(got, cold) {
				t.Fatalf("mtime %v, run %d with a store:\n got %+v\nwant %+v", mtime, run, got, cold)
			}
		}
		a, b := read(t, "a", ia, WithListingStore(st)), read(t, "b", ib, WithListingStore(st))
		_, key, ok := diffKey(a, b, diffOptions{mtime: mtime})
		if !ok {
			t.Fatal("no key: the stacks were not stored")
		}
		d, ok := st.getDiff(key)
		if !ok {
			t.Fatal("no stored diff")
		}
		// Doctored in place: the next diff must show it.
		d.files[0].Path = "doctored/path"
		st.putDiff(key, d)
		if got := warm(); got.Files[0].Path != "doctored/path" {
			t.Errorf("the stored diff was not read: first path %q", got.Files[0].Path)
		}
		// Damaged: merge-joined again, to the cold answer, and stored anew.
		raw, err := os.ReadFile(st.diffFile(key))
		if err != nil {
			t.Fatal(err)
		}
		raw[len(raw)/2] ^= 0x20
		if err := os.WriteFile(st.diffFile(key), raw, 0o600); err != nil {
			t.Fatal(err)
		}
		if got := warm(); !reflect.DeepEqual(got, cold) {
			t.Errorf("after a damaged stored diff:\n got %+v\nwant %+v", got.Files, cold.Files)
		}
		if _, ok := st.getDiff(key); !ok {
			t.Error("the damaged stored diff was not stored again")
		}
	}
	if reflect.DeepEqual(colds[0].Files, colds[1].Files) {
		t.Error("--mtime changes nothing in app-v1 against app-v2: the test cannot tell the options' stored diffs apart")
	}
}

// TestStoredDiffNewHistory checks that a stored diff names B's layers by the history of the B at hand: two
// images with the same layers and different histories share the stored diff, not their created_by.
func TestStoredDiffNewHistory(t *testing.T) {
	ia, ib := buildahPair(t)
	cf, err := ib.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	for i := range cf.History {
		cf.History[i].CreatedBy = "/bin/sh -c #(nop) rewritten " + cf.History[i].CreatedBy
	}
	ib2, err := mutate.ConfigFile(ib, cf)
	if err != nil {
		t.Fatal(err)
	}
	st := NewListingStore(t.TempDir())
	diff(t, read(t, "a", ia, WithListingStore(st)), read(t, "b", ib, WithListingStore(st)))
	got := diff(t, read(t, "a", ia, WithListingStore(st)), read(t, "b", ib2, WithListingStore(st)))
	want := diff(t, read(t, "a", ia), read(t, "b", ib2))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stored diff with a rewritten history:\n got %+v\nwant %+v", got.Files, want.Files)
	}
	named := 0
	for _, f := range got.Files {
		if f.Layer != nil && bytes.Contains([]byte(f.Layer.CreatedBy), []byte("rewritten")) {
			named++
		}
	}
	if named == 0 {
		t.Error("no change names a layer by the rewritten history")
	}
}

// FuzzDecodeStoredDiff feeds decodeStoredDiff arbitrary contents behind a valid magic and checksum: it must
// refuse or accept without panicking, and what it accepts must survive encoding and decoding again.
func FuzzDecodeStoredDiff(f *testing.F) {
	head := len(storedDiffMagic) + 8
	f.Add(encodeStoredDiff(&storedDiff{files: []FileChange{}})[head:])
	f.Add(encodeStoredDiff(&storedDiff{filesA: 3, filesB: 4, layers: []int{2, -1},
		files: []FileChange{
			{Path: "app/main.js", Change: Modified, Type: "file", SizeA: 1, SizeB: 2, What: []string{"content", "mode"}, ModeA: "-rw-r--r--", ModeB: "-rwxr-xr-x"},
			{Path: "etc/motd", Change: Deleted, Type: "file", SizeA: 5},
		}})[head:])
	f.Fuzz(func(t *testing.T, body []byte) {
		raw := binary.LittleEndian.AppendUint64([]byte(storedDiffMagic), xxh3.Hash(body))
		d, err := decodeStoredDiff(append(raw, body...))
		if err != nil {
			return
		}
		again, err := decodeStoredDiff(encodeStoredDiff(d))
		if err != nil || !reflect.DeepEqual(again, d) {
			t.Errorf("decoded, encoded and decoded again: %+v, %v; want %+v", again, err, d)
		}
	})
}
