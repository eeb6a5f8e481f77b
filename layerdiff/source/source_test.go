package source

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/layerlint/layerlint/layerdiff/source/registrytest"
)

// TestTransportsAgree opens one image through every transport: the
// docker-archive is written as an OCI layout, that layout as an oci-archive,
// and the image is pushed to a real registry. Each must give the same config
// and the same layer DiffIDs, in the explicit and in the bare syntax.
func TestTransportsAgree(t *testing.T) {
	ctx := context.Background()
	archive := sourceArchive(t)
	src, err := OpenString(ctx, "docker-archive:"+archive)
	if err != nil {
		t.Fatal(err)
	}
	want := summarize(t, src)
	if len(want.diffIDs) == 0 {
		t.Fatalf("%s has no layers", archive)
	}

	dir := t.TempDir()
	lay := filepath.Join(dir, "layout")
	lp, err := layout.Write(lay, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(src, layout.WithAnnotations(map[string]string{refNameAnnotation: "v1"})); err != nil {
		t.Fatal(err)
	}
	ociTar := filepath.Join(dir, "app.oci.tar")
	tarDir(t, lay, ociTar)

	host := registrytest.Start(t)
	pushed, err := name.ParseReference(host + "/layerlint/app:v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(pushed, src, remote.WithContext(ctx)); err != nil {
		t.Fatal(err)
	}

	for _, ref := range []string{
		archive,
		"docker-archive:" + archive + ":layerlint/app:v1",
		"docker-archive:" + archive + ":v1",
		"oci:" + lay,
		"oci:" + lay + ":v1",
		lay,
		"oci-archive:" + ociTar,
		"oci-archive:" + ociTar + ":v1",
		ociTar, // a bare path: its contents say it is an OCI archive
		"docker://" + host + "/layerlint/app:v1",
		host + "/layerlint/app:v1",
	} {
		t.Run(ref, func(t *testing.T) {
			img, err := OpenString(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			if got := summarize(t, img); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: got config %s layers %v, want config %s layers %v",
					ref, got.configName, got.diffIDs, want.configName, want.diffIDs)
			}
			checkContentsMatchDiffIDs(t, img)
		})
	}
}

// checkContentsMatchDiffIDs reads every layer's uncompressed stream and
// checks it hashes to its DiffID: the bytes, not just the metadata, agree.
func checkContentsMatchDiffIDs(t *testing.T, img v1.Image) {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		want, err := l.DiffID()
		if err != nil {
			t.Fatal(err)
		}
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		if got := sha256Hex(t, rc); got != want.Hex {
			t.Errorf("layer %s: uncompressed contents hash to %s", want, got)
		}
	}
}

func sha256Hex(t *testing.T, rc io.ReadCloser) string {
	t.Helper()
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestStoredUncompressed checks that the layers of an uncompressed
// docker-archive (what buildah writes) hand out exactly the archived bytes:
// their sha256 is the DiffID, and they equal the tar entry byte for byte.
func TestStoredUncompressed(t *testing.T) {
	archive := sourceArchive(t)
	img, err := Open(context.Background(), Reference{Transport: DockerArchive, Path: archive})
	if err != nil {
		t.Fatal(err)
	}
	entries := readTarEntries(t, archive)
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range layers {
		sl, ok := l.(StoredLayer)
		if !ok {
			t.Fatalf("layer %d is a %T, not a StoredLayer", i, l)
		}
		diffID, err := l.DiffID()
		if err != nil {
			t.Fatal(err)
		}
		b := readAll(t, sl.Stored)
		if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != diffID.Hex {
			t.Errorf("layer %d: Stored() hashes to %x, want DiffID %s", i, got, diffID)
		}
		if !isUncompressedTar(b) {
			t.Errorf("layer %d: Stored() does not start like a tar", i)
		}
		if !containsEntry(entries, b) {
			t.Errorf("layer %d: Stored() bytes are not any file of %s", i, archive)
		}
		byID, err := img.LayerByDiffID(diffID)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := byID.(StoredLayer); !ok {
			t.Errorf("LayerByDiffID(%s) is a %T, not a StoredLayer", diffID, byID)
		}
	}
}

// TestStoredCompressed checks a docker-archive with gzip layers (what ggcr's
// tarball.Write produces): Stored() is the gzip stream as archived.
func TestStoredCompressed(t *testing.T) {
	src := randomImage(t, 2)
	archive := filepath.Join(t.TempDir(), "gz.tar")
	writeDockerArchive(t, archive, true, archived{tags: []string{"gz:v1"}, img: src})
	img, err := Open(context.Background(), Reference{Transport: DockerArchive, Path: archive})
	if err != nil {
		t.Fatal(err)
	}
	srcLayers, err := src.Layers()
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != len(srcLayers) {
		t.Fatalf("got %d layers, want %d", len(layers), len(srcLayers))
	}
	for i, l := range layers {
		b := readAll(t, l.(StoredLayer).Stored)
		if want := readAll(t, srcLayers[i].Compressed); !bytes.Equal(b, want) {
			t.Errorf("layer %d: Stored() returned %d bytes, not the %d archived gzip bytes", i, len(b), len(want))
		}
		if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Errorf("layer %d: Stored() is not gzip", i)
		}
	}
	checkContentsMatchDiffIDs(t, img)
}

