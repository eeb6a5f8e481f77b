package layerdiff

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/zeebo/xxh3"

	"github.com/layerlint/layerlint/internal/atomicfile"
)

// A stored diff is what Diff's merge-join of two stack listings found: the changed paths and how many paths
// each side shows. A repeated diff of the same pair reads it (a few hundred kilobytes) instead of decoding
// both stacks, every path of both images. It is kept in the listing store under a name that hashes all the
// answer depends on: the two stacks' chain IDs and headers (whose checksum covers every record) and the
// options. Layer references are kept as B's layer index, so B's history (its config, which the stacks do not
// cover) is read afresh each time. A stored diff that cannot be read is not an error: the stacks are
// merge-joined again. The format:
//
//	storedDiffMagic, XXH3-64 of the rest (8 bytes, little-endian), uvarint filesA, filesB, changes; per
//	change: byte kind (0 added, 1 deleted, 2 modified), strings path, type, typeA, modeA, modeB, ownerA,
//	ownerB, linkA, linkB (each uvarint n + n bytes), varint sizeA, sizeB, layer (-1: none), uvarint count of
//	what + that many strings
const storedDiffMagic = "layerlint diff v1\n"

// storedDiff is the merge-join's answer as Diff keeps it.
type storedDiff struct {
	filesA, filesB int
	files          []FileChange
	layers         []int // per file: B's layer index, or -1 when Layer is nil
}

// diffKey names the stored diff of a and b under o: ok is false unless both stacks are stored, whole, in
// the same store.
func diffKey(a, b *Image, o diffOptions) (s *ListingStore, key v1.Hash, ok bool) {
	if a.store == nil || b.store == nil || a.store.dir != b.store.dir {
		return nil, key, false
	}
	h := sha256.New()
	h.Write([]byte(storedDiffMagic))
	for _, img := range []*Image{a, b} {
		st, ok := img.store.getStack(img.Layers)
		if !ok {
			return nil, key, false
		}
		st.keep.(*os.File).Close()
		h.Write([]byte(chainID(img.Layers).String()))
		h.Write(st.hdr.marshal())
	}
	if o.mtime {
		h.Write([]byte{1})
	} else {
		h.Write([]byte{0})
	}
	return a.store, v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}, true
}

func (s *ListingStore) diffFile(key v1.Hash) string { return s.file(key) + ".diff" }

// getDiff returns the stored diff under key, checked whole; a damaged one is removed.
func (s *ListingStore) getDiff(key v1.Hash) (*storedDiff, bool) {
	raw, err := os.ReadFile(s.diffFile(key))
	if err != nil {
		return nil, false
	}
	d, err := decodeStoredDiff(raw)
	if err != nil {
		os.Remove(s.diffFile(key))
		return nil, false
	}
	return d, true
}

// putDiff stores d under key (atomically). Errors are dropped: a store that cannot be written is a store
// that misses.
func (s *ListingStore) putDiff(key v1.Hash, d *storedDiff) {
	name := s.diffFile(key)
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return
	}
	_ = atomicfile.WriteBytes(name, 0o600, encodeStoredDiff(d))
}

var changeKinds = [...]Change{Added, Deleted, Modified}

func encodeStoredDiff(d *storedDiff) []byte {
	b := make([]byte, len(storedDiffMagic)+8, 64*len(d.files)+64)
	copy(b, storedDiffMagic)
	str := func(s string) { b = append(binary.AppendUvarint(b, uint64(len(s))), s...) }
	b = binary.AppendUvarint(b, uint64(d.filesA))
	b = binary.AppendUvarint(b, uint64(d.filesB))
	b = binary.AppendUvarint(b, uint64(len(d.files)))
	for i := range d.files {
		f := &d.files[i]
		kind := 0
		for k, c := range changeKinds {
			if f.Change == c {
				kind = k
			}
		}
		b = append(b, byte(kind))
		for _, s := range []string{f.Path, f.Type, f.TypeA, f.ModeA, f.ModeB, f.OwnerA, f.OwnerB, f.LinkA, f.LinkB} {
			str(s)
		}
		b = binary.AppendVarint(b, f.SizeA)
		b = binary.AppendVarint(b, f.SizeB)
		b = binary.AppendVarint(b, int64(d.layers[i]))
		b = binary.AppendUvarint(b, uint64(len(f.What)))
		for _, w := range f.What {
			str(w)
		}
	}
	binary.LittleEndian.PutUint64(b[len(storedDiffMagic):], xxh3.Hash(b[len(storedDiffMagic)+8:]))
	return b
}

var errStoredDiff = errors.New("malformed stored diff")

// decodeStoredDiff parses a stored diff, refusing anything malformed: a bad magic or checksum, counts or
// lengths beyond the bytes left, an unknown change kind, trailing bytes.
func decodeStoredDiff(raw []byte) (*storedDiff, error) {
	head := len(storedDiffMagic) + 8
	if len(raw) < head || string(raw[:len(storedDiffMagic)]) != storedDiffMagic ||
		binary.LittleEndian.Uint64(raw[len(storedDiffMagic):]) != xxh3.Hash(raw[head:]) {
		return nil, errStoredDiff
	}
	p := raw[head:]
	bad := false
	uv := func() uint64 {
		v, n := binary.Uvarint(p)
		if n <= 0 {
			bad = true
			return 0
		}
		p = p[n:]
		return v
	}
	sv := func() int64 {
		v, n := binary.Varint(p)
		if n <= 0 {
			bad = true
			return 0
		}
		p = p[n:]
		return v
	}
	str := func() string {
		n := uv()
		if bad || n > uint64(len(p)) {
			bad = true
			return ""
		}
		s := string(p[:n])
		p = p[n:]
		return s
	}
	d := &storedDiff{filesA: int(uv()), filesB: int(uv())}
	count := uv()
	if bad || d.filesA < 0 || d.filesB < 0 || count > uint64(len(p)) {
		return nil, errStoredDiff // each change takes more than a byte
	}
	d.files, d.layers = make([]FileChange, count), make([]int, count)
	for i := range d.files {
		if len(p) == 0 || int(p[0]) >= len(changeKinds) {
			return nil, errStoredDiff
		}
		f := &d.files[i]
		f.Change, p = changeKinds[p[0]], p[1:]
		for _, s := range []*string{&f.Path, &f.Type, &f.TypeA, &f.ModeA, &f.ModeB, &f.OwnerA, &f.OwnerB, &f.LinkA, &f.LinkB} {
			*s = str()
		}
		f.SizeA, f.SizeB = sv(), sv()
		layer := sv()
		n := uv()
		if bad || layer < -1 || layer > 1<<30 || n > uint64(len(p)) {
			return nil, errStoredDiff
		}
		d.layers[i] = int(layer)
		for range n {
			f.What = append(f.What, str())
		}
		if bad {
			return nil, errStoredDiff
		}
	}
	if len(p) != 0 {
		return nil, errStoredDiff
	}
	return d, nil
}
