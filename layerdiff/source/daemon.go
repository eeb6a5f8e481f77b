package source

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	cerrdefs "github.com/containerd/errdefs"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/moby/moby/client"
)

// openDaemon opens an image held by the Docker daemon that DOCKER_HOST names (the default socket without it).
// Only `docker image inspect` is asked here: the image's true config (the one `docker save` writes, with its
// empty_layer facts; the daemon's history API has none) and its layers come later, in one pass over the
// save stream (see StreamLayers), or from the caches without asking the daemon at all.
func openDaemon(ctx context.Context, ref Reference, o options) (v1.Image, error) {
	var img *daemonImage
	err := withDockerClient(func(cli *client.Client) error {
		res, err := cli.ImageInspect(ctx, ref.Name)
		if err != nil {
			return daemonError(cli, ref.Name, err)
		}
		id, err := v1.NewHash(res.ID)
		if err != nil {
			return fmt.Errorf("the Docker daemon gave %s the image ID %q: %w", ref.Name, res.ID, err)
		}
		img = &daemonImage{ctx: ctx, name: ref.Name, id: id, platform: o.platform, cacheDir: o.cacheDir}
		for _, l := range res.RootFS.Layers {
			h, err := v1.NewHash(l)
			if err != nil {
				return fmt.Errorf("the Docker daemon gave %s the layer %q: %w", ref.Name, l, err)
			}
			img.diffIDs = append(img.diffIDs, h)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if m, ok := getDaemonMeta(o.cacheDir, img.id); ok {
		_ = img.setMeta(m) // an entry that does not fit is ignored: the stream is read instead
	}
	return img, nil
}

// withDockerClient runs fn with a client for the daemon the docker CLI would use: DOCKER_HOST's (with
// DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, DOCKER_API_VERSION), else the Docker context of DOCKER_CONTEXT or of
// `docker context use`, else the default socket. It closes the client afterwards so no connection outlives
// the call.
func withDockerClient(fn func(*client.Client) error) error {
	ep, err := resolveDockerContext()
	if err != nil {
		return fmt.Errorf("the Docker daemon: %w", err)
	}
	opts := []client.Opt{client.FromEnv}
	if ep != nil {
		opts = append(opts, ep.options()...)
	}
	cli, err := client.New(opts...)
	if err != nil {
		if ep != nil {
			return fmt.Errorf("the Docker daemon of context %q: %w", ep.context, err)
		}
		return fmt.Errorf("the Docker daemon: %w (check DOCKER_HOST)", err)
	}
	defer cli.Close()
	return fn(cli)
}

// daemonError says in one line what went wrong asking the daemon about name.
func daemonError(cli *client.Client, name string, err error) error {
	switch {
	case client.IsErrConnectionFailed(err):
		return fmt.Errorf("no Docker daemon answers at %s (start it, or point DOCKER_HOST at one)", cli.DaemonHost())
	case cerrdefs.IsNotFound(err):
		return fmt.Errorf("the Docker daemon at %s has no image %s", cli.DaemonHost(), name)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("asking the Docker daemon at %s for %s: %w", cli.DaemonHost(), name, err)
}

// daemonImage is an image in the Docker daemon. Its layers are known by DiffID from the start; its config and
// the place of each layer in the save stream once the stream has been read or found in the cache.
type daemonImage struct {
	ctx      context.Context // of Open: later saves (layer bytes read again) run under it
	name     string
	id       v1.Hash
	diffIDs  []v1.Hash
	platform v1.Platform
	cacheDir string

	mu   sync.Mutex
	meta *saveMeta
	cfg  *v1.ConfigFile
}

var _ v1.Image = (*daemonImage)(nil)

func (d *daemonImage) setMeta(m *saveMeta) error {
	cfg, err := v1.ParseConfigFile(bytes.NewReader(m.Config))
	if err != nil {
		return fmt.Errorf("decoding the config of %s: %w", d.name, err)
	}
	if len(cfg.RootFS.DiffIDs) != len(d.diffIDs) {
		return fmt.Errorf("%s changed while it was read: its config lists %d layers, the daemon %d", d.name, len(cfg.RootFS.DiffIDs), len(d.diffIDs))
	}
	for i, h := range cfg.RootFS.DiffIDs {
		if h != d.diffIDs[i] {
			return fmt.Errorf("%s changed while it was read: layer %d is %s in its config, %s in the daemon", d.name, i+1, h, d.diffIDs[i])
		}
	}
	d.mu.Lock()
	d.meta, d.cfg = m, cfg
	d.mu.Unlock()
	return nil
}

// save runs `docker save` of the image (by ID, so a tag moved meanwhile cannot change what is read) and passes
// the stream to read.
func (d *daemonImage) save(ctx context.Context, read func(io.Reader) error) error {
	return withDockerClient(func(cli *client.Client) error {
		rc, err := cli.ImageSave(ctx, []string{d.id.String()})
		if err != nil {
			return daemonError(cli, d.name, err)
		}
		defer rc.Close()
		return read(rc)
	})
}

// StreamDiffIDs implements layerdiff.LayerStream.
func (d *daemonImage) StreamDiffIDs() ([]v1.Hash, error) { return d.diffIDs, nil }

// StreamLayers implements layerdiff.LayerStream: one `docker save`, each layer passed to fn as it streams by,
// and the config and layer places kept (and cached) on the way.
func (d *daemonImage) StreamLayers(ctx context.Context, fn func(stored io.Reader) error) error {
	var layer func(string, io.Reader) error
	if fn != nil {
		layer = func(_ string, r io.Reader) error { return fn(r) }
	}
	var sc *saveContents
	err := d.save(ctx, func(r io.Reader) (err error) {
		sc, err = readSaveStream(ctx, r, layer)
		return err
	})
	if err != nil {
		return fmt.Errorf("reading `docker save` of %s: %w", d.name, err)
	}
	m, err := sc.meta(d.id, d.platform)
	if err != nil {
		return fmt.Errorf("reading `docker save` of %s: %w", d.name, err)
	}
	if err := d.setMeta(m); err != nil {
		return err
	}
	putDaemonMeta(d.cacheDir, d.id, m)
	return nil
}

// ensureMeta reads the save stream for its config alone when neither a stream pass nor the cache gave it.
func (d *daemonImage) ensureMeta() (*saveMeta, *v1.ConfigFile, error) {
	d.mu.Lock()
	m, cfg := d.meta, d.cfg
	d.mu.Unlock()
	if m != nil {
		return m, cfg, nil
	}
	if err := d.StreamLayers(d.ctx, nil); err != nil {
		return nil, nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.meta, d.cfg, nil
}

// MediaType implements v1.Image: the manifest Manifest synthesises.
func (d *daemonImage) MediaType() (types.MediaType, error) { return types.DockerManifestSchema2, nil }

// ConfigName implements v1.Image.
func (d *daemonImage) ConfigName() (v1.Hash, error) {
	m, _, err := d.ensureMeta()
	if err != nil {
		return v1.Hash{}, err
	}
	sum := sha256.Sum256(m.Config)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}, nil
}

// ConfigFile implements v1.Image: the config `docker save` writes.
func (d *daemonImage) ConfigFile() (*v1.ConfigFile, error) {
	_, cfg, err := d.ensureMeta()
	if err != nil {
		return nil, err
	}
	return cfg.DeepCopy(), nil
}

// RawConfigFile implements v1.Image.
func (d *daemonImage) RawConfigFile() ([]byte, error) {
	m, _, err := d.ensureMeta()
	if err != nil {
		return nil, err
	}
	return bytes.Clone(m.Config), nil
}

// Manifest implements v1.Image with a manifest of uncompressed layers, which is how the daemon stores them.
func (d *daemonImage) Manifest() (*v1.Manifest, error) {
	m, _, err := d.ensureMeta()
	if err != nil {
		return nil, err
	}
	name, err := d.ConfigName()
	if err != nil {
		return nil, err
	}
	man := &v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.DockerManifestSchema2,
		Config:        v1.Descriptor{MediaType: types.DockerConfigJSON, Size: int64(len(m.Config)), Digest: name},
	}
	for i, h := range d.diffIDs {
		man.Layers = append(man.Layers, v1.Descriptor{MediaType: types.DockerUncompressedLayer, Size: m.Sizes[i], Digest: h})
	}
	return man, nil
}

// RawManifest implements v1.Image.
func (d *daemonImage) RawManifest() ([]byte, error) {
	m, err := d.Manifest()
	if err != nil {
		return nil, err
	}
	return json.Marshal(m)
}

// Digest implements v1.Image: the digest of RawManifest.
func (d *daemonImage) Digest() (v1.Hash, error) {
	raw, err := d.RawManifest()
	if err != nil {
		return v1.Hash{}, err
	}
	sum := sha256.Sum256(raw)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}, nil
}

// Size implements v1.Image.
func (d *daemonImage) Size() (int64, error) {
	raw, err := d.RawManifest()
	return int64(len(raw)), err
}

// Layers implements v1.Image. Reading a layer's bytes runs `docker save` again and keeps only that layer;
// layerdiff reads them all in one pass through StreamLayers instead.
func (d *daemonImage) Layers() ([]v1.Layer, error) {
	ls := make([]v1.Layer, len(d.diffIDs))
	for i := range d.diffIDs {
		ls[i] = &daemonLayer{img: d, i: i}
	}
	return ls, nil
}

// LayerByDiffID implements v1.Image.
func (d *daemonImage) LayerByDiffID(h v1.Hash) (v1.Layer, error) {
	for i, x := range d.diffIDs {
		if x == h {
			return &daemonLayer{img: d, i: i}, nil
		}
	}
	return nil, fmt.Errorf("%s has no layer with diff ID %s", d.name, h)
}

// LayerByDigest implements v1.Image; a layer's digest is its DiffID (see Manifest).
func (d *daemonImage) LayerByDigest(h v1.Hash) (v1.Layer, error) { return d.LayerByDiffID(h) }

// daemonLayer is layer i of a daemon image.
type daemonLayer struct {
	img *daemonImage
	i   int
}

// DiffID implements v1.Layer.
func (l *daemonLayer) DiffID() (v1.Hash, error) { return l.img.diffIDs[l.i], nil }

// Digest implements v1.Layer: the DiffID, as the layer is uncompressed.
func (l *daemonLayer) Digest() (v1.Hash, error) { return l.img.diffIDs[l.i], nil }

// Size implements v1.Layer.
func (l *daemonLayer) Size() (int64, error) {
	m, _, err := l.img.ensureMeta()
	if err != nil {
		return 0, err
	}
	return m.Sizes[l.i], nil
}

// MediaType implements v1.Layer.
func (l *daemonLayer) MediaType() (types.MediaType, error) { return types.DockerUncompressedLayer, nil }

// Compressed implements v1.Layer: the bytes as the save stream holds them.
func (l *daemonLayer) Compressed() (io.ReadCloser, error) { return l.Stored() }

// Uncompressed implements v1.Layer.
func (l *daemonLayer) Uncompressed() (io.ReadCloser, error) {
	rc, err := l.Stored()
	if err != nil {
		return nil, err
	}
	return decompressStored(rc)
}

// Stored returns the layer's bytes from a new `docker save`, skipping everything else in the stream.
func (l *daemonLayer) Stored() (io.ReadCloser, error) {
	m, _, err := l.img.ensureMeta()
	if err != nil {
		return nil, err
	}
	want := m.Layers[l.i]
	pr, pw := io.Pipe()
	go func() {
		found := false
		err := l.img.save(l.img.ctx, func(r io.Reader) error {
			tr := tar.NewReader(r)
			for {
				hdr, err := tr.Next()
				if err != nil {
					return err
				}
				if hdr.Typeflag == tar.TypeReg && cleanTarPath(hdr.Name) == want {
					found = true
					_, err := io.Copy(pw, tr)
					return err
				}
			}
		})
		if errors.Is(err, io.EOF) && !found {
			err = fmt.Errorf("`docker save` of %s holds no %s any more", l.img.name, want)
		}
		pw.CloseWithError(err)
	}()
	return pr, nil
}
