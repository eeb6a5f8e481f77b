package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Bounds on what a registry may send. A manifest or index of 4 MiB is what the OCI distribution spec asks
// registries to accept; configs of real images are tens of KiB.
const (
	maxManifestBytes = 4 << 20
	maxConfigBytes   = 16 << 20
	maxRedirects     = 10
	// DefaultRegistryTimeout is how long a registry may take to start answering, or pause while sending.
	DefaultRegistryTimeout = 30 * time.Second
)

// WithRegistryTimeout sets how long a registry may take to answer a request or pause in the middle of a
// response before the image fails to open; the default is DefaultRegistryTimeout.
func WithRegistryTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.timeout = d
		}
	}
}

// RegistryError is an answer a registry should not have given, or did not give in time.
type RegistryError struct {
	// Registry is the host.
	Registry string
	// Problem says what was wrong, in a few words that follow the host.
	Problem string
}

// Error implements error.
func (e *RegistryError) Error() string { return "registry " + e.Registry + " " + e.Problem }

// boundedTransport enforces the bounds above on every request go-containerregistry makes: manifests no larger
// than maxManifestBytes, blobs no longer than their manifests declare, no pause longer than timeout.
type boundedTransport struct {
	inner   http.RoundTripper
	timeout time.Duration

	mu       sync.Mutex
	declared map[string]int64 // blob digest -> size its manifest declares
}

func newBoundedTransport(timeout time.Duration) *boundedTransport {
	base := remote.DefaultTransport.(*http.Transport).Clone()
	return &boundedTransport{inner: base, timeout: timeout, declared: map[string]int64{}}
}

// declare records the sizes img's manifest gives its config and layers.
func (t *boundedTransport) declare(m *v1.Manifest) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.declared[m.Config.Digest.String()] = m.Config.Size
	for _, l := range m.Layers {
		t.declared[l.Digest.String()] = l.Size
	}
}

// RoundTrip implements http.RoundTripper.
func (t *boundedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	host := req.URL.Host
	orig, hops := req, 0
	for orig.Response != nil && orig.Response.Request != nil {
		orig = orig.Response.Request // a redirect: judge by the request the client first made
		hops++
	}
	if hops > maxRedirects {
		// go-containerregistry follows redirects within a host without the http.Client's own limit.
		return nil, &RegistryError{Registry: orig.URL.Host, Problem: fmt.Sprintf("redirected more than %d times (a redirect loop) fetching %s", maxRedirects, orig.URL.Path)}
	}
	ctx, cancel := context.WithCancel(req.Context())
	var stalled atomic.Bool
	timer := time.AfterFunc(t.timeout, func() { stalled.Store(true); cancel() })
	resp, err := t.inner.RoundTrip(req.WithContext(ctx))
	if !timer.Stop() || stalled.Load() {
		cancel()
		if resp != nil {
			resp.Body.Close()
		}
		return nil, &RegistryError{Registry: host, Problem: fmt.Sprintf("did not answer within %v", t.timeout)}
	}
	if err != nil {
		cancel()
		return nil, err
	}
	body := &idleReader{r: resp.Body, timeout: t.timeout, cancel: cancel, host: host}
	resp.Body = body
	kind, digest := requestKind(orig.URL.Path)
	switch {
	case resp.StatusCode/100 != 2:
	case kind == "manifests":
		if resp.ContentLength > maxManifestBytes {
			resp.Body.Close()
			return nil, manifestTooLarge(host)
		}
		body.limit, body.tooLong = maxManifestBytes, manifestTooLarge(host)
	case kind == "blobs":
		t.mu.Lock()
		size, ok := t.declared[digest]
		t.mu.Unlock()
		if !ok {
			break
		}
		tooLong := &RegistryError{Registry: host, Problem: fmt.Sprintf("sent blob %s longer than the %d bytes its manifest declares", digest, size)}
		if resp.ContentLength > size {
			resp.Body.Close()
			return nil, tooLong
		}
		body.limit, body.tooLong, body.exact = size, tooLong, true
	}
	return resp, nil
}

func manifestTooLarge(host string) error {
	return &RegistryError{Registry: host, Problem: fmt.Sprintf("sent a manifest larger than %d MiB", maxManifestBytes>>20)}
}

// requestKind tells a manifest request from a blob request by the path /v2/NAME/{manifests,blobs}/REF.
func requestKind(p string) (kind, ref string) {
	dir, ref := path.Split(p)
	switch {
	case strings.HasSuffix(dir, "/manifests/"):
		return "manifests", ref
	case strings.HasSuffix(dir, "/blobs/"):
		return "blobs", ref
	}
	return "", ""
}

// idleReader fails a response body that pauses longer than timeout, or grows past limit. With exact, reaching
// limit also checks that nothing follows: go-containerregistry reads a blob only up to its declared size and
// would not notice more.
type idleReader struct {
	r       io.ReadCloser
	timeout time.Duration
	cancel  context.CancelFunc
	host    string
	limit   int64 // 0: none
	exact   bool
	tooLong error
	n       int64
	err     error
}

func (b *idleReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.limit > 0 && int64(len(p)) > b.limit-b.n+1 {
		p = p[:b.limit-b.n+1]
	}
	n, err := b.read(p)
	b.n += int64(n)
	if b.limit > 0 && b.n > b.limit {
		b.err = b.tooLong
		return 0, b.err
	}
	if err == nil && b.exact && b.n == b.limit {
		var one [1]byte
		m, err2 := b.read(one[:])
		if m > 0 {
			// The reader stops at the declared size and would not ask again: fail now.
			b.err = b.tooLong
			return n, b.err
		}
		if err2 != nil && !errors.Is(err2, io.EOF) {
			b.err = err2
		}
		err = io.EOF
	}
	if err != nil && b.err == nil {
		b.err = err
	}
	return n, err
}

// read reads with the idle timer running.
func (b *idleReader) read(p []byte) (int, error) {
	var stalled atomic.Bool
	timer := time.AfterFunc(b.timeout, func() { stalled.Store(true); b.cancel() })
	n, err := b.r.Read(p)
	if !timer.Stop() || stalled.Load() {
		return n, &RegistryError{Registry: b.host, Problem: fmt.Sprintf("stopped sending for %v", b.timeout)}
	}
	return n, err
}

// Close implements io.Closer.
func (b *idleReader) Close() error {
	b.cancel()
	return b.r.Close()
}
