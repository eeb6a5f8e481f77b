package source

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"runtime"
	"sort"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// ociSaveStream writes the tar Docker 25 and later write for `docker save` with the containerd image store:
// an OCI layout (blobs/sha256/..., index.json, oci-layout) plus a manifest.json in the classic form whose
// paths point at the blobs. The daemon the tests run (Debian's 20.10) writes the classic form only, so this
// form is tested from this crafted stream: the blobs are the real image's, its layers gzip-compressed as a
// registry would hold them.
func ociSaveStream(t *testing.T, img v1.Image, withManifestJSON bool) (stream []byte, manifestDigest v1.Hash) {
	t.Helper()
	files := map[string][]byte{}
	blob := func(b []byte) (v1.Hash, string) {
		h := sha256Of(b)
		name := "blobs/sha256/" + h.Hex
		files[name] = b
		return h, name
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfgDigest, cfgName := blob(cfg)
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	man := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
		Config: v1.Descriptor{MediaType: types.OCIConfigJSON, Size: int64(len(cfg)), Digest: cfgDigest}}
	var layerNames []string
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		h, name := blob(b)
		layerNames = append(layerNames, name)
		man.Layers = append(man.Layers, v1.Descriptor{MediaType: types.OCILayer, Size: int64(len(b)), Digest: h})
	}
	rawMan, _ := json.Marshal(man)
	manDigest, _ := blob(rawMan)
	// An index of the image and an attestation manifest, as BuildKit pushes them.
	attest, _ := json.Marshal(v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
		Config: v1.Descriptor{MediaType: types.OCIConfigJSON, Size: int64(len(cfg)), Digest: cfgDigest}})
	attestDigest, _ := blob(attest)
	idx, _ := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{
		{MediaType: types.OCIManifestSchema1, Size: int64(len(rawMan)), Digest: manDigest,
			Platform: &v1.Platform{OS: "linux", Architecture: runtime.GOARCH}},
		{MediaType: types.OCIManifestSchema1, Size: int64(len(attest)), Digest: attestDigest,
			Platform: &v1.Platform{OS: "unknown", Architecture: "unknown"}},
	}})
	idxDigest, _ := blob(idx)
	top, _ := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{
		{MediaType: types.OCIImageIndex, Size: int64(len(idx)), Digest: idxDigest},
	}})
	files["index.json"] = top
	files["oci-layout"] = []byte(`{"imageLayoutVersion":"1.0.0"}`)
	if withManifestJSON {
		files["manifest.json"], _ = json.Marshal([]saveManifestEntry{{Config: cfgName, RepoTags: []string{"app:v2"}, Layers: layerNames}})
	}
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(files[n])
	}
	tw.Close()
	return buf.Bytes(), idxDigest
}

