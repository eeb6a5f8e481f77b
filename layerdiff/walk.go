package layerdiff

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Whiteout file names, as the OCI image spec defines them.
const (
	whiteoutPrefix = ".wh."
	whiteoutMeta   = ".wh..wh."
	whiteoutOpaque = ".wh..wh..opq"
)

// ErrUnsafePath is wrapped by errors about tar entries whose name or hardlink target leaves the image root.
var ErrUnsafePath = errors.New("path escapes the image root")

// Kind tells WalkLayer's callback what a tar entry means for the merged filesystem.
type Kind uint8

// The kinds of tar entries in a layer.
const (
	// KindEntry is a file, directory, link or device that the layer adds or replaces.
	KindEntry Kind = iota
	// KindWhiteout deletes Path (and everything below it) from the layers underneath (".wh.NAME").
	KindWhiteout
	// KindOpaque hides everything below the directory Path in the layers underneath (".wh..wh..opq").
	KindOpaque
)

// WalkLayer reads the uncompressed tar stream r once and calls fn for every entry, in stream order, with the
// entry's normalized metadata and, for regular files, a reader of its contents that fn may read or ignore.
// Names are made relative to the image root (a leading "/" or "./" is dropped, as container runtimes do);
// a name or hardlink target that climbs out of the root ("../x") is an error wrapping ErrUnsafePath. The
// root directory itself is skipped, as are aufs metadata entries (".wh..wh.*" other than the opaque marker).
func WalkLayer(ctx context.Context, r io.Reader, fn func(e *Entry, kind Kind, content io.Reader) error) error {
	tr := newTarReader(r)
	for n := 0; ; n++ {
		if n&255 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading tar entry %d: %w", n+1, err)
		}
		name, err := cleanName(hdr.Name)
		if err != nil {
			return err
		}
		if name == "" {
			continue // the root directory
		}
		dir, base := path.Split(name)
		dir = strings.TrimSuffix(dir, "/")
		if strings.HasPrefix(base, whiteoutPrefix) {
			e := Entry{ModTime: hdr.ModTime.Unix()}
			switch {
			case base == whiteoutOpaque:
				e.Path = dir
				if dir == "" {
					e.Path = "" // an opaque root hides every lower entry
				}
				err = fn(&e, KindOpaque, nil)
			case strings.HasPrefix(base, whiteoutMeta):
				continue
			case len(base) == len(whiteoutPrefix):
				return fmt.Errorf("tar entry %q: whiteout without a name", hdr.Name)
			default:
				e.Path = path.Join(dir, base[len(whiteoutPrefix):])
				err = fn(&e, KindWhiteout, nil)
			}
			if err != nil {
				return err
			}
			continue
		}
		e := Entry{
			Path:    name,
			Size:    hdr.Size,
			ModTime: hdr.ModTime.Unix(),
			Mode:    uint32(hdr.Mode) & 0o7777,
			UID:     hdr.Uid,
			GID:     hdr.Gid,
		}
		var content io.Reader
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeGNUSparse: // the reader reports the old TypeRegA as TypeReg
			e.Type = TypeFile
			content = tr
		case tar.TypeDir:
			e.Type, e.Size = TypeDir, 0
		case tar.TypeSymlink:
			e.Type, e.Size, e.Link = TypeSymlink, 0, hdr.Linkname
		case tar.TypeLink:
			e.Type, e.Size = TypeHardlink, 0
			if e.Link, err = cleanName(hdr.Linkname); err != nil {
				return fmt.Errorf("hardlink %q: %w", name, err)
			}
		case tar.TypeChar:
			e.Type, e.Size, e.Link = TypeChar, 0, fmt.Sprintf("%d:%d", hdr.Devmajor, hdr.Devminor)
		case tar.TypeBlock:
			e.Type, e.Size, e.Link = TypeBlock, 0, fmt.Sprintf("%d:%d", hdr.Devmajor, hdr.Devminor)
		case tar.TypeFifo:
			e.Type, e.Size = TypeFIFO, 0
		default:
			continue // other types (contiguous files, vendor extensions) carry nothing a runtime would apply
		}
		if err := fn(&e, KindEntry, content); err != nil {
			return err
		}
	}
}

// cleanName makes a tar name relative to the image root, or fails when it climbs out of it.
func cleanName(name string) (string, error) {
	p := path.Clean(strings.TrimLeft(name, "/"))
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", fmt.Errorf("tar entry %q: %w", name, ErrUnsafePath)
	}
	if p == "." {
		return "", nil
	}
	return p, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
