package source

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// openRegistry opens an image in a registry. ggcr speaks plain http to
// localhost:PORT, 127.0.0.1, ::1, *.localhost and RFC 1918 addresses and
// https to everything else (name.Registry.Scheme), which is what a local
// test registry needs without any flag.
func openRegistry(ctx context.Context, ref Reference, o options) (v1.Image, error) {
	r, err := name.ParseReference(ref.Name)
	if err != nil {
		return nil, err
	}
	if r.Context().RegistryStr() == "localhost" {
		// Scheme only treats "localhost:PORT" as local; plain "localhost"
		// (port 80) is just as local.
		if r, err = name.ParseReference(ref.Name, name.Insecure); err != nil {
			return nil, err
		}
	}
	desc, err := remote.Get(r,
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(o.keychain),
		remote.WithPlatform(o.platform))
	if err != nil {
		return nil, fmt.Errorf("fetching manifest of %s: %w", r, err)
	}
	if !desc.MediaType.IsIndex() {
		img, err := desc.Image()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r, err)
		}
		return img, nil
	}
	// Choose the platform ourselves so a miss lists what the index offers.
	idx, err := desc.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("%s: reading index: %w", r, err)
	}
	return pickPlatform(idx, im.Manifests, o.platform, r.String(), 0)
}
