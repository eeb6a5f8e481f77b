package layerdiff

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// IndexCache keeps layer listings on disk, keyed by DiffID. A DiffID names the layer's uncompressed bytes, so
// an entry never goes stale; only listings of layers whose digest was verified are stored. A nil *IndexCache
// is a cache that holds nothing. Failures to read or write the cache are not errors: the layer is read instead.
type IndexCache struct {
	dir string
}

// indexFormat changes whenever the encoding below or the meaning of a LayerIndex field changes.
const indexFormat = "v1"

// NewIndexCache returns a cache in dir/index/<format>, creating it when first written.
func NewIndexCache(dir string) *IndexCache {
	return &IndexCache{dir: filepath.Join(dir, "index", indexFormat)}
}

// DefaultCacheDir returns $XDG_CACHE_HOME/layerlint, or the platform's user cache directory.
func DefaultCacheDir() (string, error) {
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		var err error
		if base, err = os.UserCacheDir(); err != nil {
			return "", err
		}
	}
	return filepath.Join(base, "layerlint"), nil
}

func (c *IndexCache) file(h v1.Hash) string {
	return filepath.Join(c.dir, h.Algorithm+"-"+h.Hex)
}

// Get returns the cached listing of the layer with the given DiffID.
func (c *IndexCache) Get(diffID v1.Hash) (*LayerIndex, bool) {
	if c == nil {
		return nil, false
	}
	f, err := os.Open(c.file(diffID))
	if err != nil {
		return nil, false
	}
	defer f.Close()
	idx, err := decodeIndex(bufio.NewReaderSize(f, 256<<10))
	if err != nil {
		return nil, false
	}
	idx.DiffID = diffID
	return idx, true
}

// Put stores idx; errors are dropped (a cache that cannot be written is a cache that misses).
func (c *IndexCache) Put(idx *LayerIndex) {
	if c == nil || idx.DiffID.Hex == "" {
		return
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return
	}
	tmp, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return
	}
	w := bufio.NewWriterSize(tmp, 256<<10)
	err = encodeIndex(w, idx)
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), c.file(idx.DiffID))
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
}

var indexMagic = []byte("layerlint-index\x00" + indexFormat)

func encodeIndex(w *bufio.Writer, idx *LayerIndex) error {
	var buf [binary.MaxVarintLen64]byte
	uv := func(v uint64) { w.Write(buf[:binary.PutUvarint(buf[:], v)]) }
	sv := func(v int64) { w.Write(buf[:binary.PutVarint(buf[:], v)]) }
	str := func(s string) { uv(uint64(len(s))); w.WriteString(s) }
	w.Write(indexMagic)
	sv(idx.TarSize)
	sv(idx.FileBytes)
	uv(uint64(len(idx.Entries)))
	for i := range idx.Entries {
		e := &idx.Entries[i]
		str(e.Path)
		str(e.Link)
		sv(e.Size)
		sv(e.ModTime)
		w.Write(e.Hash[:])
		uv(uint64(e.Mode))
		sv(int64(e.UID))
		sv(int64(e.GID))
		w.WriteByte(byte(e.Type))
	}
	for _, list := range [][]string{idx.Whiteouts, idx.Opaques} {
		uv(uint64(len(list)))
		for _, p := range list {
			str(p)
		}
	}
	return nil
}

var errBadIndex = errors.New("malformed index file")

func decodeIndex(r *bufio.Reader) (*LayerIndex, error) {
	magic := make([]byte, len(indexMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != string(indexMagic) {
		return nil, errBadIndex
	}
	var err error
	uv := func() uint64 {
		v, e := binary.ReadUvarint(r)
		if e != nil && err == nil {
			err = e
		}
		return v
	}
	sv := func() int64 {
		v, e := binary.ReadVarint(r)
		if e != nil && err == nil {
			err = e
		}
		return v
	}
	var scratch []byte
	str := func() string {
		n := uv()
		if err != nil || n > 1<<20 {
			err = errBadIndex
			return ""
		}
		if uint64(cap(scratch)) < n {
			scratch = make([]byte, n)
		}
		b := scratch[:n]
		if _, e := io.ReadFull(r, b); e != nil {
			err = e
		}
		return string(b) // the one allocation a string needs

	}
	idx := &LayerIndex{TarSize: sv(), FileBytes: sv()}
	n := uv()
	if err != nil || n > 1<<28 {
		return nil, errBadIndex
	}
	idx.Entries = make([]Entry, n)
	for i := range idx.Entries {
		e := &idx.Entries[i]
		e.Path, e.Link = str(), str()
		e.Size, e.ModTime = sv(), sv()
		if _, e2 := io.ReadFull(r, e.Hash[:]); e2 != nil && err == nil {
			err = e2
		}
		e.Mode = uint32(uv())
		e.UID, e.GID = int(sv()), int(sv())
		t, e2 := r.ReadByte()
		if e2 != nil && err == nil {
			err = e2
		}
		e.Type = Type(t)
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d: %v", errBadIndex, i, err)
		}
	}
	for _, list := range []*[]string{&idx.Whiteouts, &idx.Opaques} {
		n := uv()
		if err != nil || n > 1<<28 {
			return nil, errBadIndex
		}
		for range n {
			*list = append(*list, str())
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errBadIndex, err)
	}
	return idx, nil
}
