package layerdiff

import (
	"bufio"
	"encoding/binary"
	"io"
	"strings"

	"github.com/zeebo/xxh3"
)

// listingWriter encodes a listing: entries in order, then deletes in order, then finish. The body goes to w
// (through a buffer); the header, which needs the totals, is returned by finish for the caller to place.
type listingWriter struct {
	w       *bufio.Writer
	sum     *xxh3.Hasher
	n       int64 // bytes of the current section
	hdr     listingHeader
	prev    []byte
	scratch [binary.MaxVarintLen64]byte
	largest largestFiles
	section int // 0 entries, 1 deletes
}

// newListingWriter encodes into w; with sum it also computes the checksum a whole listing needs (a sorted run
// does not).
func newListingWriter(w io.Writer, sum bool) *listingWriter {
	lw := &listingWriter{}
	if sum {
		lw.sum = xxh3.New()
		w = io.MultiWriter(w, lw.sum)
	}
	lw.w = bufio.NewWriterSize(w, 64<<10)
	return lw
}

// flush writes out what is buffered and returns the bytes and records of the current section.
func (lw *listingWriter) flush() (n, count int64, err error) {
	count = lw.hdr.entries
	if lw.section == 1 {
		count = lw.hdr.deletes
	}
	return lw.n, count, lw.w.Flush()
}

func (lw *listingWriter) write(b []byte) {
	lw.w.Write(b) // errors surface at Flush
	lw.n += int64(len(b))
}

func (lw *listingWriter) uvarint(v uint64) {
	lw.write(lw.scratch[:binary.PutUvarint(lw.scratch[:], v)])
}
func (lw *listingWriter) varint(v int64) { lw.write(lw.scratch[:binary.PutVarint(lw.scratch[:], v)]) }

func (lw *listingWriter) path(p string) {
	shared := 0
	for shared < len(p) && shared < len(lw.prev) && p[shared] == lw.prev[shared] {
		shared++
	}
	lw.uvarint(uint64(shared))
	lw.uvarint(uint64(len(p) - shared))
	lw.w.WriteString(p[shared:])
	lw.n += int64(len(p) - shared)
	lw.prev = append(lw.prev[:0], p...)
}

// entry appends e; entries must come in strictly increasing path order, with paths and links no longer than
// maxPathLen (the builder checks).
func (lw *listingWriter) entry(e *Entry) {
	lw.path(e.Path)
	lw.entryFields(e)
	lw.hdr.entries++
	if lw.sum != nil && e.Type == TypeFile {
		lw.largest.add(e)
	}
}

func (lw *listingWriter) entryFields(e *Entry) {
	lw.w.WriteByte(byte(e.Type))
	lw.n++
	lw.uvarint(uint64(e.Mode))
	lw.varint(int64(e.UID))
	lw.varint(int64(e.GID))
	lw.varint(e.Size)
	lw.varint(e.ModTime)
	if e.Type == TypeFile || e.Type == TypeHardlink {
		lw.write(e.Hash[:])
	}
	if hasLink(e.Type) {
		lw.uvarint(uint64(len(e.Link)))
		lw.w.WriteString(e.Link)
		lw.n += int64(len(e.Link))
	}
}

// deletes ends the entries section; deletion records follow.
func (lw *listingWriter) beginDeletes() {
	lw.hdr.entriesLen, lw.n = lw.n, 0
	lw.prev = lw.prev[:0]
	lw.section = 1
}

func (lw *listingWriter) deletion(p string, kind byte) {
	lw.path(p)
	lw.w.WriteByte(kind)
	lw.n++
	lw.hdr.deletes++
}

// finish writes the meta section and flushes; it returns the header to write at the start of the listing.
func (lw *listingWriter) finish(tarSize, fileBytes int64) ([]byte, error) {
	if lw.section == 0 {
		lw.beginDeletes()
	}
	lw.hdr.deletesLen, lw.n = lw.n, 0
	top := lw.largest.sorted()
	lw.uvarint(uint64(len(top)))
	for i := range top {
		lw.prev = lw.prev[:0]
		lw.path(top[i].Path)
		lw.entryFields(&top[i])
	}
	lw.hdr.metaLen = lw.n
	if err := lw.w.Flush(); err != nil {
		return nil, err
	}
	lw.hdr.tarSize, lw.hdr.fileBytes = tarSize, fileBytes
	lw.hdr.checksum = lw.sum.Sum64()
	return lw.hdr.marshal(), nil
}

// largestFiles keeps the largest regular files seen, largest first, earlier paths first among equals.
type largestFiles struct{ top []Entry }

func (lf *largestFiles) add(e *Entry) {
	if e.Size <= 0 || (len(lf.top) == largestKept && e.Size <= lf.top[largestKept-1].Size) {
		return
	}
	i := len(lf.top)
	for i > 0 && lf.top[i-1].Size < e.Size {
		i--
	}
	c := *e
	c.Path, c.Link = strings.Clone(e.Path), ""
	if len(lf.top) < largestKept {
		lf.top = append(lf.top, Entry{})
	}
	copy(lf.top[i+1:], lf.top[i:])
	lf.top[i] = c
}

func (lf *largestFiles) sorted() []Entry { return lf.top }
