package source

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/gzip"
)

// tar-split (github.com/vbatts/tar-split), which containers-storage keeps for every layer as
// <driver>-layers/<id>.tar-split.gz, records a layer's tar as JSON lines: segments hold the raw bytes of tar
// headers and padding, file entries name a file of the layer whose contents go at that place. With the
// layer's directory that rebuilds the tar byte for byte, so its SHA-256 is the layer's DiffID.
const (
	tarSplitFile    = 1
	tarSplitSegment = 2
)

// maxTarSplitLine bounds one JSON line: a segment holds a header (with PAX records, a few KiB) and padding.
const maxTarSplitLine = 16 << 20

// tarSplitEntry is one line of a tar-split stream.
type tarSplitEntry struct {
	Type    int    `json:"type"`
	Name    string `json:"name,omitempty"`
	NameRaw []byte `json:"name_raw,omitempty"`
	Size    int64  `json:"size,omitempty"`
	Payload []byte `json:"payload"`
}

// tarSplitReader rebuilds a tar from a tar-split stream and the files under root.
type tarSplitReader struct {
	lines *bufio.Scanner
	root  *os.Root
	cur   io.Reader
	file  *os.File
	name  string // of the file being copied, for errors
	left  int64  // bytes of it still expected
	close func() error
}

// openTarSplit opens the layer whose tar-split is at splitPath and whose files are under dir.
func openTarSplit(splitPath, dir string) (io.ReadCloser, error) {
	f, err := os.Open(splitPath)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", splitPath, err)
	}
	// os.Root keeps every file the tar-split names inside the layer's directory, symlinks included.
	root, err := os.OpenRoot(dir)
	if err != nil {
		zr.Close()
		f.Close()
		return nil, err
	}
	r := newTarSplitReader(zr, root)
	r.close = func() error {
		zr.Close()
		root.Close()
		return f.Close()
	}
	return r, nil
}

func newTarSplitReader(r io.Reader, root *os.Root) *tarSplitReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxTarSplitLine)
	return &tarSplitReader{lines: sc, root: root}
}

// Read implements io.Reader.
func (t *tarSplitReader) Read(p []byte) (int, error) {
	for {
		if t.cur != nil {
			n, err := t.cur.Read(p)
			if t.file != nil {
				t.left -= int64(n)
			}
			if errors.Is(err, io.EOF) {
				if err := t.endCurrent(); err != nil {
					return n, err
				}
				err = nil
			}
			if n > 0 || err != nil {
				return n, err
			}
			continue
		}
		if err := t.next(); err != nil {
			return 0, err
		}
	}
}

// next moves to the next entry that has bytes.
func (t *tarSplitReader) next() error {
	for t.lines.Scan() {
		line := t.lines.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e tarSplitEntry
		if err := json.Unmarshal(line, &e); err != nil {
			return fmt.Errorf("tar-split: %w", err)
		}
		switch e.Type {
		case tarSplitSegment:
			if len(e.Payload) > 0 {
				t.cur = bytes.NewReader(e.Payload)
				return nil
			}
		case tarSplitFile:
			if e.Size < 0 {
				return fmt.Errorf("tar-split: file %q has size %d", e.Name, e.Size)
			}
			if e.Size == 0 {
				continue
			}
			name := e.Name
			if len(e.NameRaw) > 0 {
				name = string(e.NameRaw)
			}
			if t.root == nil {
				return fmt.Errorf("tar-split: file %q without a layer directory", name)
			}
			f, err := t.root.Open(name)
			if err != nil {
				return fmt.Errorf("opening %s of the layer: %w", name, err)
			}
			t.file, t.name, t.left = f, name, e.Size
			t.cur = io.LimitReader(f, e.Size)
			return nil
		default:
			return fmt.Errorf("tar-split: unknown entry type %d", e.Type)
		}
	}
	if err := t.lines.Err(); err != nil {
		return fmt.Errorf("tar-split: %w", err)
	}
	return io.EOF
}

// endCurrent closes the entry that was being read, checking that a file gave all its bytes.
func (t *tarSplitReader) endCurrent() error {
	t.cur = nil
	if t.file == nil {
		return nil
	}
	t.file.Close()
	t.file = nil
	if t.left != 0 {
		return fmt.Errorf("file %s of the layer is %d bytes shorter than its tar header says", t.name, t.left)
	}
	return nil
}

// Close implements io.Closer.
func (t *tarSplitReader) Close() error {
	if t.file != nil {
		t.file.Close()
		t.file = nil
	}
	if t.close != nil {
		return t.close()
	}
	return nil
}