func readAll(t *testing.T, open func() (io.ReadCloser, error)) []byte {
	t.Helper()
	rc := must(t, open)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readTarEntries(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	tr := tar.NewReader(f)
	for {
		_, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
}

func containsEntry(entries [][]byte, b []byte) bool {
	for _, e := range entries {
		if bytes.Equal(e, b) {
			return true
		}
	}
	return false
}

// TestDockerArchiveSeveralImages checks tag selection in an archive that
// holds two images, and the error that lists the tags when none is given.
func TestDockerArchiveSeveralImages(t *testing.T) {
	one, two := randomImage(t, 3), randomImage(t, 4)
	archive := filepath.Join(t.TempDir(), "two.tar")
	writeDockerArchive(t, archive, false,
		archived{tags: []string{"example.com/one:v1"}, img: one},
		archived{tags: []string{"two:latest", "two:v2"}, img: two})
	ctx := context.Background()
	for ref, want := range map[string]v1.Image{
		"docker-archive:" + archive + ":example.com/one:v1":       one,
		"docker-archive:" + archive + ":two":                      two,
		"docker-archive:" + archive + ":two:v2":                   two,
		"docker-archive:" + archive + ":v2":                       two,
		"docker-archive:" + archive + ":docker.io/library/two:v2": two,
	} {
		img, err := OpenString(ctx, ref)
		if err != nil {
			t.Errorf("%s: %v", ref, err)
			continue
		}
		if got, w := summarize(t, img), summarize(t, want); !reflect.DeepEqual(got, w) {
			t.Errorf("%s opened config %s, want %s", ref, got.configName, w.configName)
		}
	}
}

// TestBuildahArchives opens the images build.sh makes with buildah. app-v1
// and app-v2 are built FROM base, so both start with base's layers and then
// differ.
func TestBuildahArchives(t *testing.T) {
	ctx := context.Background()
	open := func(file, tag string) layerSummary {
		t.Helper()
		ref := buildahArchive(t, file)
		if tag != "" {
			ref = "docker-archive:" + ref + ":" + tag
		}
		img, err := OpenString(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		return summarize(t, img)
	}
	base := open("base.tar", "layerlint/base:latest")
	appV1 := open("app-v1.tar", "layerlint/app:v1")
	appV2 := open("app-v2.tar", "")
	for name, app := range map[string]layerSummary{"app-v1": appV1, "app-v2": appV2} {
		if len(app.diffIDs) <= len(base.diffIDs) || !reflect.DeepEqual(app.diffIDs[:len(base.diffIDs)], base.diffIDs) {
			t.Errorf("%s layers %v do not extend base's %v", name, app.diffIDs, base.diffIDs)
		}
	}
	if reflect.DeepEqual(appV1, appV2) {
		t.Error("app-v1 and app-v2 opened to the same image")
	}
}

// BenchmarkOpenDockerArchive opens the buildah app-v1 archive and reads
// every layer as stored: the path the layerdiff core takes.
func BenchmarkOpenDockerArchive(b *testing.B) {
	p := filepath.Join(testImagesDir(), "app-v1.tar")
	if _, err := os.Stat(p); err != nil {
		b.Skipf("%s not built yet (run testdata/images/build.sh)", p)
	}
	ctx := context.Background()
	for b.Loop() {
		img, err := OpenString(ctx, p)
		if err != nil {
			b.Fatal(err)
		}
		layers, err := img.Layers()
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range layers {
			rc, err := l.(StoredLayer).Stored()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, rc); err != nil {
				b.Fatal(err)
			}
			rc.Close()
		}
	}
}
