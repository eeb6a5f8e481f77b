package layerdiff

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// LayerStream is implemented by images whose layers can only be read together, in one stream whose order the
// source decides: a Docker daemon hands out an image only as the tar of `docker save`. ReadImage reads such an
// image in one pass: each layer is walked as it streams by and recognised afterwards by the SHA-256 of its
// uncompressed bytes (its DiffID), so nothing is held in memory or written to disk, and a layer whose listing
// is already cached costs no more than the bytes streaming past.
type LayerStream interface {
	// StreamDiffIDs returns the DiffIDs of the image's layers, bottom first, without reading the stream.
	StreamDiffIDs() ([]v1.Hash, error)
	// StreamLayers reads the stream once and calls fn with the bytes of each layer as stored (a tar, possibly
	// gzip or zstd), in the stream's order. What fn leaves unread is skipped. Once StreamLayers has returned
	// nil, the image's ConfigFile is answered without reading the stream again.
	StreamLayers(ctx context.Context, fn func(stored io.Reader) error) error
}

// readStream fills this Reader's listings of s's layers with one pass over its stream, unless every listing
// is already known (in the index cache or read by this Reader), in which case the stream is not opened.
func (r *Reader) readStream(ctx context.Context, s LayerStream) error {
	diffIDs, err := s.StreamDiffIDs()
	if err != nil {
		return fmt.Errorf("listing layers: %w", err)
	}
	cached := map[v1.Hash]*LayerIndex{}
	for _, d := range diffIDs {
		if idx, ok := r.opts.cache.Get(d); ok {
			cached[d] = idx
		}
	}
	pending := map[v1.Hash]*layerCall{}
	r.mu.Lock()
	for _, d := range diffIDs {
		if _, ok := r.layers[d]; ok {
			continue // read, or being read, for another image
		}
		c := &layerCall{done: make(chan struct{})}
		r.layers[d] = c
		if idx, ok := cached[d]; ok {
			c.idx = idx
			close(c.done)
			continue
		}
		pending[d] = c
	}
	r.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	err = s.StreamLayers(ctx, func(stored io.Reader) error {
		if len(pending) == 0 {
			return nil // every layer this image needs is read: skip the rest
		}
		idx, err := r.indexStreamed(ctx, stored)
		if err != nil {
			return err
		}
		if c, ok := pending[idx.DiffID]; ok {
			c.idx = idx
			r.opts.cache.Put(idx)
			close(c.done)
			delete(pending, idx.DiffID)
		}
		return nil
	})
	for d, c := range pending {
		c.err = err
		if c.err == nil {
			c.err = fmt.Errorf("the image's stream holds no layer with DiffID %s", d)
		}
		if isCanceled(c.err) {
			r.mu.Lock()
			delete(r.layers, d)
			r.mu.Unlock()
		}
		close(c.done)
	}
	return err
}

// indexStreamed walks one layer of a stream and names it by the SHA-256 of its uncompressed bytes.
func (r *Reader) indexStreamed(ctx context.Context, stored io.Reader) (*LayerIndex, error) {
	select {
	case r.sem <- struct{}{}:
		defer func() { <-r.sem }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var src io.ReadCloser = io.NopCloser(stored)
	if r.opts.progress != nil {
		src = &progressReader{ReadCloser: src, r: r}
	}
	rc, err := Decompress(src)
	if err != nil {
		return nil, fmt.Errorf("reading a layer of the stream: %w", err)
	}
	defer rc.Close()
	sum := newHashAside(rc)
	defer sum.Sum() // stops the hasher on every path
	cr := &countingReader{r: sum}
	idx, err := IndexLayer(ctx, cr)
	if err != nil {
		return nil, fmt.Errorf("reading a layer of the stream: %w", err)
	}
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return nil, fmt.Errorf("reading a layer of the stream past the end of its tar: %w", err)
	}
	idx.DiffID = v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum.Sum())}
	idx.TarSize = cr.n
	return idx, nil
}
