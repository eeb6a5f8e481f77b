package layerdiff

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/bits"
)

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
