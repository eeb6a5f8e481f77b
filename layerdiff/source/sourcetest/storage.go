package sourcetest

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/internal/buildahtest"
	"github.com/layerlint/layerlint/internal/debiantest"
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
// machine: the store and the archive are kept in the fixture cache (debiantest.FixtureDir), keyed by the
// inputs and buildah's version, and must not be changed by tests.
func BuildStorageApp(t testing.TB, driver, app string) StorageApp {
	t.Helper()
	buildahtest.Require(t)
	base, err := debiantest.FixtureDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, fmt.Sprintf("storage-%s-%s-%s", driver, app, storageKey(t, app)))
	tag := "localhost/layerlint-test/app:" + app[len("app-"):]
	if _, err := os.Stat(filepath.Join(dir, "id")); err != nil {
		buildStorageApp(t, driver, app, tag, dir)
	}
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
	images := ImagesDir()
	for _, sub := range []string{"base.tar", app} {
		err := filepath.WalkDir(filepath.Join(images, sub), func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(images, p)
			fmt.Fprintf(h, "%s %x\n", rel, sha256.Sum256(b))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil)[:8])
}

// buildStorageApp builds the store in a directory of its own beside dir, then moves it into place, so that a
// concurrent test process sees a whole store or none.
func buildStorageApp(t testing.TB, driver, app, tag, dir string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".storage-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	b := buildahtest.NewStore(t, filepath.Join(tmp, "root"), filepath.Join(tmp, "runroot"), driver)
	b.LoadArchive(filepath.Join(ImagesDir(), "base.tar"), "localhost/layerlint/base:latest")
	c := filepath.Join(t.TempDir(), app)
	buildahtest.CopyTree(t, filepath.Join(ImagesDir(), app), c)
	b.Build(filepath.Join(c, "Dockerfile"), c, tag)
	b.Archive(tag, filepath.Join(tmp, app+".tar"), tag)
	id := strings.TrimPrefix(strings.TrimSpace(b.Run("images", "-q", "--no-trunc", tag)), "sha256:")
	if err := os.WriteFile(filepath.Join(tmp, "id"), []byte(id+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The run root holds only locks and the state of running containers: none survive the build.
	if err := os.RemoveAll(filepath.Join(tmp, "runroot")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(filepath.Join(dir, "id")); serr != nil {
			t.Fatal(err)
		}
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
