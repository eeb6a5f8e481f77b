package layerdiff

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/zeebo/xxh3"
)

// A listing is a layer's entries sorted by path, encoded compactly: the form layers take between the tar
// walk and the merge, on disk (or in memory when small). Every consumer reads it as a stream, so memory does
// not grow with the number of entries. The encoding:
//
//	header   listingMagic, then 8 little-endian uint64: entries, deletes, tarSize, fileBytes,
//	         entriesLen, deletesLen, metaLen, checksum (XXH3-64 of everything after the header)
//	entries  one record per entry, strictly increasing by ComparePaths:
//	         uvarint shared (bytes of the previous path it starts with), uvarint n, n bytes (the rest of the
//	         path), type byte, uvarint mode, varint uid, gid, size, mtime, [16]byte hash (files and
//	         hardlinks), uvarint n + n bytes of link (symlinks, hardlinks, devices)
//	deletes  one record per whiteout or opaque marker, increasing by (path, kind): shared, n, suffix, kind
//	meta     uvarint count, then that many entry records (each with shared 0): the largest files
const (
	listingMagic      = "layerlint listing v2\n\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	stackMagic        = "layerlint stack v2\n\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	listingHeaderSize = len(listingMagic) + 8*8

	// maxPathLen bounds paths and link targets. Tar allows longer names, but no runtime can create a path
	// this long; the bound is what keeps a corrupt listing from asking the decoder for a huge buffer.
	maxPathLen = 64 << 10
	// largestKept is how many of a layer's largest files a listing remembers.
	largestKept = 10
)

// Kinds of deletion records.
const (
	delWhiteout byte = 1
	delOpaque   byte = 2
)

// errCorrupt is wrapped by every error about a malformed listing.
var errCorrupt = errors.New("malformed listing")

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errCorrupt, fmt.Sprintf(format, args...))
}

// listingHeader is the fixed-size start of a listing.
type listingHeader struct {
	stack                           bool // a merged stack (stack.go), not a layer
	entries, deletes                int64
	tarSize, fileBytes              int64
	entriesLen, deletesLen, metaLen int64
	checksum                        uint64
}

func (h *listingHeader) marshal() []byte {
	b := make([]byte, listingHeaderSize)
	copy(b, listingMagic)
	if h.stack {
		copy(b, stackMagic)
	}
	o := len(listingMagic)
	for i, v := range []uint64{uint64(h.entries), uint64(h.deletes), uint64(h.tarSize), uint64(h.fileBytes),
		uint64(h.entriesLen), uint64(h.deletesLen), uint64(h.metaLen), h.checksum} {
		binary.LittleEndian.PutUint64(b[o+8*i:], v)
	}
	return b
}

func parseHeader(b []byte, size int64) (listingHeader, error) {
	var h listingHeader
	if len(b) < listingHeaderSize {
		return h, corruptf("not a listing of this version")
	}
	switch string(b[:len(listingMagic)]) {
	case listingMagic:
	case stackMagic:
		h.stack = true
	default:
		return h, corruptf("not a listing of this version")
	}
	o := len(listingMagic)
	get := func(i int) int64 { return int64(binary.LittleEndian.Uint64(b[o+8*i:])) }
	h.entries, h.deletes, h.tarSize, h.fileBytes = get(0), get(1), get(2), get(3)
	h.entriesLen, h.deletesLen, h.metaLen = get(4), get(5), get(6)
	h.checksum = uint64(get(7))
	if h.tarSize < 0 || h.fileBytes < 0 {
		return h, corruptf("negative layer size")
	}
	// Each record takes at least a byte, so no count or length can exceed the listing's size.
	for _, v := range []int64{h.entries, h.deletes, h.entriesLen, h.deletesLen, h.metaLen} {
		if v < 0 || v > size {
			return h, corruptf("header field %d out of range", v)
		}
	}
	if int64(listingHeaderSize)+h.entriesLen+h.deletesLen+h.metaLen != size {
		return h, corruptf("sections add up to %d bytes, the listing has %d",
			int64(listingHeaderSize)+h.entriesLen+h.deletesLen+h.metaLen, size)
	}
	return h, nil
}

