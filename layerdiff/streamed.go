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
// is already known (in the listing store or read by this Reader), in which case the stream is not opened.
func (r *Reader) readStream(ctx context.Context, s LayerStream) error {
	diffIDs, err := s.StreamDiffIDs()
	if err != nil {
		return fmt.Errorf("listing layers: %w", err)
	}
	cached := map[v1.Hash]*Listing{}
	for _, d := range diffIDs {
		if l, ok := r.opts.store.Get(d); ok {
			cached[d] = l
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
		if l, ok := cached[d]; ok {
			c.l = l
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
		l, out, err := r.listStreamed(ctx, stored)
		if err != nil {
			return err
		}
		if c, ok := pending[l.DiffID]; ok {
			r.opts.store.put(l.DiffID, out) // named by the SHA-256 of its bytes: verified by construction
			out.unname()
			c.l = l
			close(c.done)
			delete(pending, l.DiffID)
		} else {
			out.discard()
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

// listStreamed lists one layer of a stream and names it by the SHA-256 of its uncompressed bytes.
func (r *Reader) listStreamed(ctx context.Context, stored io.Reader) (*Listing, *sink, error) {
	select {
	case r.sem <- struct{}{}:
		defer func() { <-r.sem }()
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	var src io.ReadCloser = io.NopCloser(stored)
	if r.opts.progress != nil {
		src = &progressReader{ReadCloser: src, r: r}
	}
	rc, err := Decompress(src)
	if err != nil {
		return nil, nil, fmt.Errorf("reading a layer of the stream: %w", err)
	}
	defer rc.Close()
	sum := newHashAside(rc)
	defer sum.Sum() // stops the hasher on every path
	l, out, err := buildListing(ctx, sum, r.opts.store.config())
	if err != nil {
		return nil, nil, fmt.Errorf("reading a layer of the stream: %w", err)
	}
	l.DiffID = v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum.Sum())}
	return l, out, nil
}
