package debiantest

import (
	"archive/tar"
	"fmt"
	"io"
	"time"
)

// tarWriter writes the few entries of a docker-archive, keeping the first
// error so that the caller checks once.
type tarWriter struct {
	tw  *tar.Writer
	err error
}

func newTarWriter(w io.Writer) *tarWriter { return &tarWriter{tw: tar.NewWriter(w)} }

var epoch = time.Date(2023, 6, 10, 0, 0, 0, 0, time.UTC)

func (t *tarWriter) header(name string, size int64) {
	if t.err == nil {
		t.err = t.tw.WriteHeader(&tar.Header{Name: name, Size: size, Mode: 0o644, ModTime: epoch, Typeflag: tar.TypeReg, Format: tar.FormatPAX})
	}
}

func (t *tarWriter) file(name string, body []byte) {
	t.header(name, int64(len(body)))
	if t.err == nil {
		_, t.err = t.tw.Write(body)
	}
}

func (t *tarWriter) stream(name string, size int64, r io.Reader) {
	t.header(name, size)
	if t.err != nil {
		return
	}
	n, err := io.Copy(t.tw, r)
	if err == nil && n != size {
		err = fmt.Errorf("%s: wrote %d bytes, want %d", name, n, size)
	}
	t.err = err
}

func (t *tarWriter) close() error {
	if t.err != nil {
		return t.err
	}
	return t.tw.Close()
}
