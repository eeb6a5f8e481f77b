package source

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// refNameAnnotation is where OCI layouts keep an image's tag. skopeo and
// buildah write the bare tag ("v1"); other tools write a full reference.
const refNameAnnotation = "org.opencontainers.image.ref.name"

// maxIndexDepth bounds descent into nested indexes.
const maxIndexDepth = 8

// pickImage chooses one image from the top index of a layout (index.json):
// the entries tagged tag, or the only entry when tag is empty, then the
// platform's image when an entry is a multi-platform index. where names the
// layout in errors.
func pickImage(idx v1.ImageIndex, tag string, platform v1.Platform, where string) (v1.Image, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("%s: reading index: %w", where, err)
	}
	cands := im.Manifests
	switch {
	case tag != "":
		cands = nil
		for _, d := range im.Manifests {
			if tagMatches(d.Annotations[refNameAnnotation], tag) {
				cands = append(cands, d)
			}
		}
		if len(cands) == 0 {
			return nil, fmt.Errorf("%s: tag %q not found (tags: %s)", where, tag, layoutTags(im))
		}
	case len(cands) == 0:
		return nil, fmt.Errorf("%s: the index lists no images", where)
	case len(cands) > 1 && layoutTags(im) != "none":
		return nil, fmt.Errorf("%s holds %d images; choose one with a tag (tags: %s)", where, len(cands), layoutTags(im))
	}
	// Several untagged entries, or several with the same tag, are the
	// platforms of one image.
	return pickPlatform(idx, cands, platform, where, 0)
}

// pickPlatform resolves descriptors of idx to one image: a single image
// descriptor is taken as it is; otherwise the one whose platform satisfies
// want, descending into nested indexes.
func pickPlatform(idx v1.ImageIndex, descs []v1.Descriptor, want v1.Platform, where string, depth int) (v1.Image, error) {
	if depth > maxIndexDepth {
		return nil, fmt.Errorf("%s: indexes nested more than %d deep", where, maxIndexDepth)
	}
	if len(descs) == 1 && descs[0].MediaType.IsImage() {
		return openChildImage(idx, descs[0], where)
	}
	var seen []string
	for _, d := range descs {
		switch {
		case d.MediaType.IsIndex():
			// A nested index without a platform of its own may hold ours.
			if d.Platform != nil && !d.Platform.Satisfies(want) {
				seen = append(seen, d.Platform.String())
				continue
			}
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return nil, fmt.Errorf("%s: reading index %s: %w", where, d.Digest, err)
			}
			cm, err := child.IndexManifest()
			if err != nil {
				return nil, fmt.Errorf("%s: reading index %s: %w", where, d.Digest, err)
			}
			img, err := pickPlatform(child, cm.Manifests, want, where, depth+1)
			if err == nil {
				return img, nil
			}
			var np *noPlatformError
			if !errors.As(err, &np) {
				return nil, err
			}
			seen = append(seen, np.available...)
		case d.MediaType.IsImage():
			if d.Platform == nil {
				seen = append(seen, "unknown")
				continue
			}
			if d.Platform.Satisfies(want) {
				return openChildImage(idx, d, where)
			}
			seen = append(seen, d.Platform.String())
		}
	}
	return nil, &noPlatformError{where: where, want: want, available: seen}
}

func openChildImage(idx v1.ImageIndex, d v1.Descriptor, where string) (v1.Image, error) {
	img, err := idx.Image(d.Digest)
	if err != nil {
		return nil, fmt.Errorf("%s: reading image %s: %w", where, d.Digest, err)
	}
	return img, nil
}

// noPlatformError says that no image of an index matches the wanted platform.
type noPlatformError struct {
	where     string
	want      v1.Platform
	available []string
}

func (e *noPlatformError) Error() string {
	avail := uniqueSorted(e.available)
	if len(avail) == 0 {
		avail = []string{"none"}
	}
	return fmt.Sprintf("%s: no image for platform %s (available: %s); choose one with --platform",
		e.where, e.want.String(), strings.Join(avail, ", "))
}

// layoutTags lists the tags of an index for error messages.
func layoutTags(im *v1.IndexManifest) string {
	var tags []string
	for _, d := range im.Manifests {
		if t := d.Annotations[refNameAnnotation]; t != "" {
			tags = append(tags, t)
		}
	}
	tags = uniqueSorted(tags)
	if len(tags) == 0 {
		return "none"
	}
	return strings.Join(tags, ", ")
}

func uniqueSorted(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
