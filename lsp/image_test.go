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
// interrupted while writing leaves it: one "image" diagnostic names the problem, there are no size hints and
// nothing is "cached", and the server keeps answering. Then the archive is written whole, as the next build does: the
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
	if hs := c.hints(u); sizeCount(hs) != 0 || countLabel(hs, "cached") != 0 {
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

// sizeCount counts the size hints ("+406 B", "0 B").
func sizeCount(hs []lsp.InlayHint) int {
	n := 0
	for _, h := range hs {
		if h.Label == "0 B" || strings.HasPrefix(h.Label, "+") {
			n++
		}
	}
	return n
}

// imageDiagnostics waits for the diagnostics of version 1 of u to hold want "image" diagnostics, and returns
// them.
func imageDiagnostics(c *client, u protocol.DocumentURI, want int) []protocol.Diagnostic {
	c.t.Helper()
	var got []protocol.Diagnostic
	c.waitDiagnostics(u, 1, func(ds []protocol.Diagnostic) bool {
		got = nil
		for _, d := range ds {
			if d.Code == "image" {
				got = append(got, d)
			}
		}
		return len(got) == want
	})
	return got
}

// TestImageStateFollowsTheFile deletes, restores, truncates and rewrites the image archive while its
// Dockerfile is open, telling the server nothing: the sizes go with the image and come back with it, one
// "image" diagnostic says what is wrong while it is, and the cache status stays throughout.
func TestImageStateFollowsTheFile(t *testing.T) {
	root := repoRoot(t)
	good, err := os.ReadFile(filepath.Join(root, "testdata", "images", "app-v2.tar"))
	if err != nil {
		t.Fatal(err)
	}
	dir := appWorkspace(t)
	archive := filepath.Join(dir, "app.tar")
	mtime := time.Now()
	write := func(data []byte) {
		t.Helper()
		tmp := archive + ".new"
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			t.Fatal(err)
		}
		mtime = mtime.Add(time.Second) // visible to the poll on file systems with coarse timestamps
		os.Chtimes(tmp, mtime, mtime)
		if err := os.Rename(tmp, archive); err != nil {
			t.Fatal(err)
		}
	}
	write(good)
	cfg := "image: app.tar\ncontext: " + filepath.Join(root, "testdata", "images", "app-v2") + "\n"
	if err := os.WriteFile(filepath.Join(dir, ".layerlint.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	c := startServer(t, dir, nil)
	path := filepath.Join(dir, "Dockerfile")
	text, _ := os.ReadFile(path)
	u := c.open(path, string(text))
	loaded := func(hs []lsp.InlayHint) bool { return countLabel(hs, "cached") == 20 && sizeCount(hs) == 20 }
	c.waitHints(u, loaded)
	imageDiagnostics(c, u, 0)

	gone := func(what string) {
		t.Helper()
		hs := c.waitHints(u, func(hs []lsp.InlayHint) bool { return sizeCount(hs) == 0 && len(hintsByLine(hs)) == 20 })
		if n := countLabel(hs, "rebuild: no previous build"); n != 20 {
			t.Errorf("%s: %d of 20 lines keep a cache status: %s", what, n, hintsText(hs))
		}
		if ds := imageDiagnostics(c, u, 1); !strings.Contains(ds[0].Message, "app.tar") {
			t.Errorf("%s: image diagnostic %q does not name the archive", what, ds[0].Message)
		}
	}
	if err := os.Remove(archive); err != nil {
		t.Fatal(err)
	}
	gone("deleted")
	write(good)
	c.waitHints(u, loaded)
	imageDiagnostics(c, u, 0)

	if err := os.Truncate(archive, int64(len(good)/3)); err != nil {
		t.Fatal(err)
	}
	gone("truncated")
	write(good)
	hs := c.waitHints(u, loaded)
	if got := strings.Join(hintsByLine(hs)[7], " | "); got != "+406 B | cached" {
		t.Errorf("line 7 after the archive came back: %q", got)
	}
}

// TestBadImagePath names an archive that does not exist: one diagnostic says so, and every instruction
// keeps a cache status from the build context.
func TestBadImagePath(t *testing.T) {
	root := repoRoot(t)
	dir := appWorkspace(t)
	cfg := "image: build/nope.tar\ncontext: " + filepath.Join(root, "testdata", "images", "app-v2") + "\n"
	if err := os.WriteFile(filepath.Join(dir, ".layerlint.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	c := startServer(t, dir, nil)
	path := filepath.Join(dir, "Dockerfile")
	text, _ := os.ReadFile(path)
	u := c.open(path, string(text))
	hs := c.waitHints(u, func(hs []lsp.InlayHint) bool { return len(hintsByLine(hs)) == 20 })
	if sizeCount(hs) != 0 || countLabel(hs, "rebuild: no previous build") != 20 {
		t.Errorf("hints: %s", hintsText(hs))
	}
	if ds := imageDiagnostics(c, u, 1); !strings.Contains(ds[0].Message, "nope.tar") {
		t.Errorf("image diagnostic %q does not name the archive", ds[0].Message)
	}
}
