// Package source parses image references written in skopeo's transport
// syntax and opens them as go-containerregistry images.
//
// Every command accepts the same references, parsed by ParseReference:
//
//	docker-archive:PATH[:TAG]   a `docker save` / `buildah push docker-archive:` tar
//	oci:DIR[:TAG]               an OCI image layout directory
//	oci-archive:PATH[:TAG]      an OCI image layout inside a tar
//	docker-daemon:NAME:TAG      an image in the local Docker daemon
//	docker://HOST/REPO:TAG      an image in a registry (also @digest)
//	containers-storage:[[driver@]root[+runroot]]NAME[:TAG]
//	                            an image in podman's or buildah's local store
//
// Without a transport, an existing file is an archive whose contents say
// which (a docker-archive or an OCI archive), an existing directory holding an
// oci-layout file is an OCI layout, and anything else is a registry reference
// such as localhost:5000/app:v1 or debian:bookworm.
//
// Open turns a Reference into a v1.Image, the only image type the rest of the
// code sees; nothing past this package knows where an image came from.
package source

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Transport names, spelled as skopeo spells them.
const (
	// DockerArchive is a tar written by `docker save` or `buildah push docker-archive:`.
	DockerArchive = "docker-archive"
	// OCI is an OCI image layout directory.
	OCI = "oci"
	// OCIArchive is an OCI image layout stored in a tar.
	OCIArchive = "oci-archive"
	// DockerDaemon is an image held by the local Docker daemon.
	DockerDaemon = "docker-daemon"
	// Registry is an image in a registry, written docker://HOST/REPO:TAG.
	Registry = "docker"
	// ContainersStorage is an image in a containers-storage store, podman's and buildah's.
	ContainersStorage = "containers-storage"
)

// unsupportedTransports are skopeo transports we recognise only to say
// clearly that they are not supported, instead of misreading them as a
// registry reference.
var unsupportedTransports = []string{"dir", "sif", "tarball", "ostree"}

// Reference names an image and the transport that reaches it.
type Reference struct {
	// Transport is one of DockerArchive, OCI, OCIArchive, DockerDaemon, Registry or ContainersStorage.
	Transport string
	// Path is the archive file or layout directory (archive and layout transports), or the store's root
	// (graphroot) for ContainersStorage, "" for the default store.
	Path string
	// Tag selects one image inside an archive or layout: a tag such as "v1"
	// or a name such as "app:v1". Empty means the only image there.
	Tag string
	// Name is the registry or daemon reference, as written (e.g. "localhost:5000/app:v1"), or the image's
	// name or ID in a containers-storage store.
	Name string
	// Driver and RunRoot are a containers-storage store's graph driver ("vfs", "overlay") and run root, ""
	// when not given.
	Driver, RunRoot string
	// detect marks a bare path to a file: Open tells a docker-archive from an OCI archive by its contents.
	detect bool
}

// ParseReference parses s in skopeo's transport syntax (see the package
// documentation). A string without a transport is looked up on the file
// system: an existing file or OCI layout directory wins over a registry name.
func ParseReference(s string) (Reference, error) {
	ref, err := parseReference(s)
	if err != nil {
		return Reference{}, RedactError(fmt.Errorf("parsing image reference %q: %w", s, err))
	}
	return ref, nil
}

func parseReference(s string) (Reference, error) {
	if s == "" {
		return Reference{}, errors.New("empty reference")
	}
	if strings.TrimSpace(s) != s {
		return Reference{}, errors.New("leading or trailing white space")
	}
	transport, rest, hasColon := strings.Cut(s, ":")
	if known := hasColon && (contains([]string{DockerArchive, OCI, OCIArchive, DockerDaemon, ContainersStorage}, transport)); !known && hasUserinfo(s) {
		return Reference{}, errUserinfo
	}
	if hasColon {
		switch transport {
		case DockerArchive, OCI, OCIArchive:
			return parsePathReference(transport, rest)
		case DockerDaemon:
			return parseDaemonReference(rest)
		case ContainersStorage:
			return parseStorageReference(rest)
		case Registry:
			name, ok := strings.CutPrefix(rest, "//")
			if !ok {
				return Reference{}, errors.New(`registry references are written docker://HOST/REPO:TAG`)
			}
			return parseRegistryReference(name)
		}
		for _, t := range unsupportedTransports {
			if transport == t {
				return Reference{}, fmt.Errorf("transport %q is not supported (use %s, %s, %s, %s, %s or %s)",
					t, DockerArchive, OCI, OCIArchive, DockerDaemon, ContainersStorage, Registry+"://")
			}
		}
	}
	return parseBareReference(s)
}

