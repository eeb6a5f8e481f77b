package lsp_test

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/layerlint/layerlint/internal/buildahtest"
	"github.com/layerlint/layerlint/lsp"
)

// oneFileChanged opens ctxDir/Dockerfile with image and context set by the client's settings, checks that
// every step is cached, changes defaults.conf, tells the server, and returns the hints then, by line.
func oneFileChanged(t *testing.T, image, ctxDir string) (map[int][]string, []int) {
	c := startServer(t, ctxDir, map[string]any{"layerlint": map[string]any{"image": image, "context": ctxDir}})
	path := filepath.Join(ctxDir, "Dockerfile")
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	u := c.open(path, string(text))
	before := c.waitHints(u, func(hs []lsp.InlayHint) bool { return countLabel(hs, "cached") == 20 })
	changed := filepath.Join(ctxDir, "defaults.conf")
	f, err := os.OpenFile(changed, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("# one more line\n")
	f.Close()
	c.notify(protocol.MethodWorkspaceDidChangeWatchedFiles, map[string]any{"changes": []map[string]any{{"uri": fileURI(changed), "type": 2}}})
	after := c.waitHints(u, func(hs []lsp.InlayHint) bool { return countLabel(hs, "cached") < 20 })
	var lines []int
	for line := range hintsByLine(before) {
		lines = append(lines, line)
	}
	sort.Ints(lines)
	c.mu.Lock()
	refreshes := c.refreshes
	c.mu.Unlock()
	if refreshes == 0 {
		t.Errorf("no workspace/inlayHint/refresh although the client supports it")
	}
	return cacheByLine(after), lines
}

func countLabel(hs []lsp.InlayHint, label string) int {
	n := 0
	for _, h := range hs {
		if h.Label == label {
			n++
		}
	}
	return n
}

// cacheByLine keeps the cache hint of each line.
func cacheByLine(hs []lsp.InlayHint) map[int][]string {
	m := map[int][]string{}
	for line, labels := range hintsByLine(hs) {
		for _, l := range labels {
			if l == "cached" || strings.HasPrefix(l, "rebuild") {
				m[line] = append(m[line], l)
			}
		}
	}
	return m
}

// checkOneFileChanged expects "cached" above line 24 (COPY defaults.conf) and "rebuild" from it on.
func checkOneFileChanged(t *testing.T, got map[int][]string, lines []int) {
	t.Helper()
	for _, line := range lines {
		labels := got[line]
		switch {
		case len(labels) != 1:
			t.Errorf("line %d: cache hints %q, want one", line, labels)
		case line < 24 && labels[0] != "cached":
			t.Errorf("line %d: %q, want cached", line, labels[0])
		case line >= 24 && !strings.HasPrefix(labels[0], "rebuild: "):
			t.Errorf("line %d: %q, want rebuild with a reason", line, labels[0])
		}
	}
	if !strings.Contains(strings.Join(got[24], ""), "defaults.conf changed") {
		t.Errorf("line 24: %q, want the reason to name defaults.conf", got[24])
	}
}

// TestOneFileChanged uses the committed app-v2 image with a copy of its context in which defaults.conf
// changes.
func TestOneFileChanged(t *testing.T) {
	root := repoRoot(t)
	ctxDir := filepath.Join(t.TempDir(), "app")
	buildahtest.CopyTree(t, filepath.Join(root, "testdata", "images", "app-v2"), ctxDir)
	got, lines := oneFileChanged(t, filepath.Join(root, "testdata", "images", "app-v2.tar"), ctxDir)
	if len(lines) != 20 {
		t.Fatalf("cache hints on %d lines, want 20", len(lines))
	}
	checkOneFileChanged(t, got, lines)
}

// TestOneFileChangedMatchesBuildah builds app-v2 with buildah, points the server at that build, changes
// one file, and rebuilds: every line's hint must say what buildah did.
func TestOneFileChangedMatchesBuildah(t *testing.T) {
	b := buildahtest.New(t)
	root := repoRoot(t)
	b.LoadArchive(filepath.Join(root, "testdata", "images", "base.tar"), "localhost/layerlint/base:latest")
	ctxDir := filepath.Join(t.TempDir(), "app")
	buildahtest.CopyTree(t, filepath.Join(root, "testdata", "images", "app-v2"), ctxDir)
	const tag = "localhost/layerls-oracle:latest"
	dockerfile := filepath.Join(ctxDir, "Dockerfile")
	b.Build(dockerfile, ctxDir, tag, "--timestamp", "1706745600")
	archive := filepath.Join(t.TempDir(), "first.tar")
	b.Archive(tag, archive, "layerls-oracle:latest")

	got, lines := oneFileChanged(t, archive, ctxDir)
	checkOneFileChanged(t, got, lines)
	steps := b.Build(dockerfile, ctxDir, tag, "--timestamp", "1706745600")
	if len(steps) != len(lines) {
		t.Fatalf("buildah ran %d steps, the server hints %d lines %v", len(steps), len(lines), lines)
	}
	for i, line := range lines {
		if i == 0 {
			continue // FROM: buildah prints no cache verdict
		}
		hinted := slices.Equal(got[line], []string{"cached"})
		if steps[i].Cached != hinted {
			t.Errorf("line %d (%s): hint %q, buildah cached=%v", line, steps[i].Instruction, got[line], steps[i].Cached)
		}
	}
}
