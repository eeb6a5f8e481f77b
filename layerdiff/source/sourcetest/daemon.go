// Package sourcetest builds the project's test images in real image stores — the Docker daemon of
// internal/dockertest, buildah's containers-storage of internal/buildahtest — so that tests in every package
// read the same images from a store and from the archives those stores write.
package sourcetest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/layerlint/layerlint/internal/buildahtest"
	"github.com/layerlint/layerlint/internal/dockertest"
	"github.com/layerlint/layerlint/internal/fixturecache"
)

// ImagesDir returns the repository's testdata/images.
func ImagesDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "images")
}

// DaemonApps names the images BuildDaemonApps built.
type DaemonApps struct {
	// V1 and V2 are testdata/images/app-v1 and app-v2 built by BuildKit, as daemon references (NAME:TAG).
	V1, V2 string
	// Legacy is a small image built by the legacy builder (DOCKER_BUILDKIT=0) FROM the same base, with a
	// WORKDIR that makes a layer of no file content, as BuildKit's do.
	Legacy string
	// V1Archive, V2Archive and LegacyArchive are `docker save` archives of the three, in the fixture cache.
	V1Archive, V2Archive, LegacyArchive string
}

var built struct {
	sync.Mutex
	byHost map[string]DaemonApps
}

// legacyDockerfile is built by the legacy builder: its history has the "#(nop)" dialect.
const legacyDockerfile = `FROM localhost/layerlint/base:latest
WORKDIR /srv
COPY hello.txt ./
RUN echo built > /srv/built.txt && rm hello.txt
ENV GREETING=hi
CMD ["cat", "/srv/built.txt"]
`

// BuildDaemonApps puts into d the images of DaemonApps: app-v1 and app-v2 of testdata/images built by
// BuildKit FROM base.tar, and a small image built by the legacy builder. They are built once per machine: the
// `docker save` archives of a first build are kept in internal/fixturecache, keyed by
// every input and the daemon's version, and later daemons load them, which gives them the same configs and
// layers byte for byte. Within a test process each daemon gets them once, however many tests ask. The
// archives are those `docker save` wrote; tests must not change them.
func BuildDaemonApps(t testing.TB, d *dockertest.Daemon) DaemonApps {
	t.Helper()
	built.Lock()
	defer built.Unlock()
	if apps, ok := built.byHost[d.Host()]; ok {
		return apps
	}
	apps := DaemonApps{V1: "layerlint-test/app:v1", V2: "layerlint-test/app:v2", Legacy: "layerlint-test/legacy:v1"}
	images := ImagesDir()
	d.Load(t, filepath.Join(images, "base.tar"))
	fresh := false
	dir := fixturecache.T(t, daemonAppsName(t, d), func(tmp string) error {
		fresh = true
		buildDaemonApps(t, d, apps, tmp)
		return nil
	})
	apps.V1Archive = filepath.Join(dir, "app-v1.tar")
	apps.V2Archive = filepath.Join(dir, "app-v2.tar")
	apps.LegacyArchive = filepath.Join(dir, "legacy.tar")
	if !fresh { // built by an earlier process: load what it saved
		for _, a := range []string{apps.V1Archive, apps.V2Archive, apps.LegacyArchive} {
			d.Load(t, a)
		}
	}
	if built.byHost == nil {
		built.byHost = map[string]DaemonApps{}
	}
	built.byHost[d.Host()] = apps
	return apps
}

// daemonAppsName names the fixture of the archives for d's version and the current inputs.
func daemonAppsName(t testing.TB, d *dockertest.Daemon) string {
	t.Helper()
	h := sha256.New()
	fmt.Fprintf(h, "format=daemonapps-v1\nlegacy=%s\ndocker=%s\n", legacyDockerfile, d.Run(t, "version", "--format", "{{.Server.Version}}"))
	if err := fixturecache.HashFiles(h, ImagesDir(), "base.tar", "app-v1", "app-v2"); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("daemon-apps-%x", h.Sum(nil)[:8])
}

// buildDaemonApps builds the images into d and saves them into the new directory dir.
func buildDaemonApps(t testing.TB, d *dockertest.Daemon, apps DaemonApps, dir string) {
	t.Helper()
	work := t.TempDir()
	images := ImagesDir()
	for _, b := range []struct{ ctx, tag string }{{"app-v1", apps.V1}, {"app-v2", apps.V2}} {
		c := filepath.Join(work, b.ctx)
		buildahtest.CopyTree(t, filepath.Join(images, b.ctx), c)
		d.Build(t, "", c, b.tag)
	}
	legacy := filepath.Join(work, "legacy")
	if err := os.MkdirAll(legacy, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"Dockerfile": legacyDockerfile, "hello.txt": "hello\n"} {
		if err := os.WriteFile(filepath.Join(legacy, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := d.Command("build", "-q", "--network", "none", "-t", apps.Legacy, legacy)
	cmd.Env = append(cmd.Env, "DOCKER_BUILDKIT=0") // the last value wins
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker build (legacy builder): %v\n%s", err, out)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, tag := range map[string]string{"app-v1.tar": apps.V1, "app-v2.tar": apps.V2, "legacy.tar": apps.Legacy} {
		d.Save(t, tag, filepath.Join(dir, name))
	}
}

// LegacyDockerfile returns the Dockerfile of DaemonApps.Legacy, written to a file of the test's.
func LegacyDockerfile(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "Dockerfile")
	if err := os.WriteFile(p, []byte(legacyDockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// SaveCounter stands between the clients of a test and a real daemon, and counts the `docker save` requests
// (GET /images/get) that pass: a test tells from it whether an image was read without saving it.
type SaveCounter struct {
	// Host is the DOCKER_HOST of the counting socket.
	Host  string
	saves atomic.Int64
}

// Saves returns how many `docker save` requests passed so far.
func (c *SaveCounter) Saves() int64 { return c.saves.Load() }

// CountSaves starts a counting proxy for d on a unix socket of its own, stopped when the test ends.
func CountSaves(t testing.TB, d *dockertest.Daemon) *SaveCounter {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "dkp-") // a short path: sun_path holds 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "proxy.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	daemonSock := strings.TrimPrefix(d.Host(), "unix://")
	c := &SaveCounter{Host: "unix://" + sock}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(&url.URL{Scheme: "http", Host: "docker"})
			if strings.HasSuffix(r.In.URL.Path, "/images/get") {
				c.saves.Add(1)
			}
		},
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", daemonSock)
		}},
		FlushInterval: -1,
	}
	srv := &http.Server{Handler: proxy}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return c
}