// parsePathReference parses PATH[:TAG]. Like skopeo, the path ends at the
// first colon, so a path can never contain one.
func parsePathReference(transport, rest string) (Reference, error) {
	path, tag, hasTag := strings.Cut(rest, ":")
	if path == "" {
		return Reference{}, fmt.Errorf("%s: missing path (want %s:PATH[:TAG])", transport, transport)
	}
	if hasTag && tag == "" {
		return Reference{}, fmt.Errorf("%s: empty tag after %q", transport, path+":")
	}
	if hasTag && strings.ContainsAny(tag, " \t\r\n\x00") {
		return Reference{}, fmt.Errorf("%s: tag %q contains white space", transport, tag)
	}
	if strings.ContainsRune(path, 0) {
		return Reference{}, fmt.Errorf("%s: path contains a NUL byte", transport)
	}
	return Reference{Transport: transport, Path: path, Tag: tag}, nil
}

// parseDaemonReference parses NAME:TAG or NAME@DIGEST; the daemon has no
// notion of a default tag, so one is required.
func parseDaemonReference(rest string) (Reference, error) {
	if rest == "" {
		return Reference{}, fmt.Errorf("%s: missing image name (want %s:NAME:TAG)", DockerDaemon, DockerDaemon)
	}
	if _, err := name.ParseReference(rest); err != nil {
		return Reference{}, fmt.Errorf("%s: %w", DockerDaemon, err)
	}
	last := rest[strings.LastIndex(rest, "/")+1:]
	if !strings.ContainsAny(last, ":@") {
		return Reference{}, fmt.Errorf("%s: %q has no tag or digest (want %s:NAME:TAG)", DockerDaemon, rest, DockerDaemon)
	}
	return Reference{Transport: DockerDaemon, Name: rest}, nil
}

func parseRegistryReference(s string) (Reference, error) {
	if s == "" {
		return Reference{}, errors.New("docker://: missing image name")
	}
	if strings.HasPrefix(s, "/") || strings.HasPrefix(s, ".") {
		return Reference{}, fmt.Errorf("docker://%s: a registry reference starts with a host or repository name, not a path", s)
	}
	if _, err := name.ParseReference(s); err != nil {
		return Reference{}, err
	}
	return Reference{Transport: Registry, Name: s}, nil
}

// parseBareReference handles a reference without a transport: an existing
// file or layout directory, else a registry name.
func parseBareReference(s string) (Reference, error) {
	if fi, err := os.Stat(s); err == nil {
		if strings.Contains(s, ":") {
			return Reference{}, fmt.Errorf("path %s contains ':', which image references cannot carry; rename it", s)
		}
		if !fi.IsDir() {
			return Reference{Transport: DockerArchive, Path: s, detect: true}, nil
		}
		if _, err := os.Stat(s + "/oci-layout"); err == nil {
			return Reference{Transport: OCI, Path: s}, nil
		}
		// A directory named like an image ("alpine") must not shadow the
		// registry; anything path-like is an error.
		if _, err := name.ParseReference(s); err != nil || strings.Contains(s, "/") || looksLikePath(s) {
			return Reference{}, fmt.Errorf("directory %s is not an OCI image layout (it has no oci-layout file)", s)
		}
		return Reference{Transport: Registry, Name: s}, nil
	}
	if looksLikePath(s) {
		return Reference{}, fmt.Errorf("no such file or directory %s", s)
	}
	if _, err := name.ParseReference(s); err != nil {
		return Reference{}, fmt.Errorf("not a file, OCI layout or registry reference: %w", err)
	}
	return Reference{Transport: Registry, Name: s}, nil
}

var errUserinfo = fmt.Errorf("credentials do not belong in an image reference: pass them with --creds USER:PASSWORD, %s or 'docker login'", EnvCredentials)

// hasUserinfo tells whether a registry reference carries user:password@ (or user@) before its host, as
// people paste them from URLs. A digest (app@sha256:...) is not user information.
func hasUserinfo(s string) bool {
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	} else if strings.HasPrefix(s, "/") || strings.HasPrefix(s, ".") {
		return false
	}
	host, _, _ := strings.Cut(s, "/")
	return strings.Contains(host, "@") && !digestAfterAt.MatchString(host[strings.Index(host, "@")+1:])
}

// looksLikePath tells whether a string that is not a valid registry name was
// most likely meant as a file, to say "no such file" instead of quoting the
// registry grammar.
func looksLikePath(s string) bool {
	return strings.HasPrefix(s, "/") || strings.HasPrefix(s, ".") ||
		strings.HasSuffix(s, ".tar") || strings.HasSuffix(s, ".tar.gz") || strings.Contains(s, "\\")
}

// String returns the reference in the transport syntax, with the transport
// spelled out except for a bare path to an archive, whose transport its
// contents decide; ParseReference(r.String()) returns r.
func (r Reference) String() string {
	if r.detect {
		return r.Path
	}
	switch r.Transport {
	case ContainersStorage:
		return storageString(r)
	case DockerArchive, OCI, OCIArchive:
		if r.Tag == "" {
			return r.Transport + ":" + r.Path
		}
		return r.Transport + ":" + r.Path + ":" + r.Tag
	case DockerDaemon:
		return DockerDaemon + ":" + r.Name
	case Registry:
		return Registry + "://" + r.Name
	}
	return fmt.Sprintf("%s:%s", r.Transport, r.Name)
}