// Listing is one layer's listing: its entries sorted by path, what it deletes from the layers below, and a few
// totals. It lives on disk (or in memory when small) and is read as a stream; it is immutable and safe for
// concurrent use.
type Listing struct {
	DiffID v1.Hash
	// TarSize is the size of the uncompressed tar stream in bytes.
	TarSize int64
	// FileBytes is the sum of the sizes of the regular files the layer adds.
	FileBytes int64

	hdr     listingHeader
	src     io.ReaderAt
	largest []Entry
	keep    any // holds the file open as long as the listing is referenced
}

// Len returns the number of entries (one per path) of the layer.
func (l *Listing) Len() int { return int(l.hdr.entries) }

// Deletes returns the number of whiteouts and opaque markers of the layer.
func (l *Listing) Deletes() int { return int(l.hdr.deletes) }

// Largest returns the layer's largest regular files (up to ten), largest first.
func (l *Listing) Largest() []Entry { return l.largest }

// openListing checks the header and the checksum of the listing of size bytes in src, and reads its meta
// section. verify=false skips the checksum (the listing was just written by this process).
func openListing(src io.ReaderAt, size int64, verify, stack bool) (*Listing, error) {
	if size < int64(listingHeaderSize) {
		return nil, corruptf("%d bytes is too short", size)
	}
	head := make([]byte, listingHeaderSize)
	if _, err := src.ReadAt(head, 0); err != nil {
		return nil, fmt.Errorf("reading listing header: %w", err)
	}
	h, err := parseHeader(head, size)
	if err != nil {
		return nil, err
	}
	if h.stack != stack {
		return nil, corruptf("a stack where a layer's listing was expected, or the reverse")
	}
	if verify {
		hs := xxh3.New()
		if _, err := io.Copy(hs, io.NewSectionReader(src, int64(listingHeaderSize), size-int64(listingHeaderSize))); err != nil {
			return nil, fmt.Errorf("reading listing: %w", err)
		}
		if hs.Sum64() != h.checksum {
			return nil, corruptf("checksum mismatch")
		}
	}
	l := &Listing{TarSize: h.tarSize, FileBytes: h.fileBytes, hdr: h, src: src}
	metaOff := int64(listingHeaderSize) + h.entriesLen + h.deletesLen
	rr := newRecordReader(src, metaOff, h.metaLen)
	n, err := rr.uvarint()
	if err != nil || n > largestKept {
		return nil, corruptf("meta: bad count of largest files")
	}
	var d entryDecoder
	for range n {
		d.path, d.started = d.path[:0], false // each meta record stands alone
		if err := d.decode(rr); err != nil {
			return nil, fmt.Errorf("meta: %w", err)
		}
		e := d.e
		e.Path, e.Link = string(d.path), string(d.link)
		l.largest = append(l.largest, e)
	}
	if !rr.atEnd() {
		return nil, corruptf("meta: trailing bytes")
	}
	return l, nil
}

// Entries returns the layer's entries in path order. Each *Entry is valid until the next iteration.
func (l *Listing) Entries(ctx context.Context) iter.Seq2[*Entry, error] {
	return func(yield func(*Entry, error) bool) {
		c := l.entryCursor()
		var e Entry
		for n := 0; c.ok; n++ {
			if n&1023 == 0 && ctx.Err() != nil {
				yield(nil, ctx.Err())
				return
			}
			e = c.d.e
			e.Path, e.Link = string(c.d.path), string(c.d.link)
			if !yield(&e, nil) {
				return
			}
			c.next()
		}
		if c.err != nil {
			yield(nil, c.err)
		}
	}
}

// Index reads the whole listing into memory.
func (l *Listing) Index(ctx context.Context) (*LayerIndex, error) {
	idx := &LayerIndex{DiffID: l.DiffID, TarSize: l.TarSize, FileBytes: l.FileBytes}
	for e, err := range l.Entries(ctx) {
		if err != nil {
			return nil, err
		}
		idx.Entries = append(idx.Entries, *e)
	}
	c := l.deleteCursor()
	for ; c.ok; c.next() {
		if c.kind == delWhiteout {
			idx.Whiteouts = append(idx.Whiteouts, string(c.path))
		} else {
			idx.Opaques = append(idx.Opaques, string(c.path))
		}
	}
	if c.err != nil {
		return nil, c.err
	}
	return idx, nil
}
