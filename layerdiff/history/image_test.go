package history

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/source"
)

const testdata = "../../testdata"

func readImage(t *testing.T, ref string) *layerdiff.Image {
	t.Helper()
	src, err := source.OpenString(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := layerdiff.NewReader().ReadImage(context.Background(), ref, src)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func readDockerfile(t *testing.T, name string) *parser.Result {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	df, err := parser.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return df
}

// TestAlignTestdataImages aligns the real buildah-built images with their Dockerfiles and checks every step
// against the history and the layers, and the measurements against a slow, obvious recomputation.
func TestAlignTestdataImages(t *testing.T) {
	for _, name := range []string{"base", "app-v1", "app-v2"} {
		t.Run(name, func(t *testing.T) {
			img := readImage(t, filepath.Join(testdata, "images", name+".tar"))
			df := readDockerfile(t, filepath.Join(testdata, "images", name, "Dockerfile"))
			steps, err := Align(img, df)
			if err != nil {
				t.Fatal(err)
			}
			if len(steps) != len(img.Config.History) {
				t.Fatalf("%d steps for %d history entries", len(steps), len(img.Config.History))
			}
			layers := 0
			for i, s := range steps {
				if s.History != i || s.CreatedBy != img.Config.History[i].CreatedBy {
					t.Fatalf("step %d has history entry %d", i, s.History)
				}
				if s.Layer >= 0 {
					if s.Layer != layers || s.DiffID != img.Layers[s.Layer].DiffID.String() {
						t.Errorf("step %d: layer %d %s, want %d", i, s.Layer, s.DiffID, layers)
					}
					layers++
				}
				if s.Base {
					continue
				}
				// The history entry names the same instruction as the Dockerfile line.
				if cb := ParseCreatedBy(s.CreatedBy); cb.Command != s.Command {
					t.Errorf("line %d %s aligned with %q", s.Line, s.Command, s.CreatedBy)
				}
				if !strings.HasPrefix(strings.ToUpper(s.Instruction), s.Command) {
					t.Errorf("line %d: instruction %q, command %s", s.Line, s.Instruction, s.Command)
				}
			}
			if layers != len(img.Layers) {
				t.Errorf("%d layers aligned, image has %d", layers, len(img.Layers))
			}
			checkMeasurements(t, img, steps)
		})
	}
}

// checkMeasurements recomputes each layer's changes by merging every prefix of the layers (quadratic, but
// plainly right) and each file's waste by looking at every later layer.
func checkMeasurements(t *testing.T, streamed *layerdiff.Image, steps []Step) {
	t.Helper()
	img := inMemory(t, streamed)
	for _, s := range steps {
		if s.Layer < 0 {
			if s.Size != 0 || s.Files != 0 || s.Wasted != 0 {
				t.Errorf("empty step %+v has measurements", s)
			}
			continue
		}
		k := s.Layer
		below := layerdiff.MergeLayers(img.Layers[:k])
		above := layerdiff.MergeLayers(img.Layers[:k+1])
		var added, modified, files int
		var size, wasted int64
		for _, e := range img.Layers[k].Entries {
			n, ok := below.Lookup(e.Path)
			switch {
			case !ok:
				added++
			case !e.IsDir() || !n.IsDir():
				modified++
			}
			if !e.IsDir() {
				files++
			}
			if e.Type == layerdiff.TypeFile {
				size += e.Size
				if overwrittenOrDeleted(img, k, e.Path) {
					wasted += e.Size
				}
			}
		}
		deleted := 0
		for _, n := range below.Nodes {
			if _, ok := above.Lookup(n.Path); !ok {
				deleted++
			}
		}
		// A path the layer deletes and writes again counts as deleted too.
		for _, n := range below.Nodes {
			if _, ok := above.Lookup(n.Path); ok && removedBy(img, k, n.Path) {
				deleted++
			}
		}
		if s.Added != added || s.Modified != modified || s.Deleted != deleted || s.Files != files || s.Size != size || s.Wasted != wasted {
			t.Errorf("layer %d (line %d): got +%d ~%d -%d files %d size %d wasted %d, want +%d ~%d -%d files %d size %d wasted %d",
				k, s.Line, s.Added, s.Modified, s.Deleted, s.Files, s.Size, s.Wasted, added, modified, deleted, files, size, wasted)
		}
	}
}

// removedBy reports whether layer k whites out p (or a parent of p) and writes p again.
func removedBy(img *memImage, k int, p string) bool {
	for _, w := range img.Layers[k].Whiteouts {
		if w == p || layerdiff.IsUnder(p, w) {
			return true
		}
	}
	return false
}

// overwrittenOrDeleted reports whether a layer above k writes p or deletes it (or a directory above it), or
// replaces a parent directory of p with a non-directory.
func overwrittenOrDeleted(img *memImage, k int, p string) bool {
	for j := k + 1; j < len(img.Layers); j++ {
		l := img.Layers[j]
		if _, ok := l.Lookup(p); ok {
			return true
		}
		for _, w := range append(append([]string{}, l.Whiteouts...), l.Opaques...) {
			if w == p || layerdiff.IsUnder(p, w) {
				return true
			}
		}
		for dir := p; strings.Contains(dir, "/"); {
			dir = dir[:strings.LastIndexByte(dir, '/')]
			if e, ok := l.Lookup(dir); ok && !e.IsDir() {
				return true
			}
		}
	}
	return false
}

func TestWastedFilesAppV2(t *testing.T) {
	streamed := readImage(t, filepath.Join(testdata, "images", "app-v2.tar"))
	wasted := wastedFiles(t, streamed)
	if len(wasted) == 0 {
		t.Fatal("app-v2 wastes nothing, but its later RUN deletes files created earlier")
	}
	img := inMemory(t, streamed)
	tree := img.Tree()
	var total int64
	for i, w := range wasted {
		if i > 0 && w.Size > wasted[i-1].Size {
			t.Errorf("not sorted by size: %+v after %+v", w, wasted[i-1])
		}
		if !overwrittenOrDeleted(img, w.Layer, w.Path) {
			t.Errorf("%+v: no later layer overwrites or deletes it", w)
		}
		n, visible := tree.Lookup(w.Path)
		if w.Deleted == visible || (visible && n.Layer != w.By) || w.By <= w.Layer {
			t.Errorf("%+v: visible %v in layer %d", w, visible, n.Layer)
		}
		total += w.Size
	}
	// Every file of every layer is either visible from its own layer or wasted.
	var stored, seen int64
	for k, l := range img.Layers {
		for _, e := range l.Entries {
			if e.Type != layerdiff.TypeFile {
				continue
			}
			stored += e.Size
			if n, ok := tree.Lookup(e.Path); ok && n.Layer == k {
				seen += e.Size
			}
		}
	}
	if stored-seen != total {
		t.Errorf("wasted %d bytes, want stored %d - seen %d = %d", total, stored, seen, stored-seen)
	}
}

func TestAlignMismatchedDockerfile(t *testing.T) {
	name := filepath.Join(testdata, "history", "mismatch", "Dockerfile")
	want := lineAfter(t, name, "# want mismatch")
	img := readImage(t, filepath.Join(testdata, "images", "app-v2.tar"))
	_, err := Align(img, readDockerfile(t, name))
	var me *MismatchError
	if !errors.As(err, &me) {
		t.Fatalf("err = %v, want a *MismatchError", err)
	}
	if me.Line != want || me.History < 0 || me.CreatedBy != img.Config.History[me.History].CreatedBy ||
		!strings.Contains(me.CreatedBy, "v2.html") {
		t.Errorf("mismatch at line %d, history entry %d %q; want line %d and the entry of the RUN writing v2.html",
			me.Line, me.History, me.CreatedBy, want)
	}
}

// lineAfter returns the number of the line after the first line that starts with marker.
func lineAfter(t *testing.T, name, marker string) int {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.HasPrefix(sc.Text(), marker) {
			return n + 1
		}
	}
	t.Fatalf("%s: no line starts with %q", name, marker)
	return 0
}
