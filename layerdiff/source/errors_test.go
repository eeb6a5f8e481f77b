package source

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/layerlint/layerlint/layerdiff/source/registrytest"
)

// TestOpenErrors checks that broken or missing inputs give one-line errors
// that name the input and say what is wrong.
func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	img := randomImage(t, 20)
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	firstDiffID, err := layers[0].DiffID()
	if err != nil {
		t.Fatal(err)
	}
	firstDigest, err := layers[0].Digest()
	if err != nil {
		t.Fatal(err)
	}

	good := filepath.Join(dir, "good.tar")
	writeDockerArchive(t, good, false, archived{tags: []string{"app:v1"}, img: img})
	two := filepath.Join(dir, "two.tar")
	writeDockerArchive(t, two, false, archived{tags: []string{"a:v1"}, img: img}, archived{tags: []string{"b:v1"}, img: randomImage(t, 21)})

	noManifest := filepath.Join(dir, "nomanifest.tar")
	writeTar(t, noManifest, []string{"hello.txt"}, map[string][]byte{"hello.txt": []byte("hi")})
	garbage := filepath.Join(dir, "garbage.tar")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a tar\n", 100)), 0o644); err != nil {
		t.Fatal(err)
	}

	// A docker-archive whose manifest.json names a layer file that is absent.
	missingLayer := filepath.Join(dir, "missinglayer.tar")
	writeDockerArchive(t, missingLayer, false, archived{tags: []string{"app:v1"}, img: img})
	dropTarEntry(t, missingLayer, firstDiffID.Hex+"/layer.tar")

	lay := filepath.Join(dir, "layout")
	lp, err := layout.Write(lay, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{refNameAnnotation: "v1"})); err != nil {
		t.Fatal(err)
	}
	ociTar := filepath.Join(dir, "oci.tar")
	tarDir(t, lay, ociTar)
	brokenLay := filepath.Join(dir, "broken-layout")
	if err := os.CopyFS(brokenLay, os.DirFS(lay)); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(brokenLay, "blobs", "sha256", firstDigest.Hex)); err != nil {
		t.Fatal(err)
	}
	noManifestLay := filepath.Join(dir, "no-manifest-layout")
	if err := os.CopyFS(noManifestLay, os.DirFS(lay)); err != nil {
		t.Fatal(err)
	}
	manifestDigest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(noManifestLay, "blobs", "sha256", manifestDigest.Hex)); err != nil {
		t.Fatal(err)
	}
	brokenOCITar := filepath.Join(dir, "broken-oci.tar")
	tarDir(t, brokenLay, brokenOCITar)
	notLayout := filepath.Join(dir, "plain")
	if err := os.Mkdir(notLayout, 0o755); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		ref  Reference
		want string
	}{
		{"missing archive", Reference{Transport: DockerArchive, Path: filepath.Join(dir, "nope.tar")}, "no such file or directory"},
		{"archive is a directory", Reference{Transport: DockerArchive, Path: notLayout}, "is a directory, not an archive"},
		{"not a tar", Reference{Transport: DockerArchive, Path: garbage}, "reading tar " + garbage},
		{"no manifest.json", Reference{Transport: DockerArchive, Path: noManifest}, "has no manifest.json; it is not a docker-archive"},
		{"oci-archive as docker-archive", Reference{Transport: DockerArchive, Path: ociTar}, "it is an OCI archive, open it as oci-archive:" + ociTar},
		{"bare path to neither archive", Reference{Transport: DockerArchive, Path: noManifest, detect: true}, noManifest + " is neither a docker-archive (it has no manifest.json) nor an OCI archive (no oci-layout and index.json)"},
		{"docker-archive as oci-archive", Reference{Transport: OCIArchive, Path: good}, "it is a docker-archive, open it as docker-archive:" + good},
		{"layer missing from archive", Reference{Transport: DockerArchive, Path: missingLayer}, `manifest.json names layer "` + firstDiffID.Hex + `/layer.tar", which is not in the archive`},
		{"archive tag not found", Reference{Transport: DockerArchive, Path: good, Tag: "nope"}, `tag "nope" not found (tags: app:v1)`},
		{"several images, no tag", Reference{Transport: DockerArchive, Path: two}, "holds 2 images; choose one with docker-archive:" + two + ":TAG (tags: a:v1, b:v1)"},
		{"ambiguous bare tag", Reference{Transport: DockerArchive, Path: two, Tag: "v1"}, `tag "v1" matches several images`},
		{"missing layout", Reference{Transport: OCI, Path: filepath.Join(dir, "nolayout")}, "no such file or directory"},
		{"directory not a layout", Reference{Transport: OCI, Path: notLayout}, notLayout + " is not an OCI image layout: it has no oci-layout file"},
		{"file as layout", Reference{Transport: OCI, Path: good}, "is a file, not an OCI layout directory"},
		{"layout tag not found", Reference{Transport: OCI, Path: lay, Tag: "v2"}, `tag "v2" not found (tags: v1)`},
		{"layout blob missing", Reference{Transport: OCI, Path: brokenLay}, "manifest names layer blob " + firstDigest.String() + ", which is missing"},
		{"layout manifest missing", Reference{Transport: OCI, Path: noManifestLay}, "an index names a manifest blob that is missing"},
		{"oci-archive blob missing", Reference{Transport: OCIArchive, Path: brokenOCITar}, "manifest names layer blob " + firstDigest.String() + ", which is missing"},
		{"oci-archive tag not found", Reference{Transport: OCIArchive, Path: ociTar, Tag: "v2"}, `tag "v2" not found (tags: v1)`},
		{"unknown transport", Reference{Transport: "ftp", Name: "x"}, `unknown transport "ftp"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkOpenError(t, tt.ref, tt.want)
		})
	}
}

func checkOpenError(t *testing.T, ref Reference, want string) {
	t.Helper()
	img, err := Open(context.Background(), ref)
	if err == nil {
		t.Fatalf("Open(%s) = %v, want an error containing %q", ref, img, want)
	}
	msg := err.Error()
	t.Log(msg)
	if !strings.HasPrefix(msg, "opening image "+ref.String()+": ") {
		t.Errorf("error %q does not start by naming %s", msg, ref)
	}
	if !strings.Contains(msg, want) {
		t.Errorf("error %q does not contain %q", msg, want)
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error spans several lines: %q", msg)
	}
}

// dropTarEntry rewrites the tar at path without the named entry.
func dropTarEntry(t *testing.T, path, drop string) {
	t.Helper()
	idx, err := indexTar(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	files := map[string][]byte{}
	for _, n := range readTarNames(t, path) {
		if n == drop {
			continue
		}
		b, err := idx.readAll(n)
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, n)
		files[n] = b
	}
	if len(order) == len(readTarNames(t, path)) {
		t.Fatalf("%s has no entry %s", path, drop)
	}
	writeTar(t, path, order, files)
}

func readTarNames(t *testing.T, path string) []string {
	t.Helper()
	idx, err := indexTar(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return idx.names()
}

// TestOpenRegistryErrors checks errors from a real registry.
func TestOpenRegistryErrors(t *testing.T) {
	host := registrytest.Start(t)
	checkOpenError(t, Reference{Transport: Registry, Name: host + "/nothing:here"}, "MANIFEST_UNKNOWN")
}

// TestOpenCanceled checks that a canceled context stops the archive scan.
func TestOpenCanceled(t *testing.T) {
	archive := filepath.Join(t.TempDir(), "a.tar")
	writeDockerArchive(t, archive, false, archived{tags: []string{"app:v1"}, img: randomImage(t, 22)})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tr := range []string{DockerArchive, OCIArchive} {
		_, err := Open(ctx, Reference{Transport: tr, Path: archive})
		if err == nil || !strings.Contains(err.Error(), context.Canceled.Error()) {
			t.Errorf("%s with a canceled context: error %v, want %v", tr, err, context.Canceled)
		}
	}
}

var _ v1.Image = (*archiveImage)(nil)
