package source

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// storageID matches an image ID of a containers-storage store, or a prefix of one long enough to be
// meant as one (podman prints 12 characters).
var storageID = regexp.MustCompile(`^[0-9a-f]{6,64}$`)

// parseStorageReference parses what follows "containers-storage:", in skopeo's syntax:
//
//	[[driver@]root[+runroot]]NAME[:TAG]      NAME[@sha256:DIGEST]      ID      NAME@ID
//
// The bracketed store specifier is optional (the default store); NAME is matched against the names the
// store keeps, as podman does ("app:v1" finds "localhost/app:v1").
func parseStorageReference(rest string) (Reference, error) {
	ref := Reference{Transport: ContainersStorage}
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return Reference{}, fmt.Errorf("%s: missing ] after the store %q", ContainersStorage, rest)
		}
		whole := rest[1:end]
		spec := whole
		rest = rest[end+1:]
		if driver, root, ok := strings.Cut(spec, "@"); ok {
			ref.Driver, spec = driver, root
			if driver == "" || strings.ContainsAny(driver, "/+:") {
				return Reference{}, fmt.Errorf("%s: bad driver %q in %q", ContainersStorage, driver, "["+whole+"]")
			}
		}
		if strings.Contains(spec, ":") {
			return Reference{}, fmt.Errorf("%s: driver options in %q are not supported; leave them out", ContainersStorage, "["+spec+"]")
		}
		root, runroot, _ := strings.Cut(spec, "+")
		if root == "" || !filepath.IsAbs(root) {
			return Reference{}, fmt.Errorf("%s: the store's root %q must be an absolute path", ContainersStorage, root)
		}
		if runroot != "" && !filepath.IsAbs(runroot) {
			return Reference{}, fmt.Errorf("%s: the store's run root %q must be an absolute path", ContainersStorage, runroot)
		}
		ref.Path, ref.RunRoot = filepath.Clean(root), runroot
		if runroot != "" {
			ref.RunRoot = filepath.Clean(runroot)
		}
	}
	if rest == "" {
		return Reference{}, fmt.Errorf("%s: missing image name (want %s:NAME[:TAG])", ContainersStorage, ContainersStorage)
	}
	if strings.ContainsAny(rest, " \t\r\n\x00") {
		return Reference{}, fmt.Errorf("%s: image name %q contains white space", ContainersStorage, rest)
	}
	if err := checkStorageName(rest); err != nil {
		return Reference{}, fmt.Errorf("%s: %w", ContainersStorage, err)
	}
	ref.Name = rest
	return ref, nil
}

// checkStorageName accepts an image ID (or a prefix of one), NAME@ID, or a docker reference.
func checkStorageName(s string) error {
	if storageID.MatchString(s) {
		return nil
	}
	if n, id, ok := strings.Cut(s, "@"); ok && storageID.MatchString(id) && len(id) == 64 {
		s = n
	}
	if _, err := name.ParseReference(s); err != nil {
		return fmt.Errorf("%q is not an image name or ID", s)
	}
	return nil
}

// storageString writes r back in the syntax parseStorageReference reads.
func storageString(r Reference) string {
	if r.Path == "" {
		return ContainersStorage + ":" + r.Name
	}
	spec := r.Path
	if r.Driver != "" {
		spec = r.Driver + "@" + spec
	}
	if r.RunRoot != "" {
		spec += "+" + r.RunRoot
	}
	return ContainersStorage + ":[" + spec + "]" + r.Name
}
