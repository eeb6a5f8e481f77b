package lsp

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/layerlint/layerlint/layerdiff"
)

// estimate is what a COPY or ADD of build-context files will add to the image, computed from the context
// before any image has its layer: the bytes of the regular files it sends (the context as .dockerignore
// leaves it), which is what the layer's size counts.
type estimate struct {
	Bytes int64
	Files int
}

// label is "≈300 kB": the approximately-equal sign marks a size no image has confirmed.
func (e estimate) label() string { return "≈" + layerdiff.FormatSize(e.Bytes) }

func (e estimate) tooltip() string {
	return fmt.Sprintf("estimate: %d bytes in %d context files (.dockerignore applied); no image has this layer yet", e.Bytes, e.Files)
}

// contextSizes holds the sizes of a listed build context's files, read when an estimate first needs them;
// a new listing of the context (a file changed) gets new ones.
type contextSizes struct {
	dir string
	mu  sync.Mutex
	m   map[string]int64 // slash-separated context path -> bytes, 0 for what is no regular file
}

func newContextSizes(dir string) *contextSizes {
	return &contextSizes{dir: dir, m: map[string]int64{}}
}

// size returns the bytes of the regular file at context path p, 0 for symlinks, directories and files
// that are gone.
func (c *contextSizes) size(p string) int64 {
	c.mu.Lock()
	n, ok := c.m[p]
	c.mu.Unlock()
	if ok {
		return n
	}
	if fi, err := os.Lstat(filepath.Join(c.dir, filepath.FromSlash(p))); err == nil && fi.Mode().IsRegular() {
		n = fi.Size()
	}
	c.mu.Lock()
	c.m[p] = n
	c.mu.Unlock()
	return n
}

// archiveSuffixes are the names ADD may unpack: its layer then holds the archive's contents, not the file.
var archiveSuffixes = []string{".tar", ".tgz", ".tbz", ".tbz2", ".txz", ".tzst", ".gz", ".bz2", ".xz", ".zst", ".lz4"}

// copyEstimate returns the estimate of the COPY or ADD at line from the context files the cache prediction
// says it sends; ok is false for other instructions, COPY --from, sources that are not in the context and
// ADD of what may be an archive.
func (s *Snapshot) copyEstimate(in Instr) (e estimate, ok bool) {
	if s.sizes == nil || (in.Keyword != "COPY" && in.Keyword != "ADD") {
		return estimate{}, false
	}
	st, ok := s.Prediction[in.Line]
	if !ok || st.Sources == nil {
		return estimate{}, false
	}
	for _, p := range st.Sources {
		if in.Keyword == "ADD" {
			for _, suf := range archiveSuffixes {
				if strings.HasSuffix(strings.ToLower(p), suf) {
					return estimate{}, false
				}
			}
		}
		if n := s.sizes.size(p); n > 0 {
			e.Bytes += n
		}
		e.Files++
	}
	return e, true
}
