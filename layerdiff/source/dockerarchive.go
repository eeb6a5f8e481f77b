package source

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// StoredLayer is a layer that can hand out its bytes exactly as its source
// stores them: a plain tar, or gzip or zstd as stored (readers sniff the magic
// bytes). Layers of a docker-archive implement it, because ggcr computes
// Compressed, Digest and Size of an uncompressed archived layer by gzipping it
// on the fly; callers that only need the contents should use Stored and
// identify layers by DiffID.
type StoredLayer interface {
	v1.Layer
	// Stored returns the layer's bytes as stored in the source.
	Stored() (io.ReadCloser, error)
}

// openDockerArchive opens a `docker save` style archive. The archive is
// indexed once; the image itself is ggcr's tarball image, wrapped so that its
// layers also serve their stored bytes straight from the archive file.
func openDockerArchive(ctx context.Context, ref Reference) (v1.Image, error) {
	idx, err := indexTar(ctx, ref.Path)
	if err != nil {
		return nil, err
	}
	return dockerArchiveImage(idx, ref)
}

// openArchive opens a bare path to an archive as what its contents say it is: a docker-archive holds
// manifest.json, an OCI archive oci-layout and index.json (Docker 25's `docker save` writes both: it is read
// as a docker-archive). The archive is indexed once for both questions.
func openArchive(ctx context.Context, ref Reference, o options) (v1.Image, error) {
	idx, err := indexTar(ctx, ref.Path)
	if err != nil {
		return nil, err
	}
	switch {
	case idx.has("manifest.json"):
		return dockerArchiveImage(idx, ref)
	case idx.has("oci-layout") && idx.has("index.json"):
		return ociArchiveImage(idx, ref, o)
	}
	return nil, fmt.Errorf("%s is neither a docker-archive (it has no manifest.json) nor an OCI archive (no oci-layout and index.json)", ref.Path)
}

// dockerArchiveImage opens the docker-archive idx indexes.
func dockerArchiveImage(idx *tarIndex, ref Reference) (v1.Image, error) {
	if !idx.has("manifest.json") {
		if idx.has("oci-layout") {
			return nil, fmt.Errorf("%s has no manifest.json; it is an OCI archive, open it as %s:%s", ref.Path, OCIArchive, ref.Path)
		}
		return nil, fmt.Errorf("%s has no manifest.json; it is not a docker-archive", ref.Path)
	}
	raw, err := idx.readAll("manifest.json")
	if err != nil {
		return nil, err
	}
	var m tarball.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: decoding manifest.json: %w", ref.Path, err)
	}
	i, err := pickArchivedImage(m, ref)
	if err != nil {
		return nil, err
	}
	desc := m[i]
	if !idx.has(desc.Config) {
		return nil, fmt.Errorf("%s: manifest.json names config %q, which is not in the archive", ref.Path, desc.Config)
	}
	for _, l := range desc.Layers {
		if !idx.has(l) {
			return nil, fmt.Errorf("%s: manifest.json names layer %q, which is not in the archive", ref.Path, l)
		}
	}
	// ggcr selects by tag itself; hand it the exact tag we chose, or none
	// when the archive holds a single image.
	var tag *name.Tag
	if len(m) > 1 {
		t, err := name.NewTag(desc.RepoTags[0])
		if err != nil {
			return nil, fmt.Errorf("%s: manifest.json tag %q: %w", ref.Path, desc.RepoTags[0], err)
		}
		tag = &t
	}
	p := ref.Path
	img, err := tarball.Image(func() (io.ReadCloser, error) { return os.Open(p) }, tag)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref.Path, err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("%s: reading config %s: %w", ref.Path, desc.Config, err)
	}
	if n, want := len(cfg.RootFS.DiffIDs), len(desc.Layers); n != want {
		return nil, fmt.Errorf("%s: config lists %d layer diff IDs but manifest.json lists %d layers", ref.Path, n, want)
	}
	stored := make(map[v1.Hash]string, len(desc.Layers))
	for i, d := range cfg.RootFS.DiffIDs {
		stored[d] = desc.Layers[i]
	}
	return &archiveImage{Image: img, idx: idx, diffIDs: cfg.RootFS.DiffIDs, stored: stored}, nil
}

// pickArchivedImage chooses the image of manifest.json that ref.Tag names.
func pickArchivedImage(m tarball.Manifest, ref Reference) (int, error) {
	if len(m) == 0 {
		return 0, fmt.Errorf("%s: manifest.json lists no images", ref.Path)
	}
	if ref.Tag == "" {
		if len(m) == 1 {
			return 0, nil
		}
		return 0, fmt.Errorf("%s holds %d images; choose one with %s:%s:TAG (tags: %s)",
			ref.Path, len(m), DockerArchive, ref.Path, archiveTags(m))
	}
	found := -1
	for i, d := range m {
		for _, t := range d.RepoTags {
			if !tagMatches(t, ref.Tag) {
				continue
			}
			if found >= 0 && found != i {
				return 0, fmt.Errorf("%s: tag %q matches several images (tags: %s)", ref.Path, ref.Tag, archiveTags(m))
			}
			found = i
		}
	}
	if found < 0 {
		return 0, fmt.Errorf("%s: tag %q not found (tags: %s)", ref.Path, ref.Tag, archiveTags(m))
	}
	return found, nil
}

