package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/compression"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/layerlint/layerlint/layerdiff"
)

// The cases a builder will not produce here are crafted with go-containerregistry: an OCI index with two
// platforms, gzip and zstd layers, an opaque directory, and a name longer than ustar allows (a PAX header).

var longName = "opt/" + strings.Repeat("deeply-nested-directory/", 12) + "file-with-a-long-name.txt"

func craftTar(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(files[name])), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if strings.HasSuffix(name, "/") {
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, files[name])
	}
	tw.Close()
	return buf.Bytes()
}

func craftImage(t *testing.T, arch string, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return mutate.MediaType(img, types.OCIManifestSchema1)
}

func craftLayer(t *testing.T, b []byte, c compression.Compression) v1.Layer {
	t.Helper()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
		tarball.WithCompression(c), tarball.WithMediaType(map[compression.Compression]types.MediaType{
			compression.GZip: types.OCILayer, compression.ZStd: types.OCILayerZStd}[c]))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestDiffCraftedOCIIndex(t *testing.T) {
	base := craftLayer(t, craftTar(t, map[string]string{
		"opt/": "", "opt/plugins/": "", "opt/plugins/a.so": "plugin a", "opt/plugins/b.so": "plugin b", longName: "long",
	}), compression.GZip)
	opaque := craftLayer(t, craftTar(t, map[string]string{
		"opt/plugins/": "", "opt/plugins/.wh..wh..opq": "", "opt/plugins/c.so": "plugin c", longName + ".new": "long too",
	}), compression.ZStd)
	index := func(arm64 ...v1.Layer) v1.ImageIndex {
		return mutate.AppendManifests(empty.Index,
			mutate.IndexAddendum{Add: craftImage(t, "amd64", base), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
			mutate.IndexAddendum{Add: craftImage(t, "arm64", arm64...), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}},
		)
	}
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	for tag, idx := range map[string]v1.ImageIndex{"v1": index(base), "v2": index(base, opaque)} {
		if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag})); err != nil {
			t.Fatal(err)
		}
	}

	code, out, errOut := layerdiffCmd(t, "--platform", "linux/arm64", "--format", "json", "oci:"+dir+":v1", "oci:"+dir+":v2")
	if code != exitDifferent {
		t.Fatalf("arm64: exit %d: %s", code, errOut)
	}
	var rep layerdiff.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]layerdiff.Change{}
	for _, f := range rep.Files {
		got[f.Path] = f.Change
	}
	want := map[string]layerdiff.Change{"opt/plugins/a.so": layerdiff.Deleted, "opt/plugins/b.so": layerdiff.Deleted, "opt/plugins/c.so": layerdiff.Added,
		longName + ".new": layerdiff.Added}
	if len(got) != len(want) {
		t.Errorf("arm64 changes %v, want %v", got, want)
	}
	for p, c := range want {
		if got[p] != c {
			t.Errorf("%s: %q, want %q (the zstd layer's opaque directory hides the gzip layer's plugins)", p, got[p], c)
		}
	}
	if rep.B.Platform != "linux/arm64" || rep.Summary.SharedLayers != 1 {
		t.Errorf("platform %q, shared layers %d", rep.B.Platform, rep.Summary.SharedLayers)
	}
	if code, _, errOut := layerdiffCmd(t, "--platform", "linux/amd64", "oci:"+dir+":v1", "oci:"+dir+":v2"); code != exitSame {
		t.Errorf("amd64: exit %d, want 0 (same image): %s", code, errOut)
	}
	code, _, errOut = layerdiffCmd(t, "--platform", "linux/s390x", "oci:"+dir+":v1", "oci:"+dir+":v2")
	if code != exitError || !strings.Contains(errOut, "arm64") {
		t.Errorf("missing platform: exit %d, stderr %q; want 2 and the available platforms", code, errOut)
	}
}
