package lsp_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/layerlint/layerlint/lsp"
)

// openApp starts a server on the app-v2 workspace, opens its Dockerfile and waits until the image has
// loaded and all 20 instructions show "cached". It returns the client, the document and its text.
func openApp(t *testing.T) (*client, protocol.DocumentURI, string) {
	dir := appWorkspace(t)
	c := startServer(t, dir, nil)
	path := filepath.Join(dir, "Dockerfile")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	u := c.open(path, string(data))
	c.waitHints(u, func(hs []lsp.InlayHint) bool { return countLabel(hs, "cached") == 20 })
	return c, u, string(data)
}

// TestEditedDockerfile edits an instruction of the app-v2 Dockerfile: the hints follow the new text, the
// mismatch with the image is one diagnostic, size hints go, cache hints stay; then the settings turn the
// cache hints off and the failure threshold hides the warnings.
func TestEditedDockerfile(t *testing.T) {
	c, u, text := openApp(t)

	edited := strings.Replace(text, "ENV APP_VERSION=\"${VERSION}\" FEATURE_SEARCH=on", "ENV APP_VERSION=\"${VERSION}\" FEATURE_SEARCH=\"off ✓\"", 1)
	c.change(u, 2, edited)
	hs := c.hints(u)
	byLine := hintsByLine(hs)
	if got := strings.Join(byLine[21], " | "); got != "rebuild: instruction text changed" {
		t.Errorf("edited line 21: hints %q", got)
	}
	if got := strings.Join(byLine[22], " | "); got != "rebuild: after line 21" {
		t.Errorf("line 22: hints %q", got)
	}
	if got := strings.Join(byLine[7], " | "); got != "cached" {
		t.Errorf("line 7: hints %q, want only cached (no sizes while the Dockerfile does not match)", got)
	}
	line21 := strings.Split(edited, "\n")[20]
	for _, h := range hs {
		if h.Position.Line == 20 && int(h.Position.Character) != len([]rune(line21)) {
			t.Errorf("hint at character %d, want %d (UTF-16 length of the edited line)", h.Position.Character, len([]rune(line21)))
		}
	}
	diags := c.waitDiagnostics(u, 2, func([]protocol.Diagnostic) bool { return true })
	mismatches := 0
	for _, d := range diags {
		if d.Code == "image-mismatch" {
			mismatches++
			if d.Range.Start.Line != 20 || !strings.Contains(d.Message, "line 21") {
				t.Errorf("mismatch diagnostic %+v, want it on line 21", d)
			}
		}
	}
	if mismatches != 1 {
		t.Errorf("%d mismatch diagnostics, want 1: %+v", mismatches, diags)
	}

	c.notify(protocol.MethodWorkspaceDidChangeConfiguration, map[string]any{"settings": map[string]any{"layerlint": map[string]any{
		"hints": map[string]any{"cache": false}, "failureThreshold": "error", "unknown": 1}}})
	c.change(u, 3, text)
	hs = c.hints(u)
	if countLabel(hs, "cached") != 0 || len(hintsByLine(hs)) != 20 {
		t.Errorf("with hints.cache false: %s", hintsText(hs))
	}
	c.waitDiagnostics(u, 3, func(ds []protocol.Diagnostic) bool { return len(ds) == 0 })

	c.notify(protocol.MethodWorkspaceDidChangeConfiguration, map[string]any{"settings": map[string]any{"layerlint": map[string]any{"hints": "yes"}}})
	c.hints(u) // a round trip: the warning was sent before the answer
	c.mu.Lock()
	msgs := c.messages
	c.mu.Unlock()
	if len(msgs) != 1 || !strings.Contains(msgs[0].Message, "layerlint.hints") {
		t.Errorf("wrong-typed setting: messages %+v, want one warning", msgs)
	}
}

// TestHintsWhileTyping breaks an instruction the way typing does (BuildKit cannot parse "ENV APP_VERSION"
// yet): the size and cache hints above it stay as they were, the broken line and those after it show none,
// and the parse error explains it without a second "no cache prediction" diagnostic.
func TestHintsWhileTyping(t *testing.T) {
	c, u, text := openApp(t)
	above := 0
	for line, labels := range hintsByLine(c.hints(u)) {
		if line < 21 && slices.Contains(labels, "cached") {
			above++
		}
	}

	typing := strings.Replace(text, "ENV APP_VERSION=\"${VERSION}\" FEATURE_SEARCH=on", "ENV APP_VERSION", 1)
	c.change(u, 2, typing)
	hs := c.hints(u)
	if got := strings.Join(hintsByLine(hs)[7], " | "); got != "+406 B | cached" {
		t.Errorf("line 7 (COPY static/) while typing: hints %q, want its size and cached kept", got)
	}
	for line, labels := range hintsByLine(hs) {
		cached := slices.Contains(labels, "cached")
		switch {
		case line < 21 && !cached:
			t.Errorf("line %d above the edit: hints %q, want cached kept", line, labels)
		case line >= 21 && (cached || slices.ContainsFunc(labels, func(l string) bool { return strings.HasPrefix(l, "rebuild") })):
			t.Errorf("line %d at or after the edit: hints %q, want no cache status", line, labels)
		}
	}
	if got := countLabel(hs, "cached"); got != above || above == 0 {
		t.Errorf("%d cached hints while typing, want the %d above line 21", got, above)
	}
	diags := c.waitDiagnostics(u, 2, func([]protocol.Diagnostic) bool { return true })
	parseErrors := 0
	for _, d := range diags {
		if d.Severity == protocol.DiagnosticSeverityError && d.Range.Start.Line == 20 {
			parseErrors++
		}
		if d.Code == "cache" {
			t.Errorf("diagnostic %q: the parse error already says why", d.Message)
		}
	}
	if parseErrors != 1 {
		t.Errorf("%d parse errors on line 21, want 1: %+v", parseErrors, diags)
	}

	// Once the text parses again the prediction is the server's own.
	c.change(u, 3, text)
	if hs := c.waitHints(u, func(hs []lsp.InlayHint) bool { return countLabel(hs, "cached") == 20 }); len(hs) == 0 {
		t.Error("no hints after the fix")
	}
}
