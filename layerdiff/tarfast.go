package layerdiff

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
)

// tarReader reads the headers of a tar stream itself, for the formats image layers use (V7, ustar, GNU, PAX
// records for path, linkpath, size, uid, gid and mtime, GNU long names), parsing each 512-byte block in place
// without archive/tar's allocations, and lets a file's contents be hashed straight from its buffer. On
// anything else (sparse files, PAX records it does not know to be harmless) it hands the rest of the stream,
// from the header that needs it, to archive/tar: whatever the stream, entries are what archive/tar reads.
type tarReader struct {
	r    io.Reader
	buf  []byte
	pos  int
	lim  int
	eof  bool
	left int64 // unread bytes of the current entry's contents
	pad  int64 // padding after them
	std  *tar.Reader
	hdr  tar.Header
	// raw holds the extension headers read before the current one, to replay them to archive/tar.
	raw []byte
}

const tarBlock = 512

func newTarReader(r io.Reader) *tarReader {
	return &tarReader{r: r, buf: make([]byte, 256<<10)}
}

// fill makes n bytes available in the buffer unless the stream ends first.
func (t *tarReader) fill(n int) error {
	if t.lim-t.pos >= n {
		return nil
	}
	if n > len(t.buf) {
		buf := make([]byte, n)
		t.lim = copy(buf, t.buf[t.pos:t.lim])
		t.buf, t.pos = buf, 0
	} else if t.pos > 0 {
		t.lim = copy(t.buf, t.buf[t.pos:t.lim])
		t.pos = 0
	}
	for t.lim-t.pos < n && !t.eof {
		m, err := t.r.Read(t.buf[t.lim:])
		t.lim += m
		if err == io.EOF {
			t.eof = true
		} else if err != nil {
			return err
		}
	}
	if t.lim-t.pos < n {
		return io.ErrUnexpectedEOF
	}
	return nil
}

// skip discards n bytes.
func (t *tarReader) skip(n int64) error {
	for n > 0 {
		if t.pos == t.lim {
			if err := t.fill(1); err != nil {
				return err
			}
		}
		k := min(n, int64(t.lim-t.pos))
		t.pos += int(k)
		n -= k
	}
	return nil
}

