package source

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// openRegistry opens an image in a registry. ggcr speaks plain http to
// localhost:PORT, 127.0.0.1, ::1, *.localhost and RFC 1918 addresses and
// https to everything else (name.Registry.Scheme), which is what a local
// test registry needs without any flag. Every request goes through a
// boundedTransport; authentication failures become an *AuthError.
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
	auth := &authSource{explicit: o.creds}
	tr := newBoundedTransport(o.timeout)
	img, err := fetchRegistryImage(ctx, r, o, auth, tr)
	if err != nil {
		return nil, registryError(r, err, auth, o)
	}
	return img, nil
}

func fetchRegistryImage(ctx context.Context, r name.Reference, o options, auth *authSource, tr *boundedTransport) (v1.Image, error) {
	desc, err := remote.Get(r,
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(auth),
		remote.WithTransport(tr),
		remote.WithPlatform(o.platform))
	if err != nil {
		return nil, fmt.Errorf("fetching manifest of %s: %w", r, err)
	}
	var img v1.Image
	if !desc.MediaType.IsIndex() {
		if img, err = desc.Image(); err != nil {
			return nil, fmt.Errorf("%s: %w", r, err)
		}
	} else {
		// Choose the platform ourselves so a miss lists what the index offers.
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r, err)
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return nil, fmt.Errorf("%s: reading index: %w", r, err)
		}
		if img, err = pickPlatform(idx, im.Manifests, o.platform, r.String(), 0); err != nil {
			return nil, err
		}
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("%s: reading manifest: %w", r, err)
	}
	if m.Config.Size > maxConfigBytes {
		return nil, &RegistryError{Registry: r.Context().RegistryStr(),
			Problem: fmt.Sprintf("declares a config of %d bytes for %s, more than the %d MiB allowed", m.Config.Size, r, maxConfigBytes>>20)}
	}
	tr.declare(m)
	return img, nil
}

// AuthError says that a registry refused an image for want of credentials, or refused the credentials sent.
type AuthError struct {
	// Registry is the registry's host.
	Registry string
	// Status is the HTTP status: 401 (authentication) or 403 (access denied).
	Status int
	// From says where the credentials sent came from; "" when none were found.
	From string
	// Looked lists where credentials were looked for when none were found.
	Looked string
	// Hint says how to pass credentials to this program.
	Hint string
}

// Error implements error.
func (e *AuthError) Error() string {
	switch {
	case e.Status == http.StatusForbidden && e.From != "":
		return fmt.Sprintf("registry %s denied access with the credentials from %s; check that they may pull this repository", e.Registry, e.From)
	case e.Status == http.StatusForbidden:
		return fmt.Sprintf("registry %s denied access: authentication required (no credentials in %s); run 'docker login %s' or %s", e.Registry, e.Looked, e.Registry, e.Hint)
	case e.From != "":
		return fmt.Sprintf("registry %s rejected the credentials from %s; check them, or run 'docker login %s' and drop them", e.Registry, e.From, e.Registry)
	}
	return fmt.Sprintf("registry %s: authentication required, and no credentials for it were found (looked in %s); run 'docker login %s' or %s", e.Registry, e.Looked, e.Registry, e.Hint)
}

// registryError turns what went wrong fetching r into one line: an *AuthError, a *RegistryError, or the
// error with its cause.
func registryError(r name.Reference, err error, auth *authSource, o options) error {
	host := r.Context().RegistryStr()
	var re *RegistryError
	if errors.As(err, &re) {
		return re
	}
	var te *transport.Error
	if errors.As(err, &te) && (te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden) {
		hint := o.credsHint
		if hint == "" {
			hint = "set " + EnvCredentials + "=USER:PASSWORD"
		}
		ae := &AuthError{Registry: host, Status: te.StatusCode, From: auth.usedFrom(), Hint: hint}
		if ae.From == "" {
			ae.Looked = o.credsLooked
			if ae.Looked != "" {
				ae.Looked += ", "
			}
			ae.Looked += dockerConfigDescription(host)
		}
		return ae
	}
	return err
}

// EnvCredentials is the environment variable with USER:PASSWORD (or USER:TOKEN) for registries, for CI
// systems that hand credentials to jobs that way; every command and the language server read it, and none
// ever prints it.
const EnvCredentials = "LAYERLINT_REGISTRY_CREDS"
