package layerdiff

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"runtime"
	"sync"
	"sync/atomic"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"
)

// Image is an image read as listings: its config and one Listing per layer, bottom first. The listings live
// on disk (or in memory when small); memory does not grow with the number of files.
type Image struct {
	// Name is how the user named the image; errors and reports use it.
	Name   string
	Config *v1.ConfigFile
	Layers []*Listing

	src   v1.Image
	store *ListingStore // where the merged stack is kept (stack.go); nil when the layers were not verified
}

// Merge streams the image's merged filesystem (see Merge).
func (img *Image) Merge(ctx context.Context) iter.Seq2[*MergedPath, error] {
	return Merge(ctx, img.Layers)
}

// Source returns the image the listings were read from, for callers that need layer bytes again.
func (img *Image) Source() v1.Image { return img.src }

// Progress reports how far a Reader has got, in layers and stored bytes.
type Progress struct {
	LayersDone, LayersTotal int
	Bytes                   int64 // stored (possibly compressed) bytes read so far
}

// Option configures a Reader.
type Option func(*options)

type options struct {
	verify   bool
	workers  int
	progress func(Progress)
	store    *ListingStore
}

// WithVerify turns the check of each layer's DiffID (SHA-256 of its uncompressed bytes) on or off; it is on by
// default, so that a corrupt or tampered layer is an error rather than a wrong answer.
func WithVerify(on bool) Option { return func(o *options) { o.verify = on } }

// WithWorkers sets how many layers are read at once; the default is the number of CPUs.
func WithWorkers(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.workers = n
		}
	}
}

// WithProgress calls fn after each layer is read and periodically while bytes stream. fn must be safe for
// concurrent use and quick.
func WithProgress(fn func(Progress)) Option { return func(o *options) { o.progress = fn } }

// WithListingStore keeps layer listings in s, keyed by DiffID, so that a layer read once is not read again.
// Without a store, listings too large for memory go to unnamed files in the system's temporary directory.
func WithListingStore(s *ListingStore) Option { return func(o *options) { o.store = s } }

// Reader reads images into listings. Layers with the same DiffID are read once per Reader, even when two
// images being read at the same time share them. A Reader is safe for concurrent use.
type Reader struct {
	opts options
	sem  chan struct{}

	mu     sync.Mutex
	layers map[v1.Hash]*layerCall

	total, done atomic.Int64
	bytes       atomic.Int64
}

type layerCall struct {
	done chan struct{}
	l    *Listing
	err  error
}

// NewReader returns a Reader with the given options.
func NewReader(opts ...Option) *Reader {
	o := options{verify: true, workers: runtime.GOMAXPROCS(0)}
	for _, opt := range opts {
		opt(&o)
	}
	return &Reader{opts: o, sem: make(chan struct{}, o.workers), layers: map[v1.Hash]*layerCall{}}
}

