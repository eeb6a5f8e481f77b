// Package atomicfile replaces a file through a temporary file beside it and a rename: a reader sees the old
// file or the whole new one, and a write that fails leaves neither a partial file nor the temporary one.
package atomicfile

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Write makes name hold what write writes, with permissions perm. The temporary file is
// ".<name's base>.tmp-*" in name's directory, which must exist.
func Write(name string, perm fs.FileMode, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone after the rename; the partial file otherwise
	err = write(tmp)
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// WriteBytes is Write of data.
func WriteBytes(name string, perm fs.FileMode, data []byte) error {
	return Write(name, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
