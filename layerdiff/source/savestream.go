package source

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
)

// Limits on what a save stream may make us hold: only small JSON files (manifests, configs, indexes) are kept,
// layers stream through.
const (
	maxSaveJSON      = 16 << 20 // one manifest, index or config
	maxSaveJSONTotal = 64 << 20 // all of them together
)

var (
	hex64        = regexp.MustCompile(`^[0-9a-f]{64}$`)
	legacyConfig = regexp.MustCompile(`^[0-9a-f]{64}\.json$`)
	legacyLayer  = regexp.MustCompile(`^[0-9a-f]{64}/layer\.tar$`)
	ociBlob      = regexp.MustCompile(`^blobs/sha256/[0-9a-f]{64}$`)
)

// saveContents is what one pass over a `docker save` stream keeps: the small JSON files by name, the symbolic
// and hard links between files (Docker writes a layer the image holds twice once, and links the second), and
// the size of every layer file.
type saveContents struct {
	files   map[string][]byte
	links   map[string]string
	sizes   map[string]int64
	skipped map[string]int64 // JSON files over maxSaveJSON, by name: named in errors if they are needed
	kept    int64
}

// readSaveStream reads the tar of `docker save` once. It understands both forms Docker writes: the classic
// one (Docker up to 24: <id>.json config, <v1id>/layer.tar layers, manifest.json and repositories last) and
// the OCI layout of Docker 25 and later with the containerd image store (blobs/sha256/<digest>, index.json,
// manifest.json). layer, when not nil, is called with each layer file's bytes as they stream by; what it does
// not read is skipped. Nothing but small JSON files is held.
func readSaveStream(ctx context.Context, r io.Reader, layer func(name string, r io.Reader) error) (*saveContents, error) {
	sc := &saveContents{files: map[string][]byte{}, links: map[string]string{}, sizes: map[string]int64{}, skipped: map[string]int64{}}
	tr := tar.NewReader(r)
	var peek *bufio.Reader
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the saved image: %w", err)
		}
		name := cleanTarPath(hdr.Name)
		switch hdr.Typeflag {
		case tar.TypeSymlink:
			target := hdr.Linkname
			if !path.IsAbs(target) {
				target = path.Join(path.Dir(name), target)
			}
			sc.links[name] = cleanTarPath(target)
			continue
		case tar.TypeLink:
			sc.links[name] = cleanTarPath(hdr.Linkname)
			continue
		case tar.TypeReg:
		default:
			continue
		}
		kind := saveFileKind(name)
		if kind == saveBlob {
			// An OCI blob is a layer or a JSON document: its first bytes tell.
			if peek == nil {
				peek = bufio.NewReaderSize(tr, 4096)
			} else {
				peek.Reset(tr)
			}
			head, _ := peek.Peek(512)
			kind = sniffBlob(head)
			if kind == saveLayer {
				sc.sizes[name] = hdr.Size
				if layer != nil {
					if err := layer(name, peek); err != nil {
						return nil, err
					}
				}
				continue
			}
			if kind == saveJSON {
				if err := sc.keep(name, hdr.Size, peek); err != nil {
					return nil, err
				}
			}
			continue
		}
		switch kind {
		case saveLayer:
			sc.sizes[name] = hdr.Size
			if layer != nil {
				if err := layer(name, tr); err != nil {
					return nil, err
				}
			}
		case saveJSON:
			if err := sc.keep(name, hdr.Size, tr); err != nil {
				return nil, err
			}
		}
	}
	return sc, nil
}

type saveKind int

const (
	saveOther saveKind = iota
	saveJSON
	saveLayer
	saveBlob
)

func saveFileKind(name string) saveKind {
	switch {
	case name == "manifest.json" || name == "index.json":
		return saveJSON
	case legacyConfig.MatchString(name):
		return saveJSON
	case legacyLayer.MatchString(name):
		return saveLayer
	case ociBlob.MatchString(name):
		return saveBlob
	}
	return saveOther
}

// sniffBlob tells a layer (a tar, gzip or zstd stream) from a JSON document by its first bytes.
func sniffBlob(head []byte) saveKind {
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}), bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return saveLayer
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return saveLayer
	case len(head) == 0:
		// An empty blob is an empty layer at most; a JSON document is never empty.
		return saveLayer
	}
	if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return saveJSON
	}
	return saveOther
}

// keep holds a small JSON file, or notes that it was too large to hold.
func (sc *saveContents) keep(name string, size int64, r io.Reader) error {
	if size > maxSaveJSON || sc.kept+size > maxSaveJSONTotal {
		sc.skipped[name] = size
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(r, size))
	if err != nil {
		return fmt.Errorf("reading %s of the saved image: %w", name, err)
	}
	sc.files[name] = b
	sc.kept += int64(len(b))
	return nil
}

// resolve follows links from name to the regular file that holds its bytes.
func (sc *saveContents) resolve(name string) string {
	for range maxLinkHops {
		target, ok := sc.links[name]
		if !ok {
			return name
		}
		name = target
	}
	return name
}

// file returns a kept JSON file by name, or an error that says why it is not there.
func (sc *saveContents) file(name string) ([]byte, error) {
	name = sc.resolve(cleanTarPath(name))
	if b, ok := sc.files[name]; ok {
		if blob, ok := strings.CutPrefix(name, "blobs/sha256/"); ok {
			// A blob is named by its digest: check it, as a registry client would.
			if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != blob {
				return nil, fmt.Errorf("blob %s of the saved image does not match its digest", name)
			}
		}
		return b, nil
	}
	if n, ok := sc.skipped[name]; ok {
		return nil, fmt.Errorf("%s of the saved image is %d bytes, more than the %d MiB a manifest or config may have", name, n, maxSaveJSON>>20)
	}
	return nil, fmt.Errorf("the saved image has no file %s", name)
}
