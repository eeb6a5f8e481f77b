package source

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// saveMeta is what reading an image needs from its save stream besides the layers' bytes: the config exactly
// as stored, and which file of the stream holds each layer.
type saveMeta struct {
	// Config is the image's config, byte for byte.
	Config []byte `json:"config"`
	// Layers names the file of the stream that holds each layer, bottom first, links resolved.
	Layers []string `json:"layers"`
	// Sizes are the sizes of those files.
	Sizes []int64 `json:"sizes"`
}

// saveManifestEntry is one image of a save stream's manifest.json.
type saveManifestEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// meta finds the image whose ID is id in what a pass over its save stream kept. Docker up to 24 names an
// image by its config's digest; with the containerd store (Docker 25 and later) the ID is the digest of the
// image's manifest or index, which must then be a blob of the stream.
func (sc *saveContents) meta(id v1.Hash, platform v1.Platform) (*saveMeta, error) {
	var config string
	var layers []string
	switch {
	case sc.has("manifest.json"):
		raw, err := sc.file("manifest.json")
		if err != nil {
			return nil, err
		}
		var m []saveManifestEntry
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("decoding manifest.json of the saved image: %w", err)
		}
		e, err := pickSaveEntry(m, id)
		if err != nil {
			return nil, err
		}
		config, layers = e.Config, e.Layers
	case sc.has("index.json"):
		m, err := sc.ociManifest(platform)
		if err != nil {
			return nil, err
		}
		config = "blobs/" + m.Config.Digest.Algorithm + "/" + m.Config.Digest.Hex
		for _, l := range m.Layers {
			layers = append(layers, "blobs/"+l.Digest.Algorithm+"/"+l.Digest.Hex)
		}
	default:
		return nil, fmt.Errorf("the saved image has no manifest.json or index.json")
	}
	raw, err := sc.file(config)
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(raw); id.Hex != "" && hex.EncodeToString(sum[:]) != id.Hex && !sc.has("blobs/sha256/"+id.Hex) {
		return nil, fmt.Errorf("the saved image's config %s is not image %s", config, id)
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("decoding config %s of the saved image: %w", config, err)
	}
	if len(cfg.RootFS.DiffIDs) != len(layers) {
		return nil, fmt.Errorf("the saved image's config lists %d layers but its manifest %d", len(cfg.RootFS.DiffIDs), len(layers))
	}
	meta := &saveMeta{Config: raw}
	for _, l := range layers {
		name := sc.resolve(cleanTarPath(l))
		size, ok := sc.sizes[name]
		if !ok {
			return nil, fmt.Errorf("the saved image's manifest names layer %s, which is not in the stream", l)
		}
		meta.Layers = append(meta.Layers, name)
		meta.Sizes = append(meta.Sizes, size)
	}
	return meta, nil
}

func (sc *saveContents) has(name string) bool {
	name = sc.resolve(name)
	_, kept := sc.files[name]
	_, skipped := sc.skipped[name]
	return kept || skipped
}

// pickSaveEntry chooses the image with ID id from manifest.json; a stream of one image needs no choice.
func pickSaveEntry(m []saveManifestEntry, id v1.Hash) (saveManifestEntry, error) {
	if len(m) == 1 {
		return m[0], nil
	}
	for _, e := range m {
		c := strings.TrimSuffix(strings.TrimPrefix(cleanTarPath(e.Config), "blobs/sha256/"), ".json")
		if c == id.Hex {
			return e, nil
		}
	}
	return saveManifestEntry{}, fmt.Errorf("the saved image's manifest.json lists %d images, none of them %s", len(m), id)
}

// ociManifest finds the image manifest for platform through index.json and the nested indexes it names.
func (sc *saveContents) ociManifest(platform v1.Platform) (*v1.Manifest, error) {
	raw, err := sc.file("index.json")
	if err != nil {
		return nil, err
	}
	for depth := 0; depth <= maxIndexDepth; depth++ {
		idx, err := v1.ParseIndexManifest(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("decoding an index of the saved image: %w", err)
		}
		d, err := pickSaveDescriptor(idx.Manifests, platform)
		if err != nil {
			return nil, err
		}
		if raw, err = sc.file("blobs/" + d.Digest.Algorithm + "/" + d.Digest.Hex); err != nil {
			return nil, err
		}
		if d.MediaType.IsImage() {
			m, err := v1.ParseManifest(bytes.NewReader(raw))
			if err != nil {
				return nil, fmt.Errorf("decoding manifest %s of the saved image: %w", d.Digest, err)
			}
			return m, nil
		}
	}
	return nil, fmt.Errorf("the saved image's indexes are nested more than %d deep", maxIndexDepth)
}

// pickSaveDescriptor chooses the only manifest or index of a list, or the one for platform.
func pickSaveDescriptor(ds []v1.Descriptor, platform v1.Platform) (v1.Descriptor, error) {
	var cands []v1.Descriptor
	for _, d := range ds {
		if d.MediaType.IsImage() || d.MediaType.IsIndex() {
			cands = append(cands, d)
		}
	}
	if len(cands) == 1 {
		return cands[0], nil
	}
	var seen []string
	for _, d := range cands {
		if d.Platform != nil && d.Platform.Satisfies(platform) {
			return d, nil
		}
		if d.Platform != nil {
			seen = append(seen, d.Platform.String())
		}
	}
	if len(cands) == 0 {
		return v1.Descriptor{}, fmt.Errorf("the saved image's index lists no image")
	}
	return v1.Descriptor{}, &noPlatformError{where: "the saved image", want: platform, available: seen}
}
