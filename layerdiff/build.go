package layerdiff

import (
	"context"
	"fmt"
	"io"
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
