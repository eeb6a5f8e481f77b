package source

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Option changes how Open reaches an image.
type Option func(*options)

type options struct {
	platform    v1.Platform
	cacheDir    string
	creds       Credentials
	credsHint   string
	credsLooked string
	timeout     time.Duration
}

// WithPlatform chooses the image of a multi-platform index. The default is
// linux on the architecture this program runs on. Fields left empty match
// anything, so v1.Platform{OS: "linux", Architecture: "arm"} accepts any
// arm variant. v1.ParsePlatform reads the usual "linux/arm64/v8" spelling.
func WithPlatform(p v1.Platform) Option {
	return func(o *options) { o.platform = p }
}

// WithCredentialsLooked names, for the error that says no credentials were found, where the caller looked
// before Open fell back to the Docker config ("--creds, LAYERLINT_REGISTRY_CREDS").
func WithCredentialsLooked(where string) Option {
	return func(o *options) { o.credsLooked = where }
}

// WithCacheDir names the listing-cache directory (layerdiff.DefaultCacheDir), under which sources keep what
// lets them open an image again without reading it: a daemon image's config and the layout of its save
// stream, keyed by image ID. The default is no cache.
func WithCacheDir(dir string) Option {
	return func(o *options) { o.cacheDir = dir }
}

func makeOptions(opts []Option) options {
	o := options{
		platform: v1.Platform{OS: "linux", Architecture: runtime.GOARCH},
		timeout:  DefaultRegistryTimeout,
	}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Open reaches the image ref names. The image's config has been read when Open
// returns, so a missing or broken image fails here, not in the middle of an
// analysis; a Docker daemon image, whose config comes with its layers in one
// `docker save` stream, has only been inspected (it implements
// layerdiff.LayerStream, and layerdiff reads both in one pass). Layers are
// identified by DiffID; layers from archives, the daemon and containers-storage
// also have a Stored method (see StoredLayer).
func Open(ctx context.Context, ref Reference, opts ...Option) (v1.Image, error) {
	o := makeOptions(opts)
	var (
		img v1.Image
		err error
	)
	switch ref.Transport {
	case DockerArchive:
		if ref.detect {
			img, err = openArchive(ctx, ref, o)
		} else {
			img, err = openDockerArchive(ctx, ref)
		}
	case ContainersStorage:
		img, err = openStorage(ref)
	case OCI:
		img, err = openLayout(ref, o)
	case OCIArchive:
		img, err = openOCIArchive(ctx, ref, o)
	case Registry:
		img, err = openRegistry(ctx, ref, o)
	case DockerDaemon:
		img, err = openDaemon(ctx, ref, o)
	default:
		err = fmt.Errorf("unknown transport %q", ref.Transport)
	}
	if _, streamed := img.(layerStream); err == nil && !streamed {
		// Reading the config is cheap for every source and never touches
		// layer digests, which uncompressed archives would compute by gzipping.
		// A streamed image's config may arrive only with its layers.
		_, err = img.ConfigFile()
		if err != nil {
			err = fmt.Errorf("reading image config: %w", err)
		}
	}
	if err != nil {
		return nil, RedactError(fmt.Errorf("opening image %s: %w", ref, err), o.creds.Secrets()...)
	}
	return img, nil
}

// layerStream is layerdiff.LayerStream, which this package implements without importing layerdiff: images
// whose layers (and perhaps config) arrive together in one stream, such as the Docker daemon's.
type layerStream interface {
	StreamDiffIDs() ([]v1.Hash, error)
	StreamLayers(ctx context.Context, fn func(stored io.Reader) error) error
}

// OpenString parses s with ParseReference and opens it.
func OpenString(ctx context.Context, s string, opts ...Option) (v1.Image, error) {
	ref, err := ParseReference(s)
	if err != nil {
		return nil, err
	}
	return Open(ctx, ref, opts...)
}
