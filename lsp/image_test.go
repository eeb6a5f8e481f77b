package lsp_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/layerlint/layerlint/lsp"
)

// TestImageCorruptThenRebuilt points the server at a truncated copy of the app-v2 archive, the way a build
// interrupted while writing leaves it: one "image" diagnostic names the problem, there are no size or cache
// hints, and the server keeps answering. Then the archive is written whole, as the next build does: the
// server notices the change on disk by itself (no notification from the client), reloads, and every
// instruction gets its size and "cached".
func TestImageCorruptThenRebuilt(t *testing.T) {
	root := repoRoot(t)
	good, err := os.ReadFile(filepath.Join(root, "testdata", "images", "app-v2.tar"))
	if err != nil {
		t.Fatal(err)
	}
	dir := appWorkspace(t)
	archive := filepath.Join(dir, "build", "app.tar")
	if err := os.MkdirAll(filepath.Dir(archive), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(archive, good[:len(good)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := "image: build/app.tar\ncontext: " + filepath.Join(root, "testdata", "images", "app-v2") + "\n"
	if err := os.WriteFile(filepath.Join(dir, ".layerlint.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	c := startServer(t, dir, nil)
	path := filepath.Join(dir, "Dockerfile")
	text, _ := os.ReadFile(path)
	u := c.open(path, string(text))

	diags := c.waitDiagnostics(u, 1, func(ds []protocol.Diagnostic) bool {
		for _, d := range ds {
			if d.Code == "image" {
				return true
			}
		}
		return false
	})
	images := 0
	for _, d := range diags {
		if d.Code == "image" {
			images++
			if !strings.Contains(d.Message, "app.tar") {
				t.Errorf("image diagnostic %q does not name the archive", d.Message)
			}
		}
	}
	if images != 1 {
		t.Errorf("%d image diagnostics, want 1: %+v", images, diags)
	}
	if hs := c.hints(u); len(hs) != 0 {
		t.Errorf("hints from a corrupt image: %s", hintsText(hs))
	}

	// The next build writes the archive whole; a later mtime makes the change visible to the poll even on
	// file systems with coarse timestamps.
	tmp := archive + ".new"
	if err := os.WriteFile(tmp, good, 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Second)
	os.Chtimes(tmp, later, later)
	if err := os.Rename(tmp, archive); err != nil {
		t.Fatal(err)
	}
	hs := c.waitHints(u, func(hs []lsp.InlayHint) bool { return countLabel(hs, "cached") == 20 })
	if got := strings.Join(hintsByLine(hs)[7], " | "); got != "+406 B | cached" {
		t.Errorf("line 7 after the rebuild: hints %q", got)
	}
}
