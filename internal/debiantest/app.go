package debiantest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/layerlint/layerlint/internal/dockertest"
	"github.com/layerlint/layerlint/internal/fixturecache"
)

// App returns a docker-archive of the Dockerfile in ctxDir, built FROM Tag by a real Docker daemon's BuildKit
// (daemon: dockertest.Shared or dockertest.Start, called only when the image must be built). It is built
// once per machine into internal/fixturecache, as NAME-<key>.tar, the key hashing format (change it when how the image
// is built changes), the base archive, Debian's docker.io version and the context files named. Several
// packages can share one such image by passing the same arguments.
func App(t testing.TB, daemon func(testing.TB) *dockertest.Daemon, name, format, ctxDir string, files ...string) string {
	t.Helper()
	base := Archive(t)
	h := sha256.New()
	h.Write([]byte(format + "\n" + filepath.Base(base) + "\n" + packageVersion("docker.io") + "\n"))
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(ctxDir, f))
		if err != nil {
			t.Fatal(err)
		}
		h.Write(b)
	}
	file := name + "-" + hex.EncodeToString(h.Sum(nil)[:8]) + ".tar"
	return fixturecache.T(t, file, func(tmp string) error {
		d := daemon(t)
		d.Load(t, base)
		tag := "layerlint-" + name + ":test"
		d.Build(t, "", ctxDir, tag)
		d.Save(t, tag, tmp)
		return nil
	})
}
