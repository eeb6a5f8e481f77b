package source

import (
	"bytes"
	"context"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// openOCIArchive opens an OCI image layout stored in a tar. The tar is
// indexed once and every blob is then served as a section of the archive
// file; nothing is extracted.
func openOCIArchive(ctx context.Context, ref Reference, o options) (v1.Image, error) {
	idx, err := indexTar(ctx, ref.Path)
	if err != nil {
		return nil, err
	}
	return ociArchiveImage(idx, ref, o)
}

// ociArchiveImage opens the OCI archive idx indexes.
func ociArchiveImage(idx *tarIndex, ref Reference, o options) (v1.Image, error) {
	if !idx.has("oci-layout") || !idx.has("index.json") {
		if idx.has("manifest.json") {
			return nil, fmt.Errorf("%s has no oci-layout or index.json; it is a docker-archive, open it as %s:%s",
				ref.Path, DockerArchive, ref.Path)
		}
		return nil, fmt.Errorf("%s is not an OCI archive: it has no oci-layout or index.json", ref.Path)
	}
	raw, err := idx.readAll("index.json")
	if err != nil {
		return nil, err
	}
	top := &archiveIndex{tar: idx, raw: raw, mediaType: types.OCIImageIndex}
	if _, err := top.IndexManifest(); err != nil {
		return nil, fmt.Errorf("%s: decoding index.json: %w", ref.Path, err)
	}
	img, err := pickImage(top, ref.Tag, o.platform, ref.Path)
	if err != nil {
		return nil, err
	}
	has := func(h v1.Hash) bool { return idx.has(blobPath(h)) }
	if err := checkBlobs(img, has, ref.Path); err != nil {
		return nil, err
	}
	return img, nil
}

func blobPath(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }

// archiveIndex is an image index whose blobs are files of an indexed tar.
type archiveIndex struct {
	tar       *tarIndex
	raw       []byte
	mediaType types.MediaType
}

var _ v1.ImageIndex = (*archiveIndex)(nil)

// MediaType implements v1.ImageIndex.
func (a *archiveIndex) MediaType() (types.MediaType, error) { return a.mediaType, nil }

// Digest implements v1.ImageIndex.
func (a *archiveIndex) Digest() (v1.Hash, error) { return partial.Digest(a) }

// Size implements v1.ImageIndex.
func (a *archiveIndex) Size() (int64, error) { return partial.Size(a) }

// RawManifest implements v1.ImageIndex.
func (a *archiveIndex) RawManifest() ([]byte, error) { return a.raw, nil }

// IndexManifest implements v1.ImageIndex.
func (a *archiveIndex) IndexManifest() (*v1.IndexManifest, error) {
	return v1.ParseIndexManifest(bytes.NewReader(a.raw))
}

// Image implements v1.ImageIndex.
func (a *archiveIndex) Image(h v1.Hash) (v1.Image, error) {
	d, err := a.child(h)
	if err != nil {
		return nil, err
	}
	if !d.MediaType.IsImage() {
		return nil, fmt.Errorf("%s: %s is a %s, not an image manifest", a.tar.path, h, d.MediaType)
	}
	raw, err := a.tar.readAll(blobPath(h))
	if err != nil {
		return nil, err
	}
	return partial.CompressedToImage(&archiveOCIImage{tar: a.tar, raw: raw, mediaType: d.MediaType})
}

// ImageIndex implements v1.ImageIndex.
func (a *archiveIndex) ImageIndex(h v1.Hash) (v1.ImageIndex, error) {
	d, err := a.child(h)
	if err != nil {
		return nil, err
	}
	if !d.MediaType.IsIndex() {
		return nil, fmt.Errorf("%s: %s is a %s, not an index", a.tar.path, h, d.MediaType)
	}
	raw, err := a.tar.readAll(blobPath(h))
	if err != nil {
		return nil, err
	}
	return &archiveIndex{tar: a.tar, raw: raw, mediaType: d.MediaType}, nil
}

func (a *archiveIndex) child(h v1.Hash) (v1.Descriptor, error) {
	im, err := a.IndexManifest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	for _, d := range im.Manifests {
		if d.Digest == h {
			return d, nil
		}
	}
	return v1.Descriptor{}, fmt.Errorf("%s: index has no entry %s", a.tar.path, h)
}

// archiveOCIImage is the core of an image stored in an OCI archive; ggcr's
// partial package derives the rest of v1.Image from it.
type archiveOCIImage struct {
	tar       *tarIndex
	raw       []byte
	mediaType types.MediaType
}

var _ partial.CompressedImageCore = (*archiveOCIImage)(nil)

// MediaType implements partial.CompressedImageCore.
func (i *archiveOCIImage) MediaType() (types.MediaType, error) { return i.mediaType, nil }

// RawManifest implements partial.CompressedImageCore.
func (i *archiveOCIImage) RawManifest() ([]byte, error) { return i.raw, nil }

// RawConfigFile implements partial.CompressedImageCore.
func (i *archiveOCIImage) RawConfigFile() ([]byte, error) {
	m, err := partial.Manifest(i)
	if err != nil {
		return nil, err
	}
	return i.tar.readAll(blobPath(m.Config.Digest))
}

// LayerByDigest implements partial.CompressedImageCore.
func (i *archiveOCIImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	m, err := partial.Manifest(i)
	if err != nil {
		return nil, err
	}
	if h == m.Config.Digest {
		return &archiveBlob{tar: i.tar, desc: m.Config}, nil
	}
	for _, d := range m.Layers {
		if d.Digest == h {
			return &archiveBlob{tar: i.tar, desc: d}, nil
		}
	}
	return nil, fmt.Errorf("%s: image has no layer %s", i.tar.path, h)
}

// archiveBlob is one blob of an OCI archive, described by its manifest entry.
type archiveBlob struct {
	tar  *tarIndex
	desc v1.Descriptor
}

// Digest implements partial.CompressedLayer.
func (b *archiveBlob) Digest() (v1.Hash, error) { return b.desc.Digest, nil }

// Size implements partial.CompressedLayer.
func (b *archiveBlob) Size() (int64, error) { return b.desc.Size, nil }

// MediaType implements partial.CompressedLayer.
func (b *archiveBlob) MediaType() (types.MediaType, error) { return b.desc.MediaType, nil }

// Compressed implements partial.CompressedLayer: the blob as stored.
func (b *archiveBlob) Compressed() (io.ReadCloser, error) { return b.tar.open(blobPath(b.desc.Digest)) }

// Descriptor lets ggcr report the manifest's descriptor (annotations, URLs) unchanged.
func (b *archiveBlob) Descriptor() (*v1.Descriptor, error) { return &b.desc, nil }
