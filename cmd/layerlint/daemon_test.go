package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/layerlint/layerlint/internal/dockertest"
	"github.com/layerlint/layerlint/layerdiff/source/sourcetest"
)

// TestMain stops the Docker daemon TestImageFromDaemon shares (dockertest.Shared).
func TestMain(m *testing.M) { os.Exit(dockertest.Main(m)) }

// TestImageFromDaemon lints testdata/images/app-v2's Dockerfile with --image naming the image BuildKit built
// from it in a real Docker daemon, and with --image naming that image's `docker save` archive: the findings,
// measured bytes included, are the same.
func TestImageFromDaemon(t *testing.T) {
	d := dockertest.Shared(t)
	apps := sourcetest.BuildDaemonApps(t, d)
	t.Setenv("DOCKER_HOST", d.Host())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dockerfile := filepath.Join(sourcetest.ImagesDir(), "app-v2", "Dockerfile")
	lintWith := func(image string) (int, string) {
		t.Helper()
		var out, errb bytes.Buffer
		code := run([]string{"--format", "json", "--image", image, dockerfile}, &out, &errb)
		if code == exitBadInput {
			t.Fatalf("--image %s: exit 2: %s", image, errb.String())
		}
		return code, out.String()
	}
	codeDaemon, fromDaemon := lintWith("docker-daemon:" + apps.V2)
	codeSave, fromSave := lintWith(apps.V2Archive)
	if codeDaemon != codeSave || fromDaemon != fromSave {
		t.Errorf("findings with the daemon image (exit %d):\n%s\nwith its archive (exit %d):\n%s", codeDaemon, fromDaemon, codeSave, fromSave)
	}
	if !bytes.Contains([]byte(fromDaemon), []byte(`"bytes"`)) {
		t.Errorf("no measured bytes in the findings:\n%s", fromDaemon)
	}
}
