package layerdiff

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/bits"
	"strings"

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

// entryCursor reads the entries section of a listing one record at a time, checking every bound. The path
// and link it exposes are views into buffers it reuses: valid until the next call of next.
type entryCursor struct {
	rr   *recordReader
	left int64
	d    entryDecoder
	ok   bool
	err  error
}

func (l *Listing) entryCursor() *entryCursor {
	return newEntryCursor(l.src, int64(listingHeaderSize), l.hdr.entriesLen, l.hdr.entries)
}

// newEntryCursor reads count entry records from the n bytes at off in src.
func newEntryCursor(src io.ReaderAt, off, n, count int64) *entryCursor {
	c := &entryCursor{rr: newRecordReader(src, off, n), left: count}
	c.next()
	return c
}

// next decodes the following entry; c.ok is false at the end or on error (c.err).
func (c *entryCursor) next() {
	c.ok = false
	if c.err != nil {
		return
	}
	if c.left == 0 {
		if !c.rr.atEnd() {
			c.err = corruptf("entries: trailing bytes")
		}
		return
	}
	if err := c.d.decode(c.rr); err != nil {
		c.err = err
		return
	}
	c.left--
	c.ok = true
}

// deleteCursor reads the deletes section like entryCursor.
type deleteCursor struct {
	rr       *recordReader
	left     int64
	path     []byte
	prev     []byte
	kind     byte
	prevKind byte
	started  bool
	ok       bool
	err      error
}

func (l *Listing) deleteCursor() *deleteCursor {
	return newDeleteCursor(l.src, int64(listingHeaderSize)+l.hdr.entriesLen, l.hdr.deletesLen, l.hdr.deletes)
}

// newDeleteCursor reads count deletion records from the n bytes at off in src.
func newDeleteCursor(src io.ReaderAt, off, n, count int64) *deleteCursor {
	c := &deleteCursor{rr: newRecordReader(src, off, n), left: count}
	c.next()
	return c
}

func (c *deleteCursor) next() {
	c.ok = false
	if c.err != nil {
		return
	}
	if c.left == 0 {
		if !c.rr.atEnd() {
			c.err = corruptf("deletes: trailing bytes")
		}
		return
	}
	c.prev, c.path = c.path, c.prev
	c.prevKind = c.kind
	var err error
	if c.path, _, err = decodePath(c.rr, c.prev, c.path[:0]); err != nil {
		c.err = err
		return
	}
	k, err := c.rr.byte()
	if err != nil || (k != delWhiteout && k != delOpaque) {
		c.err = corruptf("deletes: bad kind")
		return
	}
	c.kind = k
	if c.started {
		if cmp := comparePathBytes(c.prev, c.path); cmp > 0 || (cmp == 0 && c.prevKind >= k) {
			c.err = corruptf("deletes out of order")
			return
		}
	}
	c.started = true
	c.left--
	c.ok = true
}

// entryDecoder decodes entry records; it keeps the previous path for the shared prefix and to check the order.
type entryDecoder struct {
	e          Entry // Path and Link unset: see path and link
	path, prev []byte
	link       []byte
	started    bool
}

func (d *entryDecoder) decode(rr *recordReader) error {
	if err := d.decodePath(rr); err != nil {
		return err
	}
	return d.decodeFields(rr)
}

// decodePath reads the path of the next record, checking that it follows the previous one.
func (d *entryDecoder) decodePath(rr *recordReader) error {
	d.prev, d.path = d.path, d.prev
	var err error
	var shared int
	if d.path, shared, err = decodePath(rr, d.prev, d.path[:0]); err != nil {
		return err
	}
	if len(d.path) == 0 {
		return corruptf("entry with an empty path")
	}
	// Past the shared prefix is where the order is decided.
	if d.started && comparePathBytes(d.prev[shared:], d.path[shared:]) >= 0 {
		return corruptf("entries out of order")
	}
	d.started = true
	return nil
}

// decodeFields reads an entry's type, metadata, hash and link.
func (d *entryDecoder) decodeFields(rr *recordReader) error {
	t, err := rr.byte()
	if err != nil || t < byte(TypeFile) || t > byte(TypeFIFO) {
		return corruptf("bad entry type")
	}
	e := &d.e
	*e = Entry{Type: Type(t)}
	mode, err1 := rr.uvarint()
	uid, err2 := rr.varint()
	gid, err3 := rr.varint()
	size, err4 := rr.varint()
	mtime, err5 := rr.varint()
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || err5 != nil {
		return corruptf("bad varint")
	}
	if mode > 0o7777 || uid != int64(int(uid)) || gid != int64(int(gid)) {
		return corruptf("entry field out of range")
	}
	e.Mode, e.UID, e.GID, e.Size, e.ModTime = uint32(mode), int(uid), int(gid), size, mtime
	if e.Type == TypeFile || e.Type == TypeHardlink {
		b, err := rr.take(len(e.Hash))
		if err != nil {
			return err
		}
		copy(e.Hash[:], b)
	}
	d.link = d.link[:0]
	if hasLink(e.Type) {
		n, err := rr.uvarint()
		if err != nil || n > maxPathLen {
			return corruptf("bad link length")
		}
		b, err := rr.take(int(n))
		if err != nil {
			return err
		}
		d.link = append(d.link, b...)
	}
	return nil
}

