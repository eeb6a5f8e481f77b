package layerdiff

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// storedLayer is implemented by layers whose source can hand out their bytes exactly as stored, without
// re-encoding (source's docker-archive layers do: go-containerregistry would gzip uncompressed archive layers
// on the fly to answer Compressed). Layers without it are read through Compressed, which every source serves
// as stored.
type storedLayer interface {
	Stored() (io.ReadCloser, error)
}

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// maxZstdWindow bounds the memory a zstd layer may ask for; real layers use a few MiB.
const maxZstdWindow = 64 << 20

// OpenLayer returns the uncompressed tar stream of l. The stored bytes are read once; gzip and zstd are
// recognized by their magic numbers (media types lie: uncompressed layers are often labelled gzip) and
// decompressed here.
func OpenLayer(l v1.Layer) (io.ReadCloser, error) {
	var rc io.ReadCloser
	var err error
	if s, ok := l.(storedLayer); ok {
		rc, err = s.Stored()
	} else {
		rc, err = l.Compressed()
	}
	if err != nil {
		return nil, err
	}
	return Decompress(rc)
}

// Decompress wraps rc so that reads return the uncompressed bytes of a gzip, zstd or plain stream; closing
// the result closes rc.
func Decompress(rc io.ReadCloser) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(rc, 1<<20)
	magic, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) {
		rc.Close()
		return nil, err
	}
	switch {
	case bytes.HasPrefix(magic, gzipMagic):
		zr, err := gzip.NewReader(br)
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return &stack{Reader: zr, close: func() error { zr.Close(); return rc.Close() }}, nil
	case bytes.HasPrefix(magic, zstdMagic):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxZstdWindow),
			zstd.WithDecoderLowmem(true))
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return &stack{Reader: zr, close: func() error { zr.Close(); return rc.Close() }}, nil
	}
	return &stack{Reader: br, close: rc.Close}, nil
}

type stack struct {
	io.Reader
	close func() error
}

func (s *stack) Close() error { return s.close() }
