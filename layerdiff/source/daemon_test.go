package source

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerlint/layerlint/internal/dockertest"
	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/source/sourcetest"
)

// TestDaemonMatchesSave reads images the real daemon built (BuildKit and the legacy builder) through
// docker-daemon: and from their `docker save` archives: the same config, byte for byte (so the same
// history with its empty_layer facts: BuildKit's WORKDIR and busybox's --install make layers of no file
// content, which the daemon's history API reports as 0 B), and the same listing of every layer.
func TestDaemonMatchesSave(t *testing.T) {
	d := dockertest.Shared(t)
	apps := sourcetest.BuildDaemonApps(t, d)
	t.Setenv("DOCKER_HOST", d.Host())
	for _, tc := range []struct{ name, archive string }{
		{apps.V1, apps.V1Archive}, {apps.V2, apps.V2Archive}, {apps.Legacy, apps.LegacyArchive},
	} {
		t.Run(tc.name, func(t *testing.T) { sameAsSaved(t, tc.name, tc.archive) })
	}
}

// sameAsSaved checks that the daemon's image name (DOCKER_HOST is set) reads as its `docker save` archive
// does: the same config, byte for byte, a history that records every layer, and the same listing of every
// layer.
func sameAsSaved(t *testing.T, name, archive string) {
	t.Helper()
	ctx := context.Background()
	daemonImg, err := OpenString(ctx, "docker-daemon:"+name)
	if err != nil {
		t.Fatal(err)
	}
	archiveImg, err := OpenString(ctx, archive)
	if err != nil {
		t.Fatal(err)
	}
	got, err := layerdiff.NewReader().ReadImage(ctx, name, daemonImg)
	if err != nil {
		t.Fatal(err)
	}
	want, err := layerdiff.NewReader().ReadImage(ctx, archive, archiveImg)
	if err != nil {
		t.Fatal(err)
	}
	rawGot, err := daemonImg.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	rawWant, err := archiveImg.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rawGot, rawWant) {
		t.Errorf("config differs from the saved one:\n%s\nwant\n%s", rawGot, rawWant)
	}
	nonEmpty := 0
	for _, h := range got.Config.History {
		if !h.EmptyLayer {
			nonEmpty++
		}
	}
	if nonEmpty != len(got.Layers) {
		t.Errorf("history records %d layers, the image has %d", nonEmpty, len(got.Layers))
	}
	if len(got.Layers) != len(want.Layers) {
		t.Fatalf("%d layers, the archive has %d", len(got.Layers), len(want.Layers))
	}
	for i := range got.Layers {
		if !reflect.DeepEqual(got.Layers[i], want.Layers[i]) {
			t.Errorf("layer %d: listing differs from the archive's", i+1)
		}
	}
}

// TestDaemonContainerdStore reads an image that BuildKit built into a live Docker 26 keeping its images in
// containerd's image store (Docker 29's and Docker Desktop's default): `docker image inspect` gives the
// manifest's digest as its ID, and `docker save` writes an OCI layout. docker-daemon: must read it as its
// saved archive reads, and the warm read from the caches must too.
func TestDaemonContainerdStore(t *testing.T) {
	d := dockertest.StartContainerdStore(t)
	d.Load(t, filepath.Join(sourcetest.ImagesDir(), "base.tar"))
	d.Build(t, "", filepath.Join(sourcetest.ImagesDir(), "app-v2"), "app-cs:v2")
	archive := filepath.Join(t.TempDir(), "app-cs.tar")
	d.Save(t, "app-cs:v2", archive)
	// The store is the containerd one: the save is an OCI layout, and the ID is the manifest's digest, not
	// the config's (the 20.10 daemon's ID).
	if !tarHolds(t, archive, "index.json") || !tarHolds(t, archive, "oci-layout") {
		t.Fatalf("docker save wrote no OCI layout: is the containerd image store on?\n%s", d.Log())
	}
	id := strings.TrimSpace(d.Run(t, "image", "inspect", "--format", "{{.ID}}", "app-cs:v2"))
	saved, err := OpenString(context.Background(), archive)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := saved.ConfigName(); err != nil || cfg.String() == id {
		t.Fatalf("image ID %s, config %v (%v): want the manifest's digest as the ID", id, cfg, err)
	}
	t.Setenv("DOCKER_HOST", d.Host())
	sameAsSaved(t, "app-cs:v2", archive)

	// The server's discovery lists it with its history, and its Ref opens it.
	imgs, err := ListLocalImages(context.Background(), LocalStores{NoStorage: true})
	if err != nil {
		t.Fatal(err)
	}
	savedCfg, err := saved.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, img := range imgs {
		if !slices.Contains(img.Names, "app-cs:v2") {
			continue
		}
		found = true
		if len(img.History) != len(savedCfg.History) {
			t.Fatalf("listed with %d history entries, the saved config has %d", len(img.History), len(savedCfg.History))
		}
		for i, h := range img.History {
			if h.CreatedBy != savedCfg.History[i].CreatedBy {
				t.Errorf("history entry %d: %q listed, %q saved", i, h.CreatedBy, savedCfg.History[i].CreatedBy)
			}
		}
		if _, err := OpenString(context.Background(), img.Ref); err != nil {
			t.Errorf("opening the listed %s: %v", img.Ref, err)
		}
	}
	if !found {
		t.Errorf("ListLocalImages did not list app-cs:v2: %+v", imgs)
	}
}