func hasLink(t Type) bool {
	return t == TypeSymlink || t == TypeHardlink || t == TypeChar || t == TypeBlock
}

// decodePath reads a prefix-compressed path: the first shared bytes of prev, then the stored rest.
func decodePath(rr *recordReader, prev, dst []byte) ([]byte, int, error) {
	shared, err := rr.uvarint()
	if err != nil {
		return nil, 0, err
	}
	n, err := rr.uvarint()
	if err != nil {
		return nil, 0, err
	}
	if shared > uint64(len(prev)) || n > maxPathLen || shared+n > maxPathLen {
		return nil, 0, corruptf("bad path length")
	}
	b, err := rr.take(int(n))
	if err != nil {
		return nil, 0, err
	}
	dst = append(dst, prev[:shared]...)
	return append(dst, b...), int(shared), nil
}

// recordReader reads a section of a listing through a buffer, which grows to fit the longest record. The
// decoder bounds every length it reads (maxPathLen) before asking for that many bytes: those checks are what
// keeps a corrupt listing from making it allocate what the listing claims.
type recordReader struct {
	src      io.ReaderAt
	off, end int64 // the unread part of the section
	buf      []byte
	pos, lim int
}

func newRecordReader(src io.ReaderAt, off, n int64) *recordReader {
	return &recordReader{src: src, off: off, end: off + n, buf: make([]byte, min(max(n, 64), 32<<10))}
}

func (r *recordReader) atEnd() bool { return r.pos == r.lim && r.off == r.end }

// fill makes at least n bytes available, unless the section ends first.
func (r *recordReader) fill(n int) {
	if r.lim-r.pos >= n || r.off == r.end {
		return
	}
	copy(r.buf, r.buf[r.pos:r.lim])
	r.lim -= r.pos
	r.pos = 0
	want := min(int64(len(r.buf)-r.lim), r.end-r.off)
	got, _ := r.src.ReadAt(r.buf[r.lim:r.lim+int(want)], r.off)
	r.lim += got
	r.off += int64(got)
	if int64(got) < want {
		r.end = r.off // a short read ends the section; the decoder reports the truncation
	}
}

func (r *recordReader) take(n int) ([]byte, error) {
	if n > len(r.buf) {
		buf := make([]byte, n)
		r.lim = copy(buf, r.buf[r.pos:r.lim])
		r.buf, r.pos = buf, 0
	}
	r.fill(n)
	if r.lim-r.pos < n {
		return nil, corruptf("truncated record")
	}
	b := r.buf[r.pos : r.pos+n]
	r.pos += n
	return b, nil
}

func (r *recordReader) byte() (byte, error) {
	b, err := r.take(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (r *recordReader) uvarint() (uint64, error) {
	r.fill(binary.MaxVarintLen64)
	v, n := binary.Uvarint(r.buf[r.pos:r.lim])
	if n <= 0 {
		return 0, corruptf("bad varint")
	}
	r.pos += n
	return v, nil
}

func (r *recordReader) varint() (int64, error) {
	r.fill(binary.MaxVarintLen64)
	v, n := binary.Varint(r.buf[r.pos:r.lim])
	if n <= 0 {
		return 0, corruptf("bad varint")
	}
	r.pos += n
	return v, nil
}

// comparePathBytes is ComparePaths for byte slices. Paths that sort next to each other share long prefixes,
// so it skips the common prefix eight bytes at a time.
func comparePathBytes(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	for ; i+8 <= n; i += 8 {
		x := binary.LittleEndian.Uint64(a[i:]) ^ binary.LittleEndian.Uint64(b[i:])
		if x != 0 {
			i += bits.TrailingZeros64(x) / 8
			return comparePathByte(a[i], b[i])
		}
	}
	for ; i < n; i++ {
		if a[i] != b[i] {
			return comparePathByte(a[i], b[i])
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

// comparePathByte orders two different bytes of paths: '/' before every other byte.
func comparePathByte(ca, cb byte) int {
	switch {
	case ca == '/':
		return -1
	case cb == '/':
		return 1
	case ca < cb:
		return -1
	}
	return 1
}

// isUnderBytes is IsUnder for byte slices.
func isUnderBytes(p, dir []byte) bool {
	if len(dir) == 0 {
		return len(p) > 0
	}
	return len(p) > len(dir) && p[len(dir)] == '/' && bytes.HasPrefix(p, dir)
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
