package history

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/internal/buildahtest"
)

// TestAlignBuildahDialects builds testdata/history/dialects with buildah on top of the base image and aligns
// the result with its Dockerfile: a final stage FROM an earlier stage, RUN --mount, exec-form RUN, SHELL,
// ONBUILD, a relative WORKDIR and COPY. It also checks the leftovers and waste the Dockerfile makes on purpose.
func TestAlignBuildahDialects(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an image with buildah")
	}
	b := buildahtest.New(t)
	dir := t.TempDir()
	b.LoadArchive(filepath.Join(testdata, "images", "base.tar"), "localhost/layerlint/base:latest")
	ctxDir := filepath.Join(testdata, "history", "dialects")
	b.Build(filepath.Join(ctxDir, "Dockerfile"), ctxDir, "localhost/dialects:test", "--timestamp", "1700000000")
	archive := filepath.Join(dir, "dialects.tar")
	b.Archive("localhost/dialects:test", archive, "dialects:test")

	img := readImage(t, archive)
	dfPath := filepath.Join(ctxDir, "Dockerfile")
	steps, err := Align(img, readDockerfile(t, dfPath))
	if err != nil {
		t.Fatal(err)
	}
	byLine := map[int]Step{}
	for _, s := range steps {
		if !s.Base {
			byLine[s.Line] = s
		}
	}
	// Every instruction but the two FROMs has a step, and buildah records them all (ONBUILD and ARG too).
	lines := instructionLines(t, dfPath)
	if len(byLine) != len(lines) {
		t.Errorf("%d Dockerfile steps, want %d (lines %v)", len(byLine), len(lines), lines)
	}
	for _, l := range lines {
		s, ok := byLine[l]
		if !ok {
			t.Errorf("line %d has no step", l)
			continue
		}
		if s.History < 0 {
			t.Errorf("line %d (%s): no history entry", l, s.Instruction)
		}
		if (s.Command == "RUN" || s.Command == "COPY") == (s.Layer < 0) {
			t.Errorf("line %d (%s): layer %d", l, s.Command, s.Layer)
		}
	}
	first := byLine[lineAfter(t, dfPath, "FROM localhost/layerlint/base")]
	if first.Stage != 0 || first.Leftovers["apt"] <= 0 || first.Leftovers["tmp"] != 8<<10 {
		t.Errorf("first RUN: stage %d leftovers %v, want apt > 0 and tmp 8 KiB", first.Stage, first.Leftovers)
	}
	if first.Wasted != 8<<10 {
		t.Errorf("first RUN wastes %d bytes, want the 8 KiB /tmp/work/big.bin a later RUN deletes", first.Wasted)
	}
	var found bool
	for _, w := range WastedFiles(img) {
		if w.Path == "tmp/work/big.bin" {
			found = true
			if !w.Deleted || w.Layer != first.Layer || byLine[lineAfter(t, dfPath, "RUN --mount")].Layer != w.By {
				t.Errorf("big.bin: %+v", w)
			}
		}
	}
	if !found {
		t.Error("tmp/work/big.bin is not among the wasted files")
	}
}

// instructionLines returns the start lines of a Dockerfile's instructions other than FROM.
func instructionLines(t *testing.T, name string) []int {
	df := readDockerfile(t, name)
	var out []int
	for _, n := range df.AST.Children {
		if !strings.EqualFold(n.Value, "from") {
			out = append(out, n.StartLine)
		}
	}
	return out
}
