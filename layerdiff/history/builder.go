package history

import (
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Builder names the program that built an image, as its history tells: each writes created_by in its own
// dialect and marks its entries its own way.
type Builder string

// The builders whose histories are understood.
const (
	// BuilderUnknown is a history no known builder wrote (or an empty one).
	BuilderUnknown Builder = "unknown"
	// BuilderBuildKit is BuildKit (docker build with BuildKit, docker buildx, buildctl): created_by in
	// DialectBuildKit, comment "buildkit.dockerfile.v0". It writes no entry for ONBUILD and none for FROM.
	BuilderBuildKit Builder = "buildkit"
	// BuilderBuildah is buildah (and podman build): DialectLegacy text, and with --layers each entry's comment
	// is "FROM <parent>", the stage's first one naming its base image as the Dockerfile wrote it.
	BuilderBuildah Builder = "buildah"
	// BuilderDocker is the legacy Docker builder (DOCKER_BUILDKIT=0): DialectLegacy text, no comments.
	BuilderDocker Builder = "docker"
	// BuilderKaniko is kaniko: created_by is the instruction as written, author "kaniko". Depending on its
	// version it writes no entry for instructions that make no layer (ENV, LABEL, CMD, ...).
	BuilderKaniko Builder = "kaniko"
)

// buildkitComment is the comment BuildKit's Dockerfile frontend gives each entry it writes.
const buildkitComment = "buildkit.dockerfile.v0"

// DetectBuilder returns the builder that wrote the newest entries of hist: the image's own build, not its base
// image's. The newest entry that says which decides.
func DetectBuilder(hist []v1.History) Builder {
	for i := len(hist) - 1; i >= 0; i-- {
		if b := entryBuilder(hist[i]); b != BuilderUnknown {
			return b
		}
	}
	return BuilderUnknown
}

// entryBuilder returns the builder one entry names by its author, comment or dialect, BuilderUnknown when it
// says nothing certain (BuildKit's and kaniko's config steps read alike).
func entryBuilder(h v1.History) Builder {
	switch {
	case strings.EqualFold(h.Author, "kaniko"):
		return BuilderKaniko
	case h.Comment == buildkitComment:
		return BuilderBuildKit
	case strings.HasPrefix(h.Comment, "FROM "):
		return BuilderBuildah
	}
	cb := ParseCreatedBy(h.CreatedBy)
	switch cb.Dialect {
	case DialectKaniko:
		return BuilderKaniko
	case DialectBuildKit:
		if strings.HasSuffix(strings.TrimSpace(h.CreatedBy), buildkitMarker) {
			return BuilderBuildKit
		}
	case DialectLegacy:
		if strings.Contains(h.CreatedBy, nopMarker) {
			return BuilderDocker
		}
	}
	return BuilderUnknown
}

// parseEntry parses an entry's created_by, reading it as kaniko's when its author says so.
func parseEntry(h v1.History) CreatedBy {
	cb := ParseCreatedBy(h.CreatedBy)
	if strings.EqualFold(h.Author, "kaniko") && cb.Command != "" {
		cb.Dialect = DialectKaniko
	}
	return cb
}
