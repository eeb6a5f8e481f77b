package debiantest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/layerlint/layerlint/internal/dockertest"
)

// App returns a docker-archive of the Dockerfile in ctxDir, built FROM Tag by a real Docker daemon's BuildKit
// (daemon: dockertest.Shared or dockertest.Start, called only when the image must be built). It is built
// once per machine into FixtureDir, as NAME-<key>.tar, the key hashing format (change it when how the image
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
	dir, err := FixtureDir()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name+"-"+hex.EncodeToString(h.Sum(nil)[:8])+".tar")
	if _, err := os.Stat(out); err == nil {
		return out
	}
	lock, err := os.OpenFile(filepath.Join(dir, "."+name+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(out); err == nil {
		return out
	}
	start := time.Now()
	d := daemon(t)
	d.Load(t, base)
	tag := "layerlint-" + name + ":test"
	d.Build(t, "", ctxDir, tag)
	d.Save(t, tag, out+".tmp")
	if err := os.Rename(out+".tmp", out); err != nil {
		t.Fatal(err)
	}
	t.Logf("built %s once for this machine in %v", out, time.Since(start).Round(time.Second))
	return out
}
