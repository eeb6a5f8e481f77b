package layerdiff

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/layerlint/layerlint/internal/atomicfile"
)

// sink receives the bytes of a listing or of a sorted run: in memory while they are few, then in a temporary
// file in dir. The file is unlinked at once (it lives as long as it is open, and nothing is left behind by a
// crash) unless the sink was made to be renamed into a ListingStore.
type sink struct {
	dir   string
	limit int
	named bool // keep a name for rename

	mem []byte
	f   *os.File
	n   int64
	err error
}

// memLimit is how many bytes of a listing or run stay in memory before it moves to a file.
const memLimit = 256 << 10

func newSink(cfg buildConfig) *sink {
	limit := cfg.memLimit
	if limit <= 0 {
		limit = memLimit
	}
	return &sink{dir: cfg.dir, limit: limit, named: cfg.named}
}

func (s *sink) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.f == nil && len(s.mem)+len(p) > s.limit {
		s.spill()
	}
	if s.f != nil {
		n, err := s.f.Write(p)
		s.n += int64(n)
		if err != nil {
			s.err = fmt.Errorf("writing %s: %w", s.f.Name(), err)
		}
		return n, s.err
	}
	s.mem = append(s.mem, p...)
	s.n += int64(len(p))
	return len(p), nil
}

func (s *sink) spill() {
	dir := s.dir
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		s.err = fmt.Errorf("spilling a listing: %w", err)
		return
	}
	f, err := os.CreateTemp(dir, ".listing-*")
	if err != nil {
		s.err = fmt.Errorf("spilling a listing: %w", err)
		return
	}
	if !s.named {
		os.Remove(f.Name()) // where unlinking an open file fails (Windows), the name stays until Close
	}
	if _, err := f.Write(s.mem); err != nil {
		f.Close()
		s.err = fmt.Errorf("writing %s: %w", f.Name(), err)
		return
	}
	s.f, s.mem = f, nil
}

// writeAt overwrites bytes already written (the listing header).
func (s *sink) writeAt(p []byte, off int64) error {
	if s.err != nil {
		return s.err
	}
	if s.f == nil {
		copy(s.mem[off:], p)
		return nil
	}
	if _, err := s.f.WriteAt(p, off); err != nil {
		return fmt.Errorf("writing %s: %w", s.f.Name(), err)
	}
	return nil
}

// readerAt returns the bytes written, to read back, and what must stay referenced while they are read.
func (s *sink) readerAt() (io.ReaderAt, any) {
	if s.f != nil {
		return s.f, s.f
	}
	return bytes.NewReader(s.mem), nil
}

// discard drops the sink's file, if any.
func (s *sink) discard() {
	if s.f != nil {
		s.f.Close()
		if s.named {
			os.Remove(s.f.Name())
		}
		s.f = nil
	}
	s.mem = nil
}

// unname removes the name of a named sink's file that will not be persisted; the open file stays readable.
func (s *sink) unname() {
	if s.f != nil && s.named {
		os.Remove(s.f.Name())
		s.named = false
	}
}

// persist places the sink's bytes at name (atomically: a reader never sees a partial file).
func (s *sink) persist(name string) error {
	if s.err != nil {
		return s.err
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	if s.f != nil && s.named {
		err := os.Rename(s.f.Name(), name)
		if err == nil {
			s.named = false
		}
		return err
	}
	return atomicfile.Write(name, 0o600, func(w io.Writer) error {
		var err error
		if s.f != nil {
			_, err = io.Copy(w, io.NewSectionReader(s.f, 0, s.n))
		} else {
			_, err = w.Write(s.mem)
		}
		return err
	})
}