// ReadImage reads the config and every layer listing of img. name is used in errors and reports.
func (r *Reader) ReadImage(ctx context.Context, name string, img v1.Image) (*Image, error) {
	if s, ok := img.(LayerStream); ok {
		// Its layers (and perhaps its config) arrive in one stream: read them in one pass first.
		if err := r.readStream(ctx, s); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("%s: reading config: %w", name, err)
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("%s: listing layers: %w", name, err)
	}
	if len(layers) != len(cfg.RootFS.DiffIDs) {
		return nil, fmt.Errorf("%s: manifest has %d layers but config lists %d diff_ids", name, len(layers), len(cfg.RootFS.DiffIDs))
	}
	out := &Image{Name: name, Config: cfg, Layers: make([]*Listing, len(layers)), src: img}
	if r.opts.verify {
		out.store = r.opts.store
	}
	r.total.Add(int64(len(layers)))
	g, gctx := errgroup.WithContext(ctx)
	for i, l := range layers {
		g.Go(func() error {
			lst, err := r.readLayer(gctx, l, cfg.RootFS.DiffIDs[i])
			if err != nil {
				return fmt.Errorf("%s: layer %d (%s): %w", name, i+1, shortDigest(cfg.RootFS.DiffIDs[i]), err)
			}
			out.Layers[i] = lst
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// readLayer returns the listing of l, reading it unless this Reader already has or is reading it.
func (r *Reader) readLayer(ctx context.Context, l v1.Layer, diffID v1.Hash) (*Listing, error) {
	defer r.layerDone()
	for {
		r.mu.Lock()
		c, ok := r.layers[diffID]
		if !ok {
			c = &layerCall{done: make(chan struct{})}
			r.layers[diffID] = c
			r.mu.Unlock()
			r.fill(ctx, c, l, diffID)
			return c.l, c.err
		}
		r.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if c.err == nil || !isCanceled(c.err) || ctx.Err() != nil {
			return c.l, c.err
		}
		// The reader that owned the call was cancelled (its image failed); this one was not: read it here.
	}
}

// fill computes c: from the listing store, or by reading the layer.
func (r *Reader) fill(ctx context.Context, c *layerCall, l v1.Layer, diffID v1.Hash) {
	defer close(c.done)
	if lst, ok := r.opts.store.Get(diffID); ok {
		c.l = lst
		return
	}
	select {
	case r.sem <- struct{}{}:
		c.l, c.err = r.listLayer(ctx, l, diffID)
		<-r.sem
	case <-ctx.Done():
		c.err = ctx.Err()
	}
	if c.err != nil && isCanceled(c.err) {
		// Forget a cancelled read so that another image sharing the layer reads it instead of failing too.
		r.mu.Lock()
		delete(r.layers, diffID)
		r.mu.Unlock()
	}
}

func isCanceled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func (r *Reader) layerDone() {
	d := r.done.Add(1)
	r.report(d)
}

func (r *Reader) report(done int64) {
	if r.opts.progress != nil {
		r.opts.progress(Progress{LayersDone: int(done), LayersTotal: int(r.total.Load()), Bytes: r.bytes.Load()})
	}
}

// listLayer streams one layer: stored bytes -> decompression -> (SHA-256 of the tar) -> tar walk -> listing.
// A verified listing goes into the store.
func (r *Reader) listLayer(ctx context.Context, l v1.Layer, diffID v1.Hash) (*Listing, error) {
	rc, err := OpenLayer(&progressLayer{Layer: l, r: r})
	if err != nil {
		return nil, fmt.Errorf("opening: %w", err)
	}
	defer rc.Close()
	var src io.Reader = rc
	var sum *hashAside
	verify := r.opts.verify && diffID.Algorithm == "sha256"
	if verify {
		sum = newHashAside(rc)
		defer sum.Sum() // stops the hasher on every path
		src = sum
	}
	cfg := buildConfig{}
	if verify {
		cfg = r.opts.store.config()
	}
	lst, out, err := buildListing(ctx, src, cfg)
	if err != nil {
		return nil, err
	}
	if sum != nil {
		if got := hex.EncodeToString(sum.Sum()); got != diffID.Hex {
			out.discard()
			return nil, fmt.Errorf("digest mismatch: the layer's bytes hash to sha256:%s, the config says %s", got, diffID)
		}
		r.opts.store.put(diffID, out)
	}
	out.unname()
	lst.DiffID = diffID
	return lst, nil
}

// progressLayer counts the stored bytes read from a layer for progress reports.
type progressLayer struct {
	v1.Layer
	r *Reader
}

func (p *progressLayer) Stored() (io.ReadCloser, error) {
	var rc io.ReadCloser
	var err error
	if s, ok := p.Layer.(storedLayer); ok {
		rc, err = s.Stored()
	} else {
		rc, err = p.Layer.Compressed()
	}
	if err != nil || p.r.opts.progress == nil {
		return rc, err
	}
	return &progressReader{ReadCloser: rc, r: p.r}, nil
}

type progressReader struct {
	io.ReadCloser
	r    *Reader
	last int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.ReadCloser.Read(b)
	total := p.r.bytes.Add(int64(n))
	if total-p.last > 64<<20 {
		p.last = total
		p.r.report(p.r.done.Load())
	}
	return n, err
}

func shortDigest(h v1.Hash) string {
	if len(h.Hex) > 12 {
		return h.Algorithm + ":" + h.Hex[:12]
	}
	return h.String()
}