// TestSaveStreamOCI reads the OCI form of a save stream, with and without manifest.json, in one pass: each
// layer blob, gzip-compressed, is recognised by sniffing and handed over; the config is found through the
// index (skipping the attestation manifest) and checked against the image ID, here the index's digest as
// the containerd store has it.
func TestSaveStreamOCI(t *testing.T) {
	img, err := OpenString(context.Background(), buildahArchive(t, "app-v2.tar"))
	if err != nil {
		t.Fatal(err)
	}
	wantCfg, _ := img.RawConfigFile()
	cfg, _ := img.ConfigFile()
	for _, withManifestJSON := range []bool{true, false} {
		stream, id := ociSaveStream(t, img, withManifestJSON)
		diffIDOf := map[string]v1.Hash{}
		sc, err := readSaveStream(context.Background(), bytes.NewReader(stream), func(name string, r io.Reader) error {
			rc, err := decompressStored(io.NopCloser(r))
			if err != nil {
				return err
			}
			b, err := io.ReadAll(rc)
			diffIDOf[name] = sha256Of(b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		m, err := sc.meta(id, v1.Platform{OS: "linux", Architecture: runtime.GOARCH})
		if err != nil {
			t.Fatalf("manifest.json %v: %v", withManifestJSON, err)
		}
		if !bytes.Equal(m.Config, wantCfg) {
			t.Errorf("manifest.json %v: config differs", withManifestJSON)
		}
		if len(m.Layers) != len(cfg.RootFS.DiffIDs) {
			t.Fatalf("manifest.json %v: %d layers, want %d", withManifestJSON, len(m.Layers), len(cfg.RootFS.DiffIDs))
		}
		for i, name := range m.Layers {
			if diffIDOf[name] != cfg.RootFS.DiffIDs[i] {
				t.Errorf("manifest.json %v: layer %d (%s) streamed as %s, want %s", withManifestJSON, i+1, name, diffIDOf[name], cfg.RootFS.DiffIDs[i])
			}
		}
		if _, err := sc.meta(sha256Of([]byte("another image")), v1.Platform{OS: "linux", Architecture: runtime.GOARCH}); err == nil {
			t.Errorf("manifest.json %v: a stream of another image ID was accepted", withManifestJSON)
		}
	}
}

// TestSaveStreamClassic reads a classic `docker save` stream (a buildah archive has the same form) and checks
// that links, as Docker writes them for a layer the image holds twice, resolve to the file holding the bytes.
func TestSaveStreamClassic(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	layer := tarOf(map[string]string{"a.txt": "a"})
	cfg := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` +
		sha256Of(layer).String() + `","` + sha256Of(layer).String() + `"]}}`)
	id := sha256Of(cfg)
	l1, l2 := "1111111111111111111111111111111111111111111111111111111111111111", "2222222222222222222222222222222222222222222222222222222222222222"
	write := func(h *tar.Header, b []byte) {
		h.Size = int64(len(b))
		tw.WriteHeader(h)
		tw.Write(b)
	}
	write(&tar.Header{Name: id.Hex + ".json", Typeflag: tar.TypeReg, Mode: 0o644}, cfg)
	write(&tar.Header{Name: l1 + "/layer.tar", Typeflag: tar.TypeReg, Mode: 0o644}, layer)
	write(&tar.Header{Name: l2 + "/layer.tar", Typeflag: tar.TypeSymlink, Linkname: "../" + l1 + "/layer.tar"}, nil)
	man, _ := json.Marshal([]saveManifestEntry{{Config: id.Hex + ".json", Layers: []string{l1 + "/layer.tar", l2 + "/layer.tar"}}})
	write(&tar.Header{Name: "manifest.json", Typeflag: tar.TypeReg, Mode: 0o644}, man)
	tw.Close()
	streamed := 0
	sc, err := readSaveStream(context.Background(), &buf, func(string, io.Reader) error { streamed++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	m, err := sc.meta(id, v1.Platform{})
	if err != nil {
		t.Fatal(err)
	}
	if streamed != 1 || len(m.Layers) != 2 || m.Layers[0] != l1+"/layer.tar" || m.Layers[1] != l1+"/layer.tar" {
		t.Errorf("streamed %d layers, layers %v: want 1 streamed and both from %s/layer.tar", streamed, m.Layers, l1)
	}
	if _, err := sc.meta(sha256Of([]byte("x")), v1.Platform{}); err == nil {
		t.Error("a config that is not the image ID was accepted")
	}
}

// tarOf writes a tar of files, in name order.
func tarOf(files map[string]string) []byte {
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg})
		tw.Write([]byte(files[n]))
	}
	tw.Close()
	return buf.Bytes()
}

// FuzzSaveStream feeds arbitrary bytes to the save-stream reader and its resolution: errors are fine, a
// panic or a kept JSON beyond the limits is not.
func FuzzSaveStream(f *testing.F) {
	f.Add(tarOf(map[string]string{"manifest.json": `[{"Config":"a.json","Layers":["b/layer.tar"]}]`}))
	f.Add(tarOf(map[string]string{"index.json": `{"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:` + sha256Of(nil).Hex + `"}]}`}))
	f.Add([]byte("not a tar"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sc, err := readSaveStream(context.Background(), bytes.NewReader(b), func(_ string, r io.Reader) error {
			_, err := io.Copy(io.Discard, r)
			return err
		})
		if err != nil {
			return
		}
		if sc.kept > maxSaveJSONTotal {
			t.Fatalf("kept %d bytes of JSON", sc.kept)
		}
		sc.meta(v1.Hash{}, v1.Platform{OS: "linux", Architecture: "amd64"})
		sc.meta(sha256Of(b), v1.Platform{})
	})
}
