package source

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// localImage is an image whose config is in hand and whose layers are uncompressed tars some function of the
// source rebuilds on demand (containers-storage reassembles them from tar-split and the layer's files).
// Layer digests are DiffIDs and the manifest is synthesised, as for any image stored uncompressed.
type localImage struct {
	config []byte
	cfg    *v1.ConfigFile
	layers []*localLayer
}

var _ v1.Image = (*localImage)(nil)

func newLocalImage(config []byte, layers []*localLayer) (*localImage, error) {
	cfg, err := v1.ParseConfigFile(bytes.NewReader(config))
	if err != nil {
		return nil, fmt.Errorf("decoding config: %w", err)
	}
	if len(cfg.RootFS.DiffIDs) != len(layers) {
		return nil, fmt.Errorf("config lists %d layers, the store %d", len(cfg.RootFS.DiffIDs), len(layers))
	}
	for i, l := range layers {
		if l.diffID != cfg.RootFS.DiffIDs[i] {
			return nil, fmt.Errorf("layer %d is %s in the config, %s in the store", i+1, cfg.RootFS.DiffIDs[i], l.diffID)
		}
	}
	return &localImage{config: config, cfg: cfg, layers: layers}, nil
}

// MediaType implements v1.Image.
func (i *localImage) MediaType() (types.MediaType, error) { return types.DockerManifestSchema2, nil }

// ConfigName implements v1.Image.
func (i *localImage) ConfigName() (v1.Hash, error) { return sha256Hash(i.config), nil }

// ConfigFile implements v1.Image.
func (i *localImage) ConfigFile() (*v1.ConfigFile, error) { return i.cfg.DeepCopy(), nil }

// RawConfigFile implements v1.Image.
func (i *localImage) RawConfigFile() ([]byte, error) { return bytes.Clone(i.config), nil }

// Manifest implements v1.Image: uncompressed layers, digests being DiffIDs.
func (i *localImage) Manifest() (*v1.Manifest, error) {
	m := &v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.DockerManifestSchema2,
		Config:        v1.Descriptor{MediaType: types.DockerConfigJSON, Size: int64(len(i.config)), Digest: sha256Hash(i.config)},
	}
	for _, l := range i.layers {
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: types.DockerUncompressedLayer, Size: l.size, Digest: l.diffID})
	}
	return m, nil
}

// RawManifest implements v1.Image.
func (i *localImage) RawManifest() ([]byte, error) {
	m, _ := i.Manifest()
	return json.Marshal(m)
}

// Digest implements v1.Image.
func (i *localImage) Digest() (v1.Hash, error) {
	raw, err := i.RawManifest()
	return sha256Hash(raw), err
}

// Size implements v1.Image.
func (i *localImage) Size() (int64, error) {
	raw, err := i.RawManifest()
	return int64(len(raw)), err
}

// Layers implements v1.Image; each layer is a StoredLayer.
func (i *localImage) Layers() ([]v1.Layer, error) {
	ls := make([]v1.Layer, len(i.layers))
	for k, l := range i.layers {
		ls[k] = l
	}
	return ls, nil
}

// LayerByDiffID implements v1.Image.
func (i *localImage) LayerByDiffID(h v1.Hash) (v1.Layer, error) {
	for _, l := range i.layers {
		if l.diffID == h {
			return l, nil
		}
	}
	return nil, fmt.Errorf("no layer with diff ID %s", h)
}

// LayerByDigest implements v1.Image.
func (i *localImage) LayerByDigest(h v1.Hash) (v1.Layer, error) { return i.LayerByDiffID(h) }

// localLayer is an uncompressed layer rebuilt by open.
type localLayer struct {
	diffID v1.Hash
	size   int64
	open   func() (io.ReadCloser, error)
}

// DiffID implements v1.Layer.
func (l *localLayer) DiffID() (v1.Hash, error) { return l.diffID, nil }

// Digest implements v1.Layer: the DiffID, the layer being uncompressed.
func (l *localLayer) Digest() (v1.Hash, error) { return l.diffID, nil }

// Size implements v1.Layer.
func (l *localLayer) Size() (int64, error) { return l.size, nil }

// MediaType implements v1.Layer.
func (l *localLayer) MediaType() (types.MediaType, error) { return types.DockerUncompressedLayer, nil }

// Compressed implements v1.Layer: the uncompressed tar, as the media type says.
func (l *localLayer) Compressed() (io.ReadCloser, error) { return l.open() }

// Uncompressed implements v1.Layer.
func (l *localLayer) Uncompressed() (io.ReadCloser, error) { return l.open() }

// Stored implements StoredLayer.
func (l *localLayer) Stored() (io.ReadCloser, error) { return l.open() }

func sha256Hash(b []byte) v1.Hash {
	sum := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}
