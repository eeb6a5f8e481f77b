package layerdiff

import (
	"context"
	"fmt"
	"io"
	"slices"
	"unsafe"

	"github.com/zeebo/xxh3"
)

// buildConfig says where a listing being built goes.
type buildConfig struct {
	// dir holds spilled runs and the listing when it outgrows memory ("" is the system's temporary directory).
	dir string
	// named keeps the listing's file named, to be renamed into a ListingStore.
	named bool
	// sortBudget is how many bytes of entries are sorted in memory before a sorted run is spilled to dir.
	sortBudget int
	// memLimit is how many bytes of a listing or run stay in memory before moving to a file (0: memLimit).
	memLimit int
}

// defaultSortBudget bounds the memory a layer whose tar is not in path order takes while it is sorted.
const defaultSortBudget = 8 << 20

// buildListing reads the tar stream r once and writes its listing: every regular file hashed on the way,
// entries sorted by path (a tar already in path order, as directory walks write it, is never sorted), the
// last entry of a path written twice kept, hardlinks given the contents of their targets in the same layer.
func buildListing(ctx context.Context, r io.Reader, cfg buildConfig) (*Listing, *sink, error) {
	b, err := newListingBuilder(cfg)
	if err != nil {
		return nil, nil, err
	}
	defer b.discard()
	cr := &countingReader{r: r}
	h := xxh3.New()
	buf := make([]byte, 256<<10)
	err = WalkLayer(ctx, cr, func(e *Entry, kind Kind, content io.Reader) error {
		switch kind {
		case KindWhiteout:
			return b.addDeletion(e.Path, delWhiteout)
		case KindOpaque:
			return b.addDeletion(e.Path, delOpaque)
		}
		if content != nil {
			h.Reset()
			n, err := io.CopyBuffer(h, content, buf)
			if err != nil {
				return fmt.Errorf("reading %q: %w", e.Path, err)
			}
			if n != e.Size {
				return fmt.Errorf("reading %q: %d of %d bytes: %w", e.Path, n, e.Size, io.ErrUnexpectedEOF)
			}
			e.Hash = h.Sum128().Bytes()
			b.fileBytes += n
		}
		return b.addEntry(e)
	})
	if err != nil {
		return nil, nil, err
	}
	// The tar may end before the stream does (end-of-archive blocks, padding): read the rest so that the size
	// (and a digest computed by the caller) covers every byte, and a truncated compressed stream is noticed.
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return nil, nil, fmt.Errorf("reading past the end of the tar: %w", err)
	}
	return b.finish(ctx, cr.n)
}

func newListingBuilder(cfg buildConfig) (*listingBuilder, error) {
	if cfg.sortBudget <= 0 {
		cfg.sortBudget = defaultSortBudget
	}
	b := &listingBuilder{cfg: cfg, targets: map[string]struct{}{}}
	b.entries = &sorter{cfg: &b.cfg, budget: cfg.sortBudget}
	b.deletes = &sorter{cfg: &b.cfg, deletes: true, budget: max(cfg.sortBudget/8, 1)}
	if err := b.entries.startDirect(); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *listingBuilder) discard() {
	b.entries.discard()
	b.deletes.discard()
}

// addEntry adds an entry of the tar, in tar order.
func (b *listingBuilder) addEntry(e *Entry) error {
	if len(e.Path) > maxPathLen || len(e.Link) > maxPathLen {
		return fmt.Errorf("tar entry %.100q: name or link longer than %d bytes", e.Path, maxPathLen)
	}
	if e.Type == TypeHardlink {
		b.targets[e.Link] = struct{}{}
	}
	return b.entries.add(rec{e: *e})
}

// addDeletion adds a whiteout or an opaque marker.
func (b *listingBuilder) addDeletion(p string, kind byte) error {
	if len(p) > maxPathLen {
		return fmt.Errorf("whiteout %.100q: name longer than %d bytes", p, maxPathLen)
	}
	return b.deletes.add(rec{e: Entry{Path: p}, kind: kind})
}

type listingBuilder struct {
	cfg       buildConfig
	entries   *sorter
	deletes   *sorter
	fileBytes int64
	targets   map[string]struct{} // paths hardlinks point to
}

// finish writes the sorted entries and deletions into the final listing and returns it with its sink.
func (b *listingBuilder) finish(ctx context.Context, tarSize int64) (*Listing, *sink, error) {
	out, lw := b.entries.out, b.entries.lw
	if !b.entries.direct || len(b.targets) > 0 {
		// The entries need a merge of sorted runs, or hardlinks need their targets: write them anew.
		if err := b.entries.endDirect(); err != nil {
			return nil, nil, err
		}
		var facts map[string]Entry
		if len(b.targets) > 0 {
			facts = map[string]Entry{}
			err := b.entries.merged(ctx, func(p []byte, d *entryDecoder, _ byte) error {
				if _, ok := b.targets[string(p)]; ok {
					facts[string(p)] = d.e
				}
				return nil
			})
			if err != nil {
				return nil, nil, err
			}
		}
		var err error
		if out, lw, err = newFinalSink(b.cfg); err != nil {
			return nil, nil, err
		}
		err = b.entries.merged(ctx, func(p []byte, d *entryDecoder, _ byte) error {
			e := d.view(p)
			if e.Type == TypeHardlink {
				if t, ok := facts[e.Link]; ok && t.Type == TypeFile {
					e.Hash, e.Size = t.Hash, t.Size
				}
			}
			lw.entry(&e)
			return nil
		})
		if err != nil {
			out.discard()
			return nil, nil, err
		}
	} else {
		b.entries.flushPending()
		b.entries.out = nil // ownership moves to the listing
	}
	lw.beginDeletes()
	if err := b.deletes.endDirect(); err != nil {
		out.discard()
		return nil, nil, err
	}
	err := b.deletes.merged(ctx, func(p []byte, _ *entryDecoder, kind byte) error {
		lw.deletion(unsafe.String(unsafe.SliceData(p), len(p)), kind)
		return nil
	})
	if err != nil {
		out.discard()
		return nil, nil, err
	}
	hdr, err := lw.finish(tarSize, b.fileBytes)
	if err == nil {
		err = out.writeAt(hdr, 0)
	}
	if err != nil {
		out.discard()
		return nil, nil, err
	}
	src, keep := out.readerAt()
	l, err := openListing(src, out.n, false, false)
	if err != nil {
		out.discard()
		return nil, nil, err
	}
	l.keep = keep
	return l, out, nil
}

// newFinalSink starts a listing: room for the header, then the body through a checksumming writer.
func newFinalSink(cfg buildConfig) (*sink, *listingWriter, error) {
	s := newSink(cfg)
	if _, err := s.Write(make([]byte, listingHeaderSize)); err != nil {
		return nil, nil, err
	}
	return s, newListingWriter(s, true), nil
}

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
