package history

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/layerlint/layerlint/internal/buildahtest"
	"github.com/layerlint/layerlint/internal/dockertest"
	"github.com/layerlint/layerlint/layerdiff"
)

func TestMain(m *testing.M) { os.Exit(dockertest.Main(m)) }

// builder builds a Dockerfile in a context directory with a real builder and returns a docker-archive of the
// result.
type builder struct {
	name  string
	build func(t *testing.T, dockerfile, contextDir, tag string) string
}

var loadBaseOnce sync.Map // daemon host → loaded

// realBuilders returns buildah (a private store, with the base image pulled in) and the Docker daemon's
// BuildKit (the package's shared daemon, with the base image loaded), both building FROM
// localhost/layerlint/base:latest. Images built by the daemon are read through `docker save` archives.
func realBuilders(t *testing.T) []builder {
	t.Helper()
	base := filepath.Join(testdata, "images", "base.tar")
	var bah *buildahtest.Builder
	return []builder{{
		name: "buildah",
		build: func(t *testing.T, dockerfile, contextDir, tag string) string {
			if bah == nil {
				bah = buildahtest.New(t)
				bah.LoadArchive(base, "localhost/layerlint/base:latest")
			}
			bah.Build(dockerfile, contextDir, "localhost/"+tag, "--timestamp", "1700000000")
			out := filepath.Join(t.TempDir(), "buildah.tar")
			bah.Archive("localhost/"+tag, out, tag)
			return out
		},
	}, {
		name: "buildkit",
		build: func(t *testing.T, dockerfile, contextDir, tag string) string {
			d := dockertest.Shared(t)
			if _, done := loadBaseOnce.LoadOrStore(d.Host(), true); !done {
				d.Load(t, base)
			}
			d.Build(t, dockerfile, contextDir, tag)
			out := filepath.Join(t.TempDir(), "buildkit.tar")
			d.Save(t, tag, out)
			return out
		},
	}}
}

// buildImage builds testdata/history/<dir>/<dockerfile> with b and reads the image.
func buildImage(t *testing.T, b builder, dir, dockerfile, tag string) *layerdiff.Image {
	t.Helper()
	ctxDir := filepath.Join(testdata, "history", dir)
	return readImage(t, b.build(t, filepath.Join(ctxDir, dockerfile), ctxDir, tag))
}

// lineOf returns the 1-based number of the first line of text that starts with prefix.
func lineOf(t *testing.T, text, prefix string) int {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			return i + 1
		}
	}
	t.Fatalf("no line starts with %q in\n%s", prefix, text)
	return 0
}
