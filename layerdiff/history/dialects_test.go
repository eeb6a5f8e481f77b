package history

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/layerdiff"
)

// TestAlignBuilderDialects builds testdata/history/dialects with buildah and with BuildKit on top of the base
// image and aligns each result with its Dockerfile: a final stage FROM an earlier stage, RUN --mount,
// exec-form RUN, SHELL, ONBUILD, a relative WORKDIR and COPY. It also checks the leftovers and waste the
// Dockerfile makes on purpose.
func TestAlignBuilderDialects(t *testing.T) {
	if testing.Short() {
		t.Skip("builds images with buildah and BuildKit")
	}
	for _, b := range realBuilders(t) {
		t.Run(b.name, func(t *testing.T) {
			checkDialects(t, buildImage(t, b, "dialects", "Dockerfile", "dialects:"+b.name), b.name)
		})
	}
}

func checkDialects(t *testing.T, img *layerdiff.Image, builder string) {
	dfPath := filepath.Join(testdata, "history", "dialects", "Dockerfile")
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
	// Every instruction but the two FROMs has a step, and buildah records them all (ONBUILD and ARG too);
	// BuildKit records all but ONBUILD, and makes a layer for WORKDIR.
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
		if onbuild := s.Command == "ONBUILD" && builder == "buildkit"; (s.History < 0) != onbuild {
			t.Errorf("line %d (%s): history entry %d", l, s.Instruction, s.History)
		}
		layered := s.Command == "RUN" || s.Command == "COPY" || (s.Command == "WORKDIR" && builder == "buildkit")
		if layered == (s.Layer < 0) {
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
	for _, w := range wastedFiles(t, img) {
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
