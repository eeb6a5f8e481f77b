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
	ctx := context.Background()
	for _, tc := range []struct{ name, archive string }{
		{apps.V1, apps.V1Archive}, {apps.V2, apps.V2Archive}, {apps.Legacy, apps.LegacyArchive},
	} {
		t.Run(tc.name, func(t *testing.T) {
			daemonImg, err := OpenString(ctx, "docker-daemon:"+tc.name)
			if err != nil {
				t.Fatal(err)
			}
			archiveImg, err := OpenString(ctx, tc.archive)
			if err != nil {
				t.Fatal(err)
			}
			got, err := layerdiff.NewReader().ReadImage(ctx, tc.name, daemonImg)
			if err != nil {
				t.Fatal(err)
			}
			want, err := layerdiff.NewReader().ReadImage(ctx, tc.archive, archiveImg)
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
			empty := 0
			for _, h := range got.Config.History {
				if !h.EmptyLayer {
					empty++
				}
			}
			if empty != len(got.Layers) {
				t.Errorf("history records %d layers, the image has %d", empty, len(got.Layers))
			}
			if len(got.Layers) != len(want.Layers) {
				t.Fatalf("%d layers, the archive has %d", len(got.Layers), len(want.Layers))
			}
			for i := range got.Layers {
				if !reflect.DeepEqual(got.Layers[i], want.Layers[i]) {
					t.Errorf("layer %d: listing differs from the archive's", i+1)
				}
			}
		})
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
