package debiantest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/internal/dockertest"
)

func TestMain(m *testing.M) { os.Exit(dockertest.Main(m)) }

// TestBuildsWithApt builds a Dockerfile FROM the image with the real daemon's
// BuildKit, installing a package with apt-get from the Debian mirror: the
// base is a working Debian, not just a tarball of one.
func TestBuildsWithApt(t *testing.T) {
	archive := Archive(t)
	again := Archive(t)
	if archive != again {
		t.Fatalf("second call built another archive: %s, then %s", archive, again)
	}
	if !strings.HasPrefix(filepath.Base(archive), "debian-bookworm-minbase-") {
		t.Errorf("archive name %s", archive)
	}
	d := dockertest.Shared(t)
	d.Load(t, archive)
	dir := t.TempDir()
	df := "FROM " + Tag + "\nRUN apt-get update && apt-get install -y --no-install-recommends jq && jq --version > /jq-version\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644); err != nil {
		t.Fatal(err)
	}
	d.Build(t, "", dir, "debiantest:jq")
	out := d.Run(t, "run", "--rm", "--network", "host", "debiantest:jq", "cat", "/jq-version", "/etc/os-release")
	if !strings.Contains(out, "jq-1.6") || !strings.Contains(out, `VERSION_CODENAME=bookworm`) {
		t.Errorf("container says:\n%s", out)
	}
}