// Next advances to the next entry, as tar.Reader.Next does. The *tar.Header is reused by the next call.
func (t *tarReader) Next() (*tar.Header, error) {
	if t.std != nil {
		return t.std.Next()
	}
	if err := t.skip(t.left); err != nil {
		return nil, err
	}
	if err := t.skip(t.pad); err != nil {
		if err == io.ErrUnexpectedEOF {
			return nil, io.EOF // as archive/tar: a stream that ends in the padding ends cleanly
		}
		return nil, err
	}
	t.left, t.pad = 0, 0
	t.raw = t.raw[:0]
	var longName, longLink string
	var pax map[string]string
	for {
		if err := t.fill(tarBlock); err != nil {
			switch {
			case err != io.ErrUnexpectedEOF:
				return nil, err
			case len(t.raw) == 0 && t.pos == t.lim:
				return nil, io.EOF // the stream ends at a header boundary
			}
			return t.handOff()
		}
		blk := t.buf[t.pos : t.pos+tarBlock]
		typ := blk[156]
		format, ok := blockFormat(blk)
		if !ok || isZeroBlock(blk) {
			return t.handOff() // the end of the archive, or a header only archive/tar can judge
		}
		switch typ {
		case tar.TypeXHeader, tar.TypeGNULongName, tar.TypeGNULongLink, tar.TypeXGlobalHeader:
			size, ok := parseTarNumber(blk[124:136])
			if !ok || size < 0 || size > 1<<20 || len(t.raw) > 4<<20 {
				return t.handOff()
			}
			t.raw = append(t.raw, blk...)
			t.pos += tarBlock
			if err := t.fill(int(size)); err != nil {
				return nil, err
			}
			t.raw = append(t.raw, t.buf[t.pos:t.pos+int(size)]...)
			body := t.raw[len(t.raw)-int(size):] // a copy: the buffer moves when filled
			t.pos += int(size)
			pad := int(-size & (tarBlock - 1))
			if err := t.fill(pad); err != nil {
				if err == io.ErrUnexpectedEOF {
					return nil, io.EOF // as archive/tar: a stream that ends in the padding ends cleanly
				}
				return nil, err
			}
			t.raw = append(t.raw, t.buf[t.pos:t.pos+pad]...)
			t.pos += pad
			switch typ {
			case tar.TypeXGlobalHeader:
				// archive/tar returns it as an entry of its own; WalkLayer ignores it.
				t.hdr = tar.Header{Typeflag: typ, Name: parseTarString(blk[0:100])}
				return &t.hdr, nil
			case tar.TypeGNULongName:
				longName = parseTarString(body)
			case tar.TypeGNULongLink:
				longLink = parseTarString(body)
			default:
				var err error
				if pax, err = parsePAXKnown(body); err != nil {
					return t.handOff()
				}
			}
			continue
		case tar.TypeGNUSparse:
			return t.handOff()
		}
		h := &t.hdr
		*h = tar.Header{Typeflag: typ, Name: parseTarString(blk[0:100]), Linkname: parseTarString(blk[157:257])}
		var mode, uid, gid, size, mtime, major, minor int64
		okAll := true
		for _, f := range []struct {
			v *int64
			b []byte
		}{{&mode, blk[100:108]}, {&uid, blk[108:116]}, {&gid, blk[116:124]}, {&size, blk[124:136]}, {&mtime, blk[136:148]}} {
			v, ok := parseTarNumber(f.b)
			okAll = okAll && ok
			*f.v = v
		}
		if format != tar.FormatUnknown { // ustar and GNU have device numbers
			major, ok = parseTarNumber(blk[329:337])
			okAll = okAll && ok
			minor, ok = parseTarNumber(blk[337:345])
			okAll = okAll && ok
		}
		if !okAll || size < 0 {
			return t.handOff()
		}
		if format == tar.FormatUSTAR {
			if prefix := parseTarString(blk[345:500]); prefix != "" {
				h.Name = prefix + "/" + h.Name
			}
		}
		h.Mode, h.Uid, h.Gid, h.Size, h.Devmajor, h.Devminor = mode, int(uid), int(gid), size, major, minor
		h.ModTime = time.Unix(mtime, 0)
		if pax != nil {
			applyPAX(h, pax)
		}
		if longName != "" {
			h.Name = longName
		}
		if longLink != "" {
			h.Linkname = longLink
		}
		if h.Typeflag == '\x00' { // the old regular-file flag, tar.TypeRegA
			if strings.HasSuffix(h.Name, "/") {
				h.Typeflag = tar.TypeDir
			} else {
				h.Typeflag = tar.TypeReg
			}
		}
		t.pos += tarBlock
		t.left = h.Size
		switch h.Typeflag {
		case tar.TypeLink, tar.TypeSymlink, tar.TypeChar, tar.TypeBlock, tar.TypeDir, tar.TypeFifo:
			t.left = 0 // header-only types carry no data, whatever their size field says (as in archive/tar)
		}
		t.pad = -t.left & (tarBlock - 1)
		return h, nil
	}
}

// handOff gives the rest of the stream, from the current header (and the extension headers before it), to
// archive/tar.
func (t *tarReader) handOff() (*tar.Header, error) {
	rest := io.MultiReader(bytes.NewReader(append(t.raw, t.buf[t.pos:t.lim]...)), t.r)
	if t.eof {
		rest = bytes.NewReader(append(t.raw, t.buf[t.pos:t.lim]...))
	}
	t.std = tar.NewReader(rest)
	t.pos, t.lim = 0, 0
	return t.std.Next()
}

// Read reads the current entry's contents.
func (t *tarReader) Read(p []byte) (int, error) {
	if t.std != nil {
		return t.std.Read(p)
	}
	if t.left == 0 {
		return 0, io.EOF
	}
	if t.pos == t.lim {
		if err := t.fill(1); err != nil {
			return 0, err // io.ErrUnexpectedEOF when the stream ends, else the reader's own error
		}
	}
	n := copy(p[:min(int64(len(p)), t.left)], t.buf[t.pos:t.lim])
	t.pos += n
	t.left -= int64(n)
	return n, nil
}