// tagMatches tells whether the stored reference have is what the user wrote
// as want: the same string, the same normalised name ("app:v1" is
// "docker.io/library/app:v1"), or just its tag ("v1").
func tagMatches(have, want string) bool {
	if have == want {
		return true
	}
	ht, err := name.NewTag(have)
	if err != nil {
		return false
	}
	if wt, err := name.NewTag(want); err == nil && wt.Name() == ht.Name() {
		return true
	}
	return !strings.ContainsAny(want, ":/@") && ht.TagStr() == want
}

func archiveTags(m tarball.Manifest) string {
	var tags []string
	for i, d := range m {
		if len(d.RepoTags) == 0 {
			tags = append(tags, fmt.Sprintf("image %d untagged", i+1))
		}
		tags = append(tags, d.RepoTags...)
	}
	return strings.Join(tags, ", ")
}

// archiveImage is a docker-archive image whose layers are StoredLayers.
type archiveImage struct {
	v1.Image
	idx     *tarIndex
	diffIDs []v1.Hash
	stored  map[v1.Hash]string // DiffID -> file in the archive
}

// Layers returns the layers in config order, each a StoredLayer.
func (a *archiveImage) Layers() ([]v1.Layer, error) {
	ls := make([]v1.Layer, 0, len(a.diffIDs))
	for _, d := range a.diffIDs {
		l, err := a.LayerByDiffID(d)
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
	}
	return ls, nil
}

// LayerByDiffID returns the layer with DiffID h as a StoredLayer. ggcr's own layer is made only when a
// method other than DiffID and Stored is called: ggcr parses the image config again for every layer it
// makes, and a reader of the archive needs neither (a 110-layer image with a long history spent a quarter
// of a second of CPU there).
func (a *archiveImage) LayerByDiffID(h v1.Hash) (v1.Layer, error) {
	file, ok := a.stored[h]
	if !ok {
		return nil, fmt.Errorf("%s: no layer with diff ID %s", a.idx.path, h)
	}
	return &archiveLayer{img: a.Image, diffID: h, idx: a.idx, file: file}, nil
}

// archiveLayer is a layer of a docker-archive: its stored bytes straight from the archive, the rest from
// ggcr's layer, made on first use.
type archiveLayer struct {
	img    v1.Image
	diffID v1.Hash
	idx    *tarIndex
	file   string

	once  sync.Once
	layer v1.Layer
	err   error
}

// ggcr returns ggcr's layer.
func (l *archiveLayer) ggcr() (v1.Layer, error) {
	l.once.Do(func() {
		l.layer, l.err = l.img.LayerByDiffID(l.diffID)
		if l.err != nil {
			l.err = fmt.Errorf("%s: layer %s: %w", l.idx.path, l.diffID, l.err)
		}
	})
	return l.layer, l.err
}

// DiffID returns the layer's DiffID, as the config lists it.
func (l *archiveLayer) DiffID() (v1.Hash, error) { return l.diffID, nil }

// Digest returns ggcr's digest of the layer (of its gzipped form when the archive stores it plain).
func (l *archiveLayer) Digest() (v1.Hash, error) {
	g, err := l.ggcr()
	if err != nil {
		return v1.Hash{}, err
	}
	return g.Digest()
}

// Compressed returns ggcr's compressed form of the layer.
func (l *archiveLayer) Compressed() (io.ReadCloser, error) {
	g, err := l.ggcr()
	if err != nil {
		return nil, err
	}
	return g.Compressed()
}

// Uncompressed returns the layer's tar.
func (l *archiveLayer) Uncompressed() (io.ReadCloser, error) {
	g, err := l.ggcr()
	if err != nil {
		return nil, err
	}
	return g.Uncompressed()
}

// Size returns ggcr's size of the compressed layer.
func (l *archiveLayer) Size() (int64, error) {
	g, err := l.ggcr()
	if err != nil {
		return 0, err
	}
	return g.Size()
}

// MediaType returns ggcr's media type of the layer.
func (l *archiveLayer) MediaType() (types.MediaType, error) {
	g, err := l.ggcr()
	if err != nil {
		return "", err
	}
	return g.MediaType()
}

// Stored returns the layer file exactly as the archive holds it.
func (l *archiveLayer) Stored() (io.ReadCloser, error) {
	return l.idx.open(l.file)
}
