package history

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/layerdiff"
)

// variant is the fixture Dockerfile edited one way, and what prefix alignment must make of it.
type variant struct {
	name string
	edit func(string) string
	// divergedAt is the start of the line that differs first ("" when the whole Dockerfile matches);
	// matched counts the instructions the image still holds, stale the image's entries left over.
	divergedAt string
	matched    int
	stale      int
	rebuild    string
	// only limits the variant to one builder; opts are extra Align options.
	only string
	opts func(t *testing.T) []Option
}

func replace(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic("fixture lacks " + old)
		}
		return strings.Replace(s, old, new, 1)
	}
}

// TestPrefixAlignment builds testdata/history/prefix with buildah and with BuildKit, then aligns the image with
// the Dockerfile edited in every way a user edits one: a line inserted in the middle, appended, deleted,
// edited, the first instruction edited, the last lines dropped, another FROM. Lines above the first difference
// keep the step (history entry, layer) the unedited Dockerfile has; from it on no instruction has one, each
// says why, and the image's own entries that are left are Stale.
func TestPrefixAlignment(t *testing.T) {
	if testing.Short() {
		t.Skip("builds images with buildah and BuildKit")
	}
	src, err := os.ReadFile(filepath.Join(testdata, "history", "prefix", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	orig := string(src)
	baseCfg := readImage(t, filepath.Join(testdata, "images", "base.tar")).Config
	otherCfg := readImage(t, filepath.Join(testdata, "images", "app-v1.tar")).Config
	variants := []variant{
		{name: "unchanged", edit: func(s string) string { return s }, matched: 9},
		{name: "edited", edit: replace("RUN echo one", "RUN echo uno"), divergedAt: "RUN echo uno", matched: 3,
			stale: 6, rebuild: "instruction changed"},
		{name: "inserted in the middle", edit: replace("COPY a.txt ./\n", "COPY a.txt ./\nRUN echo new > /new.txt\n"),
			divergedAt: "RUN echo new", matched: 3, stale: 6, rebuild: "new instruction"},
		{name: "appended", edit: func(s string) string { return s + "RUN echo last > /last.txt\n" },
			divergedAt: "RUN echo last", matched: 9, rebuild: "new instruction"},
		{name: "deleted", edit: replace("RUN echo one > /app/one.txt\n", ""), divergedAt: "ENV STAGE", matched: 3,
			stale: 6, rebuild: "a step above was removed"},
		{name: "first instruction edited", edit: replace("ARG MODE=dev", "ARG PROFILE=dev"), divergedAt: "ARG PROFILE",
			stale: 9, rebuild: "instruction changed"},
		{name: "last lines dropped: the Dockerfile matches part of the history",
			edit: replace("RUN echo two > /app/two.txt\nLABEL x=1\nCMD [\"cat\", \"/app/one.txt\"]\n", ""), matched: 6, stale: 3},
		{name: "another FROM, seen by buildah's mark", only: "buildah",
			edit:       replace("FROM localhost/layerlint/base:latest", "FROM localhost/layerlint/other:latest"),
			divergedAt: "FROM", stale: 9, rebuild: "base image changed"},
		{name: "another FROM, unseen in BuildKit's history", only: "buildkit",
			edit: replace("FROM localhost/layerlint/base:latest", "FROM localhost/layerlint/other:latest"), matched: 9},
		{name: "the base image's config given", edit: func(s string) string { return s }, matched: 9,
			opts: func(*testing.T) []Option { return []Option{WithBase(baseCfg)} }},
		{name: "another base image's config given", edit: func(s string) string { return s },
			divergedAt: "FROM", stale: 9, rebuild: "base image changed",
			opts: func(*testing.T) []Option { return []Option{WithBase(otherCfg)} }},
	}
	for _, b := range realBuilders(t) {
		t.Run(b.name, func(t *testing.T) {
			img := buildImage(t, b, "prefix", "Dockerfile", "prefix:"+b.name)
			full, err := AlignPrefix(img, parseDockerfile(t, orig))
			if err != nil {
				t.Fatal(err)
			}
			if !full.Complete() || full.Start != 6 {
				t.Fatalf("unedited Dockerfile: complete %v, start %d (boundary %s), want complete from entry 6: %v",
					full.Complete(), full.Start, full.Boundary, full.Err())
			}
			wantBuilder := map[string]Builder{"buildah": BuilderBuildah, "buildkit": BuilderBuildKit}[b.name]
			if full.Builder != wantBuilder {
				t.Errorf("builder %s, want %s", full.Builder, wantBuilder)
			}
			byText := map[string]Step{}
			for _, s := range full.Steps {
				if s.Line > 0 {
					byText[s.Instruction] = s
				}
			}
			for _, v := range variants {
				if v.only != "" && v.only != b.name {
					continue
				}
				t.Run(v.name, func(t *testing.T) {
					text := v.edit(orig)
					var opts []Option
					if v.opts != nil {
						opts = v.opts(t)
					}
					a, err := AlignPrefix(img, parseDockerfile(t, text), opts...)
					if err != nil {
						t.Fatal(err)
					}
					checkPrefix(t, img, text, a, v, byText)
				})
			}
		})
	}
}

func checkPrefix(t *testing.T, img *layerdiff.Image, text string, a *Alignment, v variant, byText map[string]Step) {
	t.Helper()
	divergedLine := 0
	if v.divergedAt != "" {
		divergedLine = lineOf(t, text, v.divergedAt)
	}
	switch {
	case divergedLine == 0 && a.Diverged != nil:
		t.Fatalf("diverged at line %d: %v; want no difference", a.Diverged.Line, a.Diverged)
	case divergedLine != 0 && (a.Diverged == nil || a.Diverged.Line != divergedLine):
		t.Fatalf("diverged %v (boundary %s, start %d), want line %d", a.Diverged, a.Boundary, a.Start, divergedLine)
	}
	if a.Matched != v.matched || a.Stale != v.stale {
		t.Errorf("matched %d instructions, %d stale entries; want %d and %d (boundary %s, start %d)",
			a.Matched, a.Stale, v.matched, v.stale, a.Boundary, a.Start)
	}
	if a.Start != 6 {
		t.Errorf("start %d (boundary %s), want 6: the base image has 6 entries", a.Start, a.Boundary)
	}
	if (a.Err() == nil) != a.Complete() || a.Complete() != (v.divergedAt == "" && v.stale == 0) {
		t.Errorf("complete %v, err %v", a.Complete(), a.Err())
	}
	// Every history entry once, in order; every instruction once.
	next, lines := 0, map[int]bool{}
	for _, s := range a.Steps {
		if s.History >= 0 {
			if s.History != next {
				t.Fatalf("history entry %d where %d was due: %+v", s.History, next, s)
			}
			next++
			if s.Base != (s.History < a.Start) || (s.Stale && s.Line > 0) {
				t.Errorf("entry %d: base %v stale %v line %d", s.History, s.Base, s.Stale, s.Line)
			}
		}
		if s.Line > 0 {
			if lines[s.Line] {
				t.Errorf("line %d twice", s.Line)
			}
			lines[s.Line] = true
		}
	}
	if next != len(img.Config.History) || len(lines) != a.Instructions {
		t.Errorf("%d of %d entries, %d of %d instructions", next, len(img.Config.History), len(lines), a.Instructions)
	}
	for _, s := range a.Steps {
		if s.Line == 0 {
			continue
		}
		before := divergedLine == 0 || s.Line < divergedLine
		if before {
			want, ok := byText[s.Instruction]
			if !ok || s.History != want.History || s.Layer != want.Layer || s.Size != want.Size || s.Rebuild != "" {
				t.Errorf("line %d %q: history %d layer %d size %d rebuild %q; want the unedited Dockerfile's step %+v",
					s.Line, s.Instruction, s.History, s.Layer, s.Size, s.Rebuild, want)
			}
			continue
		}
		if s.History >= 0 || s.Layer >= 0 || s.Size != 0 {
			t.Errorf("line %d after the difference has a step: %+v", s.Line, s)
		}
		want := "after line " + strconv.Itoa(divergedLine)
		if s.Line == firstInstructionFrom(a, divergedLine) {
			want = v.rebuild
		}
		if s.Rebuild != want {
			t.Errorf("line %d: rebuild %q, want %q", s.Line, s.Rebuild, want)
		}
	}
}

// firstInstructionFrom returns the first instruction line at or after line n.
func firstInstructionFrom(a *Alignment, n int) int {
	first := 0
	for _, s := range a.Steps {
		if s.Line >= n && (first == 0 || s.Line < first) {
			first = s.Line
		}
	}
	return first
}

// TestPrefixMultiStage aligns a multi-stage build whose final stage reads the build stage with COPY --from:
// only the final stage's instructions are in the image, so an edit of the build stage leaves the alignment
// whole, and an edit of the final stage ends it there.
func TestPrefixMultiStage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds images with buildah and BuildKit")
	}
	src, err := os.ReadFile(filepath.Join(testdata, "history", "prefix", "multi.Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	orig := string(src)
	for _, b := range realBuilders(t) {
		t.Run(b.name, func(t *testing.T) {
			img := buildImage(t, b, "prefix", "multi.Dockerfile", "prefix-multi:"+b.name)
			for _, tt := range []struct {
				name, text string
				diverged   string
				matched    int
			}{
				{"unchanged", orig, "", 3},
				{"build stage edited", strings.Replace(orig, "echo built", "echo BUILT", 1), "", 3},
				{"final stage edited", strings.Replace(orig, "echo final", "echo FINAL", 1), "RUN echo FINAL", 1},
			} {
				a, err := AlignPrefix(img, parseDockerfile(t, tt.text))
				if err != nil {
					t.Fatal(err)
				}
				line := 0
				if tt.diverged != "" {
					line = lineOf(t, tt.text, tt.diverged)
				}
				got := 0
				if a.Diverged != nil {
					got = a.Diverged.Line
				}
				if got != line || a.Matched != tt.matched || a.Start != 6 || a.Instructions != 3 {
					t.Errorf("%s: diverged at line %d, matched %d of %d from entry %d; want line %d, %d of 3 from entry 6",
						tt.name, got, a.Matched, a.Instructions, a.Start, line, tt.matched)
				}
				for _, s := range a.Steps {
					if s.Line > 0 && s.Stage != 1 {
						t.Errorf("%s: line %d of stage %d aligned; only the final stage is in the image", tt.name, s.Line, s.Stage)
					}
				}
			}
		})
	}
}