// WriteTo writes the current entry's contents to w straight from the buffer (io.Copy uses it).
func (t *tarReader) WriteTo(w io.Writer) (int64, error) {
	if t.std != nil {
		return io.Copy(w, struct{ io.Reader }{t.std})
	}
	var total int64
	for t.left > 0 {
		if t.pos == t.lim {
			if err := t.fill(1); err != nil {
				return total, err
			}
		}
		chunk := t.buf[t.pos : t.pos+int(min(int64(t.lim-t.pos), t.left))]
		n, err := w.Write(chunk)
		t.pos += n
		t.left -= int64(n)
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func isZeroBlock(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// blockFormat checks a header's checksum (unsigned or signed, as archive/tar accepts) and tells ustar (with
// its prefix field), GNU and V7 apart; FormatUnknown stands for V7. Star headers go to archive/tar.
func blockFormat(b []byte) (tar.Format, bool) {
	want, ok := parseTarNumber(b[148:156])
	if !ok {
		return 0, false
	}
	var unsigned, signed int64
	for i, c := range b {
		if i >= 148 && i < 156 {
			c = ' '
		}
		unsigned += int64(c)
		signed += int64(int8(c))
	}
	if want != unsigned && want != signed {
		return 0, false
	}
	magic, version := string(b[257:263]), string(b[263:265])
	switch {
	case magic == "ustar\x00" && version == "00":
		if string(b[508:512]) == "tar\x00" {
			return 0, false // star: rare; archive/tar reads it
		}
		return tar.FormatUSTAR, true
	case magic == "ustar " && version == " \x00":
		return tar.FormatGNU, true
	}
	return tar.FormatUnknown, true
}

// parseTarString reads a NUL-terminated field.
func parseTarString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// parseTarNumber reads an octal field (spaces and NULs around it allowed) or a GNU base-256 one.
func parseTarNumber(b []byte) (int64, bool) {
	if len(b) > 0 && b[0]&0x80 != 0 {
		if b[0]&0x40 != 0 || len(b) > 9 && !allZero(b[1:len(b)-8]) {
			return 0, false // negative or too large: archive/tar's business
		}
		var v uint64
		for i, c := range b {
			if i == 0 {
				c &= 0x7f
			}
			v = v<<8 | uint64(c)
		}
		if v > 1<<62 {
			return 0, false
		}
		return int64(v), true
	}
	i, j := 0, len(b)
	for i < j && (b[i] == ' ' || b[i] == 0) {
		i++
	}
	for j > i && (b[j-1] == ' ' || b[j-1] == 0) {
		j--
	}
	if k := bytes.IndexByte(b[i:j], 0); k >= 0 {
		j = i + k
	}
	if i == j {
		return 0, true
	}
	var v int64
	for _, c := range b[i:j] {
		if c < '0' || c > '7' || v > 1<<59 {
			return 0, false
		}
		v = v<<3 | int64(c-'0')
	}
	return v, true
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// parsePAXKnown parses PAX records, failing (so that archive/tar takes over) on anything it is not sure to
// read as archive/tar does: a malformed record, a NUL, a key other than path, linkpath, size, uid, gid, the
// times, uname, gname and extended attributes, or a number that is not plain digits.
func parsePAXKnown(b []byte) (map[string]string, error) {
	out := map[string]string{}
	for len(b) > 0 {
		sp := bytes.IndexByte(b, ' ')
		if sp <= 0 || sp > 20 {
			return nil, errors.New("pax record")
		}
		n, err := strconv.Atoi(string(b[:sp]))
		if err != nil || n <= sp+1 || n > len(b) || b[n-1] != '\n' {
			return nil, errors.New("pax record")
		}
		kv := b[sp+1 : n-1]
		eq := bytes.IndexByte(kv, '=')
		if eq <= 0 || bytes.IndexByte(kv, 0) >= 0 {
			return nil, errors.New("pax record")
		}
		k, v := string(kv[:eq]), string(kv[eq+1:])
		switch {
		case k == "path" || k == "linkpath" || k == "uname" || k == "gname":
		case k == "size" || k == "uid" || k == "gid":
			if !digits(v) || len(v) > 18 {
				return nil, errors.New("pax number")
			}
		case k == "mtime" || k == "atime" || k == "ctime":
			secs, frac, _ := strings.Cut(v, ".")
			if !digits(secs) || len(secs) > 18 || (frac != "" && !digits(frac)) || strings.Count(v, ".") > 1 {
				return nil, errors.New("pax time")
			}
		case strings.HasPrefix(k, "SCHILY.xattr.") || strings.HasPrefix(k, "LIBARCHIVE.xattr."):
		default:
			return nil, errors.New("pax key " + k)
		}
		out[k] = v
		b = b[n:]
	}
	return out, nil
}

func digits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// applyPAX applies the records that WalkLayer reads (parsePAXKnown checked them), as archive/tar does.
func applyPAX(h *tar.Header, pax map[string]string) {
	for k, v := range pax {
		switch k {
		case "path":
			h.Name = v
		case "linkpath":
			h.Linkname = v
		case "uid":
			n, _ := strconv.ParseInt(v, 10, 64)
			h.Uid = int(n)
		case "gid":
			n, _ := strconv.ParseInt(v, 10, 64)
			h.Gid = int(n)
		case "size":
			h.Size, _ = strconv.ParseInt(v, 10, 64)
		case "mtime":
			secs, _, _ := strings.Cut(v, ".")
			n, _ := strconv.ParseInt(secs, 10, 64)
			h.ModTime = time.Unix(n, 0)
		}
	}
}
