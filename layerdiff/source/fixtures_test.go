package source

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// testImagesDir is where build.sh puts the buildah-built archives;
// LAYERLINT_TEST_IMAGES points elsewhere (e.g. a fresh build.sh output).
func testImagesDir() string {
	if d := os.Getenv("LAYERLINT_TEST_IMAGES"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "testdata", "images")
}

// buildahArchive returns the path of a buildah-built docker-archive from
// testdata/images, skipping the test when it has not been built.
func buildahArchive(t *testing.T, file string) string {
	t.Helper()
	p := filepath.Join(testImagesDir(), file)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s not built yet (run testdata/images/build.sh): %v", p, err)
	}
	return p
}

// sourceArchive returns a docker-archive with uncompressed layers to start
// from: buildah's app-v1.tar when it exists, otherwise one written here from
// a reproducible random image.
func sourceArchive(t *testing.T) string {
	t.Helper()
	p := filepath.Join(testImagesDir(), "app-v1.tar")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	t.Logf("%s not built; using a generated image", p)
	p = filepath.Join(t.TempDir(), "generated.tar")
	writeDockerArchive(t, p, false, archived{tags: []string{"layerlint/app:v1"}, img: randomImage(t, 1)})
	return p
}

func randomImage(t *testing.T, seed int64) v1.Image {
	t.Helper()
	img, err := random.Image(2048, 3, random.WithSource(rand.NewSource(seed)))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

type archived struct {
	tags []string
	img  v1.Image
}

// writeDockerArchive writes images the way `docker save` lays them out:
// config JSON, one file per layer (plain tar, or gzip when compressed) and
// manifest.json, written last as buildah does.
func writeDockerArchive(t *testing.T, path string, compressed bool, images ...archived) {
	t.Helper()
	var manifest tarball.Manifest
	files := map[string][]byte{}
	var order []string
	add := func(name string, b []byte) {
		if _, ok := files[name]; !ok {
			order = append(order, name)
		}
		files[name] = b
	}
	for _, a := range images {
		cfgName, err := a.img.ConfigName()
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := a.img.RawConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		d := tarball.Descriptor{Config: cfgName.Hex + ".json", RepoTags: a.tags}
		add(d.Config, cfg)
		layers, err := a.img.Layers()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range layers {
			var (
				name string
				rc   io.ReadCloser
			)
			if compressed {
				h, err := l.Digest()
				if err != nil {
					t.Fatal(err)
				}
				name, rc = h.Hex+".tar.gz", must(t, l.Compressed)
			} else {
				h, err := l.DiffID()
				if err != nil {
					t.Fatal(err)
				}
				name, rc = h.Hex+"/layer.tar", must(t, l.Uncompressed)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			add(name, b)
			d.Layers = append(d.Layers, name)
		}
		manifest = append(manifest, d)
	}
	mb, err := json.Marshal(manifest)
	if err != nil {
		t.Fatal(err)
	}
	add("manifest.json", mb)
	writeTar(t, path, order, files)
}

func must(t *testing.T, open func() (io.ReadCloser, error)) io.ReadCloser {
	t.Helper()
	rc, err := open()
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

func writeTar(t *testing.T, path string, order []string, files map[string][]byte) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range order {
		b := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tarDir writes the files under dir into a tar at out, the way an
// oci-archive holds an OCI layout.
func tarDir(t *testing.T, dir, out string) {
	t.Helper()
	files := map[string][]byte{}
	var order []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		order = append(order, filepath.ToSlash(rel))
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	writeTar(t, out, order, files)
}

// layerSummary is what every source must agree on for one image.
type layerSummary struct {
	configName v1.Hash
	diffIDs    []v1.Hash
}

func summarize(t *testing.T, img v1.Image) layerSummary {
	t.Helper()
	cfg, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	s := layerSummary{configName: cfg}
	for _, l := range layers {
		d, err := l.DiffID()
		if err != nil {
			t.Fatal(err)
		}
		s.diffIDs = append(s.diffIDs, d)
	}
	return s
}

// isUncompressedTar tells whether b starts like a tar rather than gzip/zstd.
func isUncompressedTar(b []byte) bool {
	return len(b) > 262 && string(b[257:262]) == "ustar"
}
