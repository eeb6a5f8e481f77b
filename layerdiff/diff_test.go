package layerdiff

import (
	"context"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

func craftedPair(t *testing.T) (a, b v1.Image) {
	base := makeTar(t, dir("bin"), file("bin/sh", "shell"), dir("etc"), file("etc/passwd", "root:x:0:0\n"),
		file("etc/motd", "hello"), dir("var"), dir("var/cache"), file("var/cache/big", strings.Repeat("c", 4096)))
	appA := makeTar(t, dir("app"), file("app/main.js", "console.log(1)\n"), file("app/old.txt", "old"),
		symlink("app/current", "v1"), file("app/conf", "a file in A"), te{name: "app/run.sh", body: "#!/bin/sh\n", mode: 0o644},
		te{name: "app/owned", body: "o"}, te{name: "app/touched", body: "same", mtime: 1})
	appB := makeTar(t, dir("app"), file("app/main.js", "console.log(2)\n"), file("app/new.txt", "new"),
		symlink("app/current", "v2"), dir("app/conf"), file("app/conf/settings", "now a directory"),
		te{name: "app/run.sh", body: "#!/bin/sh\n", mode: 0o755}, te{name: "app/owned", body: "o", uid: 1000},
		te{name: "app/touched", body: "same", mtime: 2})
	cleanup := makeTar(t, file("var/.wh.cache", ""), file("etc/.wh.motd", ""))
	a = image(t, v1.Config{Env: []string{"PATH=/bin", "MODE=dev"}, Cmd: []string{"node", "main.js"}, ExposedPorts: map[string]struct{}{"80/tcp": {}}}, base, appA)
	b = image(t, v1.Config{Env: []string{"PATH=/bin", "MODE=prod"}, Cmd: []string{"node", "main.js"}, User: "app", ExposedPorts: map[string]struct{}{"8080/tcp": {}}}, base, appB, cleanup)
	return a, b
}

func TestDiff(t *testing.T) {
	ia, ib := craftedPair(t)
	a, b := read(t, "a", ia), read(t, "b", ib)
	rep := diff(t, a, b)
	got := map[string]FileChange{}
	for _, f := range rep.Files {
		got[f.Path] = f
	}
	want := map[string]string{ // path -> change [what]
		"app/main.js":       "modified content",
		"app/old.txt":       "deleted",
		"app/new.txt":       "added",
		"app/current":       "modified link",
		"app/conf":          "modified type,mode",
		"app/conf/settings": "added",
		"app/run.sh":        "modified mode",
		"app/owned":         "modified owner",
		"var/cache":         "deleted",
		"var/cache/big":     "deleted",
		"etc/motd":          "deleted",
	}
	for p, w := range want {
		f, ok := got[p]
		if !ok {
			t.Errorf("%s: not reported, want %s", p, w)
			continue
		}
		desc := string(f.Change)
		if len(f.What) > 0 {
			desc += " " + strings.Join(f.What, ",")
		}
		if desc != w {
			t.Errorf("%s: %s, want %s", p, desc, w)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: reported %s, want no change (an mtime-only change is not a modification)", p, got[p].Change)
		}
	}
	if f := got["var/cache/big"]; f.Layer == nil || f.Layer.Index != 2 || f.Layer.CreatedBy != "step 3" {
		t.Errorf("var/cache/big deleted by %+v, want layer 2 (step 3)", f.Layer)
	}
	if f := got["app/main.js"]; f.Layer == nil || f.Layer.Index != 1 || f.Layer.CreatedBy != "step 2" {
		t.Errorf("app/main.js written by %+v, want layer 1 (step 2)", f.Layer)
	}
	if f := got["app/conf"]; f.TypeA != "file" || f.Type != "dir" {
		t.Errorf("app/conf types %q -> %q", f.TypeA, f.Type)
	}
	s := rep.Summary
	if s.SharedLayers != 1 || s.OnlyALayers != 1 || s.OnlyBLayers != 2 || s.FirstDivergentLayer != 1 {
		t.Errorf("layers: %+v", s)
	}
	if s.SizeA != a.Layers[0].FileBytes+a.Layers[1].FileBytes || s.Growth != s.SizeB-s.SizeA || s.SharedBytes != a.Layers[0].FileBytes {
		t.Errorf("sizes: %+v", s)
	}
	if s.Identical || s.Added != 2 || s.Deleted != 4 || s.Modified != 5 {
		t.Errorf("counts: %+v", s)
	}
	var fields []string
	for _, c := range rep.Config {
		fields = append(fields, c.Field)
	}
	if want := []string{"Env", "User", "ExposedPorts"}; !slices.Equal(fields, want) {
		t.Errorf("config changes %q, want %q", fields, want)
	}
	if env := rep.Config[0]; !slices.Equal(env.Added, []string{"MODE=prod"}) || !slices.Equal(env.Removed, []string{"MODE=dev"}) {
		t.Errorf("env change %+v", env)
	}

	rep = diff(t, a, b, WithMtime(true))
	var mtime bool
	for _, f := range rep.Files {
		if f.Path == "app/touched" && slices.Equal(f.What, []string{"mtime"}) {
			mtime = true
		}
	}
	if !mtime {
		t.Error("WithMtime(true): app/touched not reported as an mtime change")
	}
}

func TestDiffIdentical(t *testing.T) {
	ia, _ := craftedPair(t)
	a := read(t, "a", ia)
	rep := diff(t, a, a)
	if !rep.Summary.Identical || len(rep.Files) != 0 || rep.Summary.FirstDivergentLayer != -1 {
		t.Errorf("an image against itself: %+v", rep.Summary)
	}
}

func TestReaderReadsSharedLayersOnce(t *testing.T) {
	ia, ib := craftedPair(t)
	var layersDone atomic.Int64
	r := NewReader(WithProgress(func(p Progress) { layersDone.Store(int64(p.LayersDone)) }))
	var opened atomic.Int64
	count := func(img v1.Image) v1.Image {
		ls, _ := img.Layers()
		cf, _ := img.ConfigFile()
		out, _ := mutate.ConfigFile(mustAppend(t, ls, &opened), cf)
		return out
	}
	ctx := context.Background()
	if _, err := r.ReadImage(ctx, "a", count(ia)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadImage(ctx, "b", count(ib)); err != nil {
		t.Fatal(err)
	}
	if got := opened.Load(); got != 4 { // base once, appA, appB, cleanup
		t.Errorf("layers opened %d times, want 4", got)
	}
	if got := layersDone.Load(); got != 5 {
		t.Errorf("progress reported %d layers done, want 5", got)
	}
}

func TestReaderVerifiesDiffIDs(t *testing.T) {
	ia, _ := craftedPair(t)
	cf, _ := ia.ConfigFile()
	cf = cf.DeepCopy()
	cf.RootFS.DiffIDs[1] = v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}
	bad, _ := mutate.ConfigFile(ia, cf)
	_, err := NewReader().ReadImage(context.Background(), "bad.tar", bad)
	if err == nil || !strings.Contains(err.Error(), "digest mismatch") || !strings.Contains(err.Error(), "bad.tar: layer 2") {
		t.Errorf("error = %v, want a digest mismatch naming bad.tar and layer 2", err)
	}
	if _, err := NewReader(WithVerify(false)).ReadImage(context.Background(), "bad.tar", bad); err != nil {
		t.Errorf("WithVerify(false): %v", err)
	}
}

func TestListingStore(t *testing.T) {
	ia, _ := craftedPair(t)
	c := NewListingStore(t.TempDir())
	first := read(t, "a", ia, WithListingStore(c))
	var opened atomic.Int64
	ls, _ := ia.Layers()
	cf, _ := ia.ConfigFile()
	counted, _ := mutate.ConfigFile(mustAppend(t, ls, &opened), cf)
	second := read(t, "a", counted, WithListingStore(c))
	if opened.Load() != 0 {
		t.Errorf("with a warm cache, %d layers were opened", opened.Load())
	}
	for i := range first.Layers {
		f, s := materialize(t, first.Layers[i]), materialize(t, second.Layers[i])
		if !slices.Equal(f.Entries, s.Entries) || !slices.Equal(f.Whiteouts, s.Whiteouts) || !slices.Equal(f.Opaques, s.Opaques) ||
			f.TarSize != s.TarSize || f.DiffID != s.DiffID || f.FileBytes != s.FileBytes || len(f.Entries) == 0 {
			t.Errorf("layer %d differs after a cache round trip", i)
		}
	}
}

// openCounter counts how often a layer's bytes are opened.
type openCounter struct {
	v1.Layer
	n *atomic.Int64
}

func (c *openCounter) Compressed() (io.ReadCloser, error) {
	c.n.Add(1)
	return c.Layer.Compressed()
}

func mustAppend(t *testing.T, ls []v1.Layer, n *atomic.Int64) v1.Image {
	t.Helper()
	img := empty.Image
	for _, l := range ls {
		var err error
		img, err = mutate.AppendLayers(img, &openCounter{Layer: l, n: n})
		if err != nil {
			t.Fatal(err)
		}
	}
	return img
}
