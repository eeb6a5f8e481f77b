package lsp_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/layerlint/layerlint/internal/buildahtest"
	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/history"
	"github.com/layerlint/layerlint/layerdiff/source"
	"github.com/layerlint/layerlint/lsp"
)

// estimateDockerfile copies context files in three ways: a directory (with a symlink, an empty file and a
// file .dockerignore excludes), one file by name, and a glob.
const estimateDockerfile = `FROM localhost/layerlint/base:latest
COPY app/ /app/
COPY notes.txt /srv/notes.txt
COPY conf/*.conf /etc/app/
RUN echo built > /built
`

// estimateContext writes the context estimateDockerfile copies from.
func estimateContext(t testing.TB, dir string) {
	files := map[string]string{
		"Dockerfile":       estimateDockerfile,
		".dockerignore":    "app/big.bin\n*.log\n",
		"app/main.py":      strings.Repeat("print('hello')\n", 2000),
		"app/lib/util.py":  strings.Repeat("def f(): pass\n", 700),
		"app/empty":        "",
		"app/big.bin":      strings.Repeat("x", 3<<20), // excluded by .dockerignore
		"app/debug.log":    strings.Repeat("log\n", 5000),
		"notes.txt":        strings.Repeat("a note\n", 900),
		"conf/a.conf":      "a=1\n",
		"conf/b.conf":      strings.Repeat("b=2\n", 300),
		"conf/c.txt":       "not copied\n",
		"unused/other.txt": strings.Repeat("z", 9999),
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("main.py", filepath.Join(dir, "app", "link.py")); err != nil {
		t.Fatal(err)
	}
}

var estimateBytes = regexp.MustCompile(`^estimate: (\d+) bytes in (\d+) context files`)

// TestCopyEstimateMatchesTheBuild opens a Dockerfile that has never been built, with no configuration: each
// COPY of context files shows an estimate ("≈30 kB") of the bytes it will add. Then buildah builds it, and
// each estimate must be the size of the layer the COPY made, measured in the image.
func TestCopyEstimateMatchesTheBuild(t *testing.T) {
	dir := t.TempDir()
	estimateContext(t, dir)
	path := filepath.Join(dir, "Dockerfile")
	c := startServer(t, dir, nil)
	u := c.open(path, estimateDockerfile)
	hs := c.waitHints(u, func(hs []lsp.InlayHint) bool {
		n := 0
		for _, h := range hs {
			if strings.HasPrefix(h.Label, "≈") {
				n++
			}
		}
		return n == 3
	})
	estimates := map[int]int64{}
	for _, h := range hs {
		if !strings.HasPrefix(h.Label, "≈") {
			continue
		}
		m := estimateBytes.FindStringSubmatch(fmt.Sprint(h.Tooltip))
		if m == nil {
			t.Fatalf("line %d: estimate %q has tooltip %v", h.Position.Line+1, h.Label, h.Tooltip)
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		estimates[int(h.Position.Line)+1] = n
		if want := "≈" + layerdiff.FormatSize(n); h.Label != want {
			t.Errorf("line %d: label %q, want %q", h.Position.Line+1, h.Label, want)
		}
	}
	for line, labels := range hintsByLine(hs) {
		for _, l := range labels {
			if strings.HasPrefix(l, "+") {
				t.Errorf("line %d: size %q without an image", line, l)
			}
		}
	}

	b := buildahtest.New(t)
	b.LoadArchive(filepath.Join(repoRoot(t), "testdata", "images", "base.tar"), "localhost/layerlint/base:latest")
	b.Build(path, dir, "localhost/layerls-estimate:latest", "--timestamp", "0")
	archive := filepath.Join(t.TempDir(), "estimate.tar")
	b.Archive("localhost/layerls-estimate:latest", archive, "layerls-estimate:latest")
	src, err := source.OpenString(context.Background(), archive)
	if err != nil {
		t.Fatal(err)
	}
	img, err := layerdiff.NewReader().ReadImage(context.Background(), archive, src)
	if err != nil {
		t.Fatal(err)
	}
	ast, err := parser.Parse(strings.NewReader(estimateDockerfile))
	if err != nil {
		t.Fatal(err)
	}
	steps, err := history.Align(img, ast)
	if err != nil {
		t.Fatal(err)
	}
	measured := 0
	for _, st := range steps {
		want, ok := estimates[st.Line]
		if st.Line == 0 || !ok {
			continue
		}
		measured++
		t.Logf("line %d (%s): estimate %d bytes, layer %d", st.Line, st.Instruction, want, st.Size)
		if st.Size != want {
			t.Errorf("line %d (%s): estimate %d bytes, the built layer adds %d", st.Line, st.Instruction, want, st.Size)
		}
	}
	if measured != 3 {
		t.Errorf("%d of 3 estimates compared with a built layer (estimates %v)", measured, estimates)
	}
}
