package layerdiff

import (
	"context"
	"slices"
	"unsafe"
)

// rec is an entry, or a deletion (kind delWhiteout or delOpaque, only Path set), on its way to a listing.
type rec struct {
	e    Entry
	kind byte
}

func compareRecs(a, b *rec) int {
	if c := ComparePaths(a.e.Path, b.e.Path); c != 0 {
		return c
	}
	return int(a.kind) - int(b.kind)
}

// sorter orders the records of one layer. Entries start "direct": while the tar is in path order they go
// straight into the listing. The first one out of order turns what was written into the first sorted run;
// from then on records gather in memory, up to budget bytes, and are sorted and spilled as further runs,
// which merged gives the order. Runs hold consecutive stretches of the tar, so among records of one path the
// one in the latest run is the tar's last.
type sorter struct {
	cfg     *buildConfig
	deletes bool
	budget  int

	direct  bool
	out     *sink
	lw      *listingWriter
	pending rec
	has     bool

	buf      []rec
	bufBytes int
	runs     []run
}

// run is a sorted, deduplicated stretch of records in a sink.
type run struct {
	s         *sink
	off, n    int64
	count     int64
	isDeletes bool
}

func (s *sorter) startDirect() error {
	out, lw, err := newFinalSink(*s.cfg)
	if err != nil {
		return err
	}
	s.direct, s.out, s.lw = true, out, lw
	return nil
}

func (s *sorter) add(r rec) error {
	if s.direct {
		if !s.has {
			s.pending, s.has = r, true
			return nil
		}
		switch c := compareRecs(&s.pending, &r); {
		case c < 0:
			s.lw.entry(&s.pending.e)
			s.pending = r
			return nil
		case c == 0:
			s.pending = r // the tar's later entry wins
			return nil
		}
		if err := s.endDirect(); err != nil {
			return err
		}
	}
	s.buf = append(s.buf, r)
	s.bufBytes += int(unsafe.Sizeof(r)) + len(r.e.Path) + len(r.e.Link)
	if s.bufBytes > s.budget {
		return s.spill()
	}
	return nil
}

func (s *sorter) flushPending() {
	if s.has {
		s.lw.entry(&s.pending.e)
		s.has = false
	}
}

// endDirect turns what was written in order into the first run.
func (s *sorter) endDirect() error {
	if !s.direct {
		return nil
	}
	s.flushPending()
	n, count, err := s.lw.flush()
	if err != nil {
		return err
	}
	s.runs = append(s.runs, run{s: s.out, off: int64(listingHeaderSize), n: n, count: count})
	s.direct, s.out, s.lw = false, nil, nil
	return nil
}

// spill sorts the buffered records and writes them as a run.
func (s *sorter) spill() error {
	if len(s.buf) == 0 {
		return nil
	}
	slices.SortStableFunc(s.buf, func(a, b rec) int { return compareRecs(&a, &b) })
	out := newSink(buildConfig{dir: s.cfg.dir, memLimit: s.cfg.memLimit})
	lw := newListingWriter(out, false)
	if s.deletes {
		lw.beginDeletes()
	}
	for i := range s.buf {
		if i+1 < len(s.buf) && compareRecs(&s.buf[i], &s.buf[i+1]) == 0 {
			continue // keep the last
		}
		if s.deletes {
			lw.deletion(s.buf[i].e.Path, s.buf[i].kind)
		} else {
			lw.entry(&s.buf[i].e)
		}
	}
	n, count, err := lw.flush()
	if err != nil {
		out.discard()
		return err
	}
	s.runs = append(s.runs, run{s: out, n: n, count: count, isDeletes: s.deletes})
	clear(s.buf)
	s.buf, s.bufBytes = s.buf[:0], 0
	return nil
}

func (s *sorter) discard() {
	if s.out != nil {
		s.out.discard()
	}
	for _, r := range s.runs {
		r.s.discard()
	}
	s.runs = nil
}

// merged calls fn for every record in order, the last of each path (and kind) only. It may be called more
// than once. p and d are valid during the call only; d is nil for deletions.
func (s *sorter) merged(ctx context.Context, fn func(p []byte, d *entryDecoder, kind byte) error) error {
	if err := s.spill(); err != nil {
		return err
	}
	cs := make([]runCursor, len(s.runs))
	for i, r := range s.runs {
		src, _ := r.s.readerAt()
		if s.deletes {
			cs[i].dc = newDeleteCursor(src, r.off, r.n, r.count)
		} else {
			cs[i].ec = newEntryCursor(src, r.off, r.n, r.count)
		}
	}
	head := (*runCursor).head
	for n := 0; ; n++ {
		if n&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		win := -1
		var wp []byte
		var wk byte
		for i := range cs {
			p, k, ok := head(&cs[i])
			if !ok {
				continue
			}
			if win < 0 {
				win, wp, wk = i, p, k
				continue
			}
			c := comparePathBytes(p, wp)
			if c == 0 {
				c = int(k) - int(wk)
			}
			if c <= 0 { // equal: the later run wins
				win, wp, wk = i, p, k
			}
		}
		if win < 0 {
			break
		}
		var d *entryDecoder
		if cs[win].ec != nil {
			d = &cs[win].ec.d
		}
		if err := fn(wp, d, wk); err != nil {
			return err
		}
		// Advance every run at this record; the winner last, as the others' heads are compared with its.
		for i := range cs {
			if i == win {
				continue
			}
			if p, k, ok := head(&cs[i]); ok && k == wk && comparePathBytes(p, wp) == 0 {
				cs[i].next()
			}
		}
		cs[win].next()
	}
	for _, c := range cs {
		if c.ec != nil && c.ec.err != nil {
			return c.ec.err
		}
		if c.dc != nil && c.dc.err != nil {
			return c.dc.err
		}
	}
	return nil
}

// view returns the decoded entry with Path and Link viewing the decoder's buffers: for immediate use only.
func (d *entryDecoder) view(p []byte) Entry {
	e := d.e
	e.Path = unsafe.String(unsafe.SliceData(p), len(p))
	e.Link = unsafe.String(unsafe.SliceData(d.link), len(d.link))
	return e
}

// runCursor reads one run of entries or of deletions.
type runCursor struct {
	ec *entryCursor
	dc *deleteCursor
}

func (c *runCursor) head() (p []byte, kind byte, ok bool) {
	if c.dc != nil {
		return c.dc.path, c.dc.kind, c.dc.ok
	}
	return c.ec.d.path, 0, c.ec.ok
}

func (c *runCursor) next() {
	if c.dc != nil {
		c.dc.next()
	} else {
		c.ec.next()
	}
}