// TestDaemonOnePass counts the `docker save` requests reading takes: one for a cold read that lists every
// layer, none when the listings and the config are cached, one more to read one layer's bytes again.
func TestDaemonOnePass(t *testing.T) {
	d := dockertest.Shared(t)
	apps := sourcetest.BuildDaemonApps(t, d)
	counter := sourcetest.CountSaves(t, d)
	t.Setenv("DOCKER_HOST", counter.Host)
	ctx := context.Background()
	cacheDir := t.TempDir()
	read := func() *layerdiff.Image {
		t.Helper()
		src, err := OpenString(ctx, "docker-daemon:"+apps.V2, WithCacheDir(cacheDir))
		if err != nil {
			t.Fatal(err)
		}
		r := layerdiff.NewReader(layerdiff.WithListingStore(layerdiff.NewListingStore(cacheDir)))
		img, err := r.ReadImage(ctx, apps.V2, src)
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	cold := read()
	if n := counter.Saves(); n != 1 {
		t.Errorf("cold read: %d saves, want 1", n)
	}
	warm := read()
	if n := counter.Saves(); n != 1 {
		t.Errorf("warm read: %d saves in all, want still 1", n)
	}
	if !reflect.DeepEqual(cold.Config, warm.Config) || len(cold.Layers) != len(warm.Layers) {
		t.Error("the warm read differs from the cold one")
	}
	// Layer bytes read again (as --content does): one more save, and exactly the layer's bytes.
	layers, err := warm.Source().Layers()
	if err != nil {
		t.Fatal(err)
	}
	k := len(layers) - 2
	rc, err := layers[k].(StoredLayer).Stored()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := layers[k].DiffID()
	if got := sha256Hex(t, rc); got != want.Hex {
		t.Errorf("layer %d read again hashes to %s, want %s", k+1, got, want.Hex)
	}
	if n := counter.Saves(); n != 2 {
		t.Errorf("after reading one layer again: %d saves in all, want 2", n)
	}
}

// TestDaemonErrors checks the one-line errors for a daemon that does not answer and an image it lacks.
func TestDaemonErrors(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "docker.sock")
	t.Setenv("DOCKER_HOST", "unix://"+sock)
	checkOpenError(t, Reference{Transport: DockerDaemon, Name: "layerlint/app:v1"},
		"no Docker daemon answers at unix://"+sock+" (start it, or point DOCKER_HOST at one)")

	// Without DOCKER_HOST the client asks the default socket (there is no daemon there on the test machines).
	if _, err := os.Stat("/var/run/docker.sock"); os.IsNotExist(err) {
		os.Unsetenv("DOCKER_HOST") // t.Setenv above restores it
		checkOpenError(t, Reference{Transport: DockerDaemon, Name: "layerlint/app:v1"},
			"no Docker daemon answers at unix:///var/run/docker.sock (start it, or point DOCKER_HOST at one)")
	}

	d := dockertest.Shared(t)
	t.Setenv("DOCKER_HOST", d.Host())
	checkOpenError(t, Reference{Transport: DockerDaemon, Name: "layerlint/nothing:here"},
		"the Docker daemon at "+d.Host()+" has no image layerlint/nothing:here")
}

// TestDaemonStreamsLayers reads from the daemon an image with one 48 MiB layer of random bytes and samples
// the heap meanwhile: it stays far below the layer's size, so the save stream is not held in memory (as
// go-containerregistry's daemon source does) nor a layer's bytes.
func TestDaemonStreamsLayers(t *testing.T) {
	d := dockertest.Shared(t)
	const size = 48 << 20
	archive := filepath.Join(t.TempDir(), "big.tar")
	writeBigImage(t, archive, size)
	d.Load(t, archive)
	t.Setenv("DOCKER_HOST", d.Host())
	ctx := context.Background()
	src, err := OpenString(ctx, "docker-daemon:layerlint-test/big:v1")
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	img, err := layerdiff.NewReader().ReadImage(ctx, "big", src)
	close(done)
	<-sampled
	if err != nil {
		t.Fatal(err)
	}
	if img.Layers[0].FileBytes != size {
		t.Fatalf("read %d bytes of files, want %d", img.Layers[0].FileBytes, size)
	}
	grew := int64(peak.Load()) - int64(base.HeapInuse)
	t.Logf("heap in use grew by %d MiB at most while reading a %d MiB layer", grew>>20, size>>20)
	if grew > size/3 {
		t.Errorf("heap in use grew by %d MiB reading a %d MiB layer: the stream is held in memory", grew>>20, size>>20)
	}
}

// writeBigImage writes a docker-archive of one layer holding one file of size random bytes.
func writeBigImage(t *testing.T, path string, size int64) {
	t.Helper()
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	tw.WriteHeader(&tar.Header{Name: "big.bin", Mode: 0o644, Size: size, Typeflag: tar.TypeReg})
	if _, err := io.CopyN(tw, rand.New(rand.NewSource(1)), size); err != nil {
		t.Fatal(err)
	}
	tw.Close()
	diffID := sha256Of(layer.Bytes())
	cfg := []byte(`{"architecture":"` + runtime.GOARCH + `","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["` +
		diffID.String() + `"]},"history":[{"created_by":"big"}]}`)
	cfgID := sha256Of(cfg)
	man := []byte(`[{"Config":"` + cfgID.Hex + `.json","RepoTags":["layerlint-test/big:v1"],"Layers":["` + diffID.Hex + `/layer.tar"]}]`)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := tar.NewWriter(f)
	for _, e := range []struct {
		name string
		body []byte
	}{{cfgID.Hex + ".json", cfg}, {diffID.Hex + "/layer.tar", layer.Bytes()}, {"manifest.json", man}} {
		out.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg})
		out.Write(e.body)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func sha256Of(b []byte) v1.Hash {
	sum := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}

// tarHolds reports whether the tar at path has an entry name.
func tarHolds(t *testing.T, path, name string) bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == name {
			return true
		}
	}
}
