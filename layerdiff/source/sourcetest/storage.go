package sourcetest

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/internal/buildahtest"
	"github.com/layerlint/layerlint/internal/fixturecache"
)

// StorageApp is an image BuildStorageApp built in a containers-storage store of buildah's.
type StorageApp struct {
	// Root, RunRoot and Driver are the store's.
	Root, RunRoot, Driver string
	// Tag is the image's name in the store (localhost/layerlint-test/app:v2); ID its image ID.
	Tag, ID string
	// Ref is a containers-storage reference with the store spelled out:
	// containers-storage:[driver@root+runroot]localhost/layerlint-test/app:v2.
	Ref string
	// Archive is the same image pushed by buildah to a docker-archive.
	Archive string
}

// BuildStorageApp builds testdata/images/<app> (app-v1 or app-v2) with buildah (--layers) FROM base.tar into
// a store that uses driver ("vfs" or "overlay"), and pushes it to a docker-archive. It is built once per
// machine: the store and the archive are kept in internal/fixturecache, keyed by the
// inputs and buildah's version, and must not be changed by tests.
func BuildStorageApp(t testing.TB, driver, app string) StorageApp {
	t.Helper()
	buildahtest.Require(t)
	tag := "localhost/layerlint-test/app:" + app[len("app-"):]
	dir := fixturecache.T(t, fmt.Sprintf("storage-%s-%s-%s", driver, app, storageKey(t, app)), func(tmp string) error {
		buildStorageApp(t, driver, app, tag, tmp)
		return nil
	})
	id, err := os.ReadFile(filepath.Join(dir, "id"))
	if err != nil {
		t.Fatal(err)
	}
	a := StorageApp{Root: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "runroot"), Driver: driver, Tag: tag,
		ID: strings.TrimSpace(string(id)), Archive: filepath.Join(dir, app+".tar")}
	a.Ref = "containers-storage:[" + driver + "@" + a.Root + "+" + a.RunRoot + "]" + tag
	return a
}

// storageKey hashes what the store is built from.
func storageKey(t testing.TB, app string) string {
	t.Helper()
	h := sha256.New()
	out, _ := exec.Command("buildah", "--version").Output()
	fmt.Fprintf(h, "format=storageapp-v1\nbuildah=%s\n", out)
	if err := fixturecache.HashFiles(h, ImagesDir(), "base.tar", app); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil)[:8])
}

// buildStorageApp builds the store in the new directory dir.
func buildStorageApp(t testing.TB, driver, app, tag, dir string) {
	t.Helper()
	b := buildahtest.NewStore(t, filepath.Join(dir, "root"), filepath.Join(dir, "runroot"), driver)
	b.LoadArchive(filepath.Join(ImagesDir(), "base.tar"), "localhost/layerlint/base:latest")
	c := filepath.Join(t.TempDir(), app)
	buildahtest.CopyTree(t, filepath.Join(ImagesDir(), app), c)
	b.Build(filepath.Join(c, "Dockerfile"), c, tag)
	b.Archive(tag, filepath.Join(dir, app+".tar"), tag)
	id := strings.TrimPrefix(strings.TrimSpace(b.Run("images", "-q", "--no-trunc", tag)), "sha256:")
	if err := os.WriteFile(filepath.Join(dir, "id"), []byte(id+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The run root holds only locks and the state of running containers: none survive the build.
	if err := os.RemoveAll(filepath.Join(dir, "runroot")); err != nil {
		t.Fatal(err)
	}
}

// NewStorage returns a buildah with a private store that uses driver and holds base.tar as
// localhost/layerlint/base:latest.
func NewStorage(t testing.TB, driver string) *buildahtest.Builder {
	t.Helper()
	b := buildahtest.NewWithDriver(t, driver)
	b.LoadArchive(filepath.Join(ImagesDir(), "base.tar"), "localhost/layerlint/base:latest")
	return b
}
