package source

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
)

// tarIndex records where each file of an archive lies, so its contents can be
// served later as a section of the archive file without extracting anything.
// It is built by reading the tar headers once; archive/tar seeks over the
// file data because *os.File is an io.Seeker.
type tarIndex struct {
	path    string // archive file, named in errors
	entries map[string]tarEntry
}

type tarEntry struct {
	offset   int64 // of the data in the archive file
	size     int64
	typeflag byte
	linkname string
}

// maxLinkHops bounds symlink and hard-link resolution so a looping archive
// gives an error instead of hanging.
const maxLinkHops = 16

// indexTar reads the headers of the tar file at p.
func indexTar(ctx context.Context, p string) (*tarIndex, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not an archive", p)
	}
	idx := &tarIndex{path: p, entries: map[string]tarEntry{}}
	tr := tar.NewReader(f)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading tar %s: %w", p, err)
		}
		// tar.Reader reads headers in whole blocks without buffering ahead,
		// so the file offset now is where this entry's data starts.
		off, err := f.Seek(0, io.SeekCurrent)
		if err != nil {
			return nil, fmt.Errorf("reading tar %s: %w", p, err)
		}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeSymlink, tar.TypeLink:
			idx.entries[cleanTarPath(hdr.Name)] = tarEntry{
				offset: off, size: hdr.Size, typeflag: hdr.Typeflag, linkname: hdr.Linkname,
			}
		}
	}
	if len(idx.entries) == 0 {
		return nil, fmt.Errorf("%s is not a tar archive or holds no files", p)
	}
	return idx, nil
}

func cleanTarPath(p string) string {
	return strings.TrimPrefix(path.Clean("/"+p), "/")
}

// lookup resolves name, following symbolic and hard links, to a regular file.
func (t *tarIndex) lookup(name string) (tarEntry, bool) {
	name = cleanTarPath(name)
	for range maxLinkHops {
		e, ok := t.entries[name]
		if !ok {
			return tarEntry{}, false
		}
		switch e.typeflag {
		case tar.TypeSymlink:
			if path.IsAbs(e.linkname) {
				name = cleanTarPath(e.linkname)
			} else {
				name = cleanTarPath(path.Join(path.Dir(name), e.linkname))
			}
		case tar.TypeLink:
			name = cleanTarPath(e.linkname)
		default:
			return e, true
		}
	}
	return tarEntry{}, false
}

// has tells whether name resolves to a regular file in the archive.
func (t *tarIndex) has(name string) bool {
	_, ok := t.lookup(name)
	return ok
}

// open returns the contents of name as a section of the archive file.
func (t *tarIndex) open(name string) (io.ReadCloser, error) {
	e, ok := t.lookup(name)
	if !ok {
		return nil, fmt.Errorf("%s has no file %s", t.path, name)
	}
	f, err := os.Open(t.path)
	if err != nil {
		return nil, err
	}
	return sectionReadCloser{io.NewSectionReader(f, e.offset, e.size), f}, nil
}

// readAll reads a small file (a manifest or a config) from the archive.
func (t *tarIndex) readAll(name string) ([]byte, error) {
	rc, err := t.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("reading %s from %s: %w", name, t.path, err)
	}
	return b, nil
}

// names lists the regular files, sorted; for error messages.
func (t *tarIndex) names() []string {
	var out []string
	for n, e := range t.entries {
		if e.typeflag == tar.TypeReg {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

type sectionReadCloser struct {
	*io.SectionReader
	f *os.File
}

func (s sectionReadCloser) Close() error { return s.f.Close() }
