package source

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// openLayout opens an OCI image layout directory.
func openLayout(ref Reference, o options) (v1.Image, error) {
	dir := ref.Path
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is a file, not an OCI layout directory (an archive is opened as %s:%s or %s:%s)",
			dir, DockerArchive, dir, OCIArchive, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "oci-layout")); err != nil {
		return nil, fmt.Errorf("%s is not an OCI image layout: it has no oci-layout file", dir)
	}
	lp, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("%s is not an OCI image layout: %w", dir, err)
	}
	idx, err := lp.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("%s: reading index.json: %w", dir, err)
	}
	img, err := pickImage(idx, ref.Tag, o.platform, dir)
	if err != nil {
		return nil, err
	}
	has := func(h v1.Hash) bool {
		_, err := os.Stat(filepath.Join(dir, "blobs", h.Algorithm, h.Hex))
		return err == nil
	}
	if err := checkBlobs(img, has, dir); err != nil {
		return nil, err
	}
	return img, nil
}

// checkBlobs makes sure the config and every layer blob of img are present,
// so a broken layout fails when it is opened, with the missing blob named.
func checkBlobs(img v1.Image, has func(v1.Hash) bool, where string) error {
	m, err := img.Manifest()
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: an index names a manifest blob that is missing: %w", where, err)
	}
	if err != nil {
		return fmt.Errorf("%s: reading manifest: %w", where, err)
	}
	if !has(m.Config.Digest) {
		return fmt.Errorf("%s: manifest names config blob %s, which is missing", where, m.Config.Digest)
	}
	for _, l := range m.Layers {
		// Foreign layers live at their URLs, not in the layout.
		if len(l.URLs) == 0 && !has(l.Digest) {
			return fmt.Errorf("%s: manifest names layer blob %s, which is missing", where, l.Digest)
		}
	}
	return nil
}
