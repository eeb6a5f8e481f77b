// Package sourcetest builds the project's test images in real image stores — the Docker daemon of
// internal/dockertest, buildah's containers-storage of internal/buildahtest — so that tests in every package
// read the same images from a store and from the archives those stores write.
package sourcetest

import (
	"context"
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
	// V1Archive, V2Archive and LegacyArchive are `docker save` archives of the three.
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

// BuildDaemonApps loads testdata/images/base.tar into d and builds app-v1 and app-v2 with BuildKit and a small
// image with the legacy builder, once per daemon however many tests ask; each call saves the three to
// archives of its own test.
func BuildDaemonApps(t testing.TB, d *dockertest.Daemon) DaemonApps {
	t.Helper()
	apps := buildDaemonApps(t, d)
	dir := t.TempDir()
	apps.V1Archive = filepath.Join(dir, "app-v1.tar")
	apps.V2Archive = filepath.Join(dir, "app-v2.tar")
	apps.LegacyArchive = filepath.Join(dir, "legacy.tar")
	d.Save(t, apps.V1, apps.V1Archive)
	d.Save(t, apps.V2, apps.V2Archive)
	d.Save(t, apps.Legacy, apps.LegacyArchive)
	return apps
}

func buildDaemonApps(t testing.TB, d *dockertest.Daemon) DaemonApps {
	t.Helper()
	built.Lock()
	defer built.Unlock()
	if apps, ok := built.byHost[d.Host()]; ok {
		return apps
	}
	dir := t.TempDir()
	images := ImagesDir()
	d.Load(t, filepath.Join(images, "base.tar"))
	apps := DaemonApps{V1: "layerlint-test/app:v1", V2: "layerlint-test/app:v2", Legacy: "layerlint-test/legacy:v1"}
	for _, b := range []struct{ ctx, tag string }{{"app-v1", apps.V1}, {"app-v2", apps.V2}} {
		c := filepath.Join(dir, b.ctx)
		buildahtest.CopyTree(t, filepath.Join(images, b.ctx), c)
		d.Build(t, "", c, b.tag)
	}
	legacy := filepath.Join(dir, "legacy")
	if err := os.MkdirAll(legacy, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"Dockerfile": legacyDockerfile, "hello.txt": "hello\n"} {
		if err := os.WriteFile(filepath.Join(legacy, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// --network none: with host networking the legacy builder leaves the daemon's default network namespace
	// mounted under its exec root, and the daemon's directory cannot be removed.
	cmd := d.Command("build", "-q", "--network", "none", "-t", apps.Legacy, legacy)
	cmd.Env = append(cmd.Env, "DOCKER_BUILDKIT=0") // the last value wins
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker build (legacy builder): %v\n%s", err, out)
	}
	if built.byHost == nil {
		built.byHost = map[string]DaemonApps{}
	}
	built.byHost[d.Host()] = apps
	return apps
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
