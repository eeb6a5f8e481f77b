package layerdiff

import (
	"crypto/sha256"
	"hash"
	"io"
)

// hashAside passes a stream through while another goroutine computes its SHA-256, so that verifying a layer's
// DiffID takes a second core instead of time from the tar walk. (A layer's SHA-256 costs about as much as the
// rest of reading it: on one goroutine it is the largest part of a diff.) Buffers circulate between the
// reader and the hasher, so memory stays at aheadBuffers*aheadBufferSize.
type hashAside struct {
	r    io.Reader
	h    hash.Hash
	free chan []byte
	work chan []byte
	done chan struct{}
	cur  []byte
	off  int
	err  error
	sum  []byte
}

const (
	aheadBuffers    = 3
	aheadBufferSize = 1 << 20 // at least bufio's buffer in Decompress, so that reads bypass it (one copy fewer)
)

func newHashAside(r io.Reader) *hashAside {
	a := &hashAside{r: r, h: sha256.New(), free: make(chan []byte, aheadBuffers),
		work: make(chan []byte, aheadBuffers), done: make(chan struct{})}
	for range aheadBuffers {
		a.free <- make([]byte, aheadBufferSize)
	}
	go func() {
		defer close(a.done)
		for b := range a.work {
			a.h.Write(b)
			a.free <- b[:cap(b)]
		}
	}()
	return a
}

func (a *hashAside) Read(p []byte) (int, error) {
	if a.off == len(a.cur) {
		if a.err != nil {
			return 0, a.err
		}
		if a.cur != nil {
			a.work <- a.cur
			a.cur = nil
		}
		b := <-a.free
		n, err := a.r.Read(b)
		a.err = err
		if n == 0 {
			a.free <- b
			return 0, err
		}
		a.cur, a.off = b[:n], 0
	}
	n := copy(p, a.cur[a.off:])
	a.off += n
	return n, nil
}

// Sum stops the hasher and returns the SHA-256 of every byte read so far. Calling it again returns the same.
func (a *hashAside) Sum() []byte {
	if a.sum == nil {
		if a.cur != nil {
			a.work <- a.cur[:a.off]
			a.cur = nil
		}
		close(a.work)
		<-a.done
		a.sum = a.h.Sum(nil)
	}
	return a.sum
}
