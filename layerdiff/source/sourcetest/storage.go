package sourcetest

import (
	"path/filepath"
	"testing"

	"github.com/layerlint/layerlint/internal/buildahtest"
)

// StorageApp is an image BuildStorageApp built in a containers-storage store of buildah's.
type StorageApp struct {
	// Builder is the buildah with the store.
	Builder *buildahtest.Builder
	// Tag is the image's name in the store (localhost/layerlint-test/app:v2).
	Tag string
	// Ref is a containers-storage reference with the store spelled out:
	// containers-storage:[driver@root+runroot]localhost/layerlint-test/app:v2.
	Ref string
	// Archive is the same image pushed by buildah to a docker-archive.
	Archive string
}

// BuildStorageApp builds testdata/images/<app> (app-v1 or app-v2) with buildah (--layers) FROM base.tar into
// a private store that uses driver ("vfs" or "overlay"), and pushes it to a docker-archive.
func BuildStorageApp(t testing.TB, driver, app string) StorageApp {
	t.Helper()
	b := NewStorage(t, driver)
	dir := t.TempDir()
	c := filepath.Join(dir, app)
	buildahtest.CopyTree(t, filepath.Join(ImagesDir(), app), c)
	tag := "localhost/layerlint-test/app:" + app[len("app-"):]
	b.Build(filepath.Join(c, "Dockerfile"), c, tag)
	root, runroot, _ := b.Store()
	archive := filepath.Join(dir, app+".tar")
	b.Archive(tag, archive, tag)
	return StorageApp{Builder: b, Tag: tag, Ref: "containers-storage:[" + driver + "@" + root + "+" + runroot + "]" + tag, Archive: archive}
}

// NewStorage returns a buildah with a private store that uses driver and holds base.tar as
// localhost/layerlint/base:latest.
func NewStorage(t testing.TB, driver string) *buildahtest.Builder {
	t.Helper()
	b := buildahtest.NewWithDriver(t, driver)
	b.LoadArchive(filepath.Join(ImagesDir(), "base.tar"), "localhost/layerlint/base:latest")
	return b
}
