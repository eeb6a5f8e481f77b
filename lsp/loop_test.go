package lsp_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/layerlint/layerlint/lsp"
)

// The everyday loop of issue 11, driven through the real layerls binary over its stdin and stdout.

// startBinary runs the built layerls (with env added to the test's environment; the listing cache in a
// directory of the test's own) and initializes it like an editor that supports inlay-hint refreshes. The
// server is shut down, and must exit 0, when the test ends; its log is in the returned builder.
func startBinary(t *testing.T, root string, initOptions any, env ...string) (*client, *syncLog) {
	t.Helper()
	bin := buildLayerls(t)
	cmd := exec.Command(bin, "--stdio")
	cmd.Env = append(append(os.Environ(), "XDG_CACHE_HOME="+t.TempDir()), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncLog{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	conn := jsonrpc2.NewConn(jsonrpc2.NewStream(stdio{stdout, stdin}))
	c := &client{t: t, conn: conn, diags: map[protocol.DocumentURI]protocol.PublishDiagnosticsParams{}, changed: make(chan struct{}, 1)}
	conn.Go(context.Background(), c.handle)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.Call(ctx, protocol.MethodShutdown, nil, nil); err == nil {
			_ = conn.Notify(ctx, protocol.MethodExit, nil)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("layerls exited with %v\n%s", err, logs)
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Errorf("layerls did not exit\n%s", logs)
		}
	})
	var res map[string]any
	c.call(protocol.MethodInitialize, map[string]any{
		"processId": os.Getpid(), "rootUri": fileURI(root), "initializationOptions": initOptions,
		"capabilities": map[string]any{"workspace": map[string]any{"inlayHint": map[string]any{"refreshSupport": true}}},
	}, &res)
	c.notify(protocol.MethodInitialized, map[string]any{})
	return c, logs
}

// typeNewInstruction types "RUN echo typed > /typed" on a new line after the instruction that ends on line
// 12 or later of text (open as u, at version 1), one key per incremental change, asking for hints after
// each: every answer must keep the hints of the instructions above it, and once it has text no line below
// shows a size from the image. It returns the last version sent.
func typeNewInstruction(t *testing.T, c *client, u protocol.DocumentURI, text string) int32 {
	before := hintsByLine(c.hints(u))
	lines := strings.Split(text, "\n")
	at := 11 // 0-based line after which the new instruction goes
	for strings.HasSuffix(lines[at], "\\") {
		at++
	}
	version := int32(1)
	next := func() int32 { version++; return version }
	c.insert(u, next(), at, len([]rune(lines[at])), "\n")
	typed := "RUN echo typed > /typed"
	for i, r := range typed {
		c.insert(u, next(), at+1, i, string(r))
		got := hintsByLine(c.hints(u))
		for line, want := range before {
			if line <= at+1 && !slices.Equal(got[line], want) {
				t.Errorf("after typing %q: line %d above the new instruction has %q, had %q", typed[:i+1], line, got[line], want)
			}
		}
		for line, labels := range got {
			for _, l := range labels {
				if line > at+2 && (strings.HasPrefix(l, "+") || l == "0 B") && i >= 2 {
					t.Errorf("after typing %q: line %d below it shows the size %q", typed[:i+1], line, l)
				}
			}
		}
	}
	if got := strings.Join(hintsByLine(c.hints(u))[at+2], " | "); !strings.HasPrefix(got, "rebuild: ") {
		t.Errorf("the typed instruction: hints %q, want why it rebuilds", got)
	}
	return version
}

// TestTypingANewInstructionBinary: typing a new instruction into the middle of the app-v2 Dockerfile, with
// the real layerls. No mismatch diagnostic is published while typing there.
func TestTypingANewInstructionBinary(t *testing.T) {
	dir := appWorkspace(t)
	c, _ := startBinary(t, dir, nil)
	path := filepath.Join(dir, "Dockerfile")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	u := c.open(path, string(data))
	c.waitHints(u, func(hs []lsp.InlayHint) bool { return countLabel(hs, "cached") == 20 && sizeCount(hs) == 20 })
	version := typeNewInstruction(t, c, u, string(data))
	for _, d := range c.waitDiagnostics(u, uint32(version), func([]protocol.Diagnostic) bool { return true }) {
		if d.Code == "image-mismatch" {
			t.Errorf("while typing the new instruction: %+v", d)
		}
	}
}

// TestContextOnlyBinary: a Dockerfile never built, with no configuration, in the real layerls: each COPY of
// context files shows its estimate, every line says it rebuilds, and nothing complains of a missing image.
func TestContextOnlyBinary(t *testing.T) {
	dir := t.TempDir()
	estimateContext(t, dir)
	c, _ := startBinary(t, dir, nil)
	u := c.open(filepath.Join(dir, "Dockerfile"), estimateDockerfile)
	hs := c.waitHints(u, func(hs []lsp.InlayHint) bool { return len(hintsByLine(hs)) == 5 })
	want := map[int][]string{
		1: {"rebuild: no previous build"},
		2: {"≈60 kB", "rebuild: no previous build"},
		3: {"≈6.3 kB", "rebuild: no previous build"},
		4: {"≈1.2 kB", "rebuild: no previous build"},
		5: {"rebuild: no previous build"},
	}
	for line, labels := range hintsByLine(hs) {
		if !slices.Equal(labels, want[line]) {
			t.Errorf("line %d: hints %q, want %q", line, labels, want[line])
		}
	}
	for _, d := range c.waitDiagnostics(u, 1, func([]protocol.Diagnostic) bool { return true }) {
		if d.Code == "image" || d.Code == "image-mismatch" {
			t.Errorf("diagnostic about an image: %+v", d)
		}
	}
}
