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

// TestEditedDockerfile edits an instruction of the app-v2 Dockerfile: the lines above it keep their sizes
// and "cached", the edited one and those after it say why they rebuild and show no size (a COPY an estimate
// from the context), and no diagnostic complains while the user is at the edit; an edit elsewhere then
// brings one calm note saying where the image's part of the file ends. Then the settings turn the cache
// hints off and the failure threshold hides the warnings.
func TestEditedDockerfile(t *testing.T) {
	c, u, text := openApp(t)

	edited := strings.Replace(text, "ENV APP_VERSION=\"${VERSION}\" FEATURE_SEARCH=on", "ENV APP_VERSION=\"${VERSION}\" FEATURE_SEARCH=\"off ✓\"", 1)
	c.change(u, 2, edited)
	hs := c.hints(u)
	byLine := hintsByLine(hs)
	if got := strings.Join(byLine[21], " | "); !strings.HasPrefix(got, "rebuild: ") || strings.Contains(got, "after") {
		t.Errorf("edited line 21: hints %q, want only why it rebuilds", got)
	}
	if got := strings.Join(byLine[22], " | "); got != "≈91 B | rebuild: after line 21" {
		t.Errorf("line 22 (COPY): hints %q, want the estimate and rebuild after line 21", got)
	}
	for line, labels := range byLine {
		switch {
		case line < 21 && !slices.Contains(labels, "cached"):
			t.Errorf("line %d above the edit: hints %q, want cached", line, labels)
		case line < 21 && (len(labels) != 2 || !strings.HasPrefix(labels[0], "+") && labels[0] != "0 B"):
			t.Errorf("line %d above the edit: hints %q, want its size kept", line, labels)
		case line > 21 && slices.ContainsFunc(labels, func(l string) bool { return strings.HasPrefix(l, "+") || l == "0 B" }):
			t.Errorf("line %d after the edit: hints %q, want no size from the image", line, labels)
		}
	}
	if got := strings.Join(byLine[7], " | "); got != "+406 B | cached" {
		t.Errorf("line 7: hints %q, want its size and cached", got)
	}
	line21 := strings.Split(edited, "\n")[20]
	for _, h := range hs {
		if h.Position.Line == 20 && int(h.Position.Character) != len([]rune(line21)) {
			t.Errorf("hint at character %d, want %d (UTF-16 length of the edited line)", h.Position.Character, len([]rune(line21)))
		}
	}
	mismatches := func(version uint32) []protocol.Diagnostic {
		var out []protocol.Diagnostic
		for _, d := range c.waitDiagnostics(u, version, func([]protocol.Diagnostic) bool { return true }) {
			if d.Code == "image-mismatch" {
				out = append(out, d)
			}
		}
		return out
	}
	if ds := mismatches(2); len(ds) != 0 {
		t.Errorf("while editing line 21: %d mismatch diagnostics, want none: %+v", len(ds), ds)
	}
	c.change(u, 3, "# a comment at the top\n"+edited)
	ds := mismatches(3)
	if len(ds) != 1 || ds[0].Range.Start.Line != 21 || ds[0].Severity != protocol.DiagnosticSeverityInformation ||
		!strings.Contains(ds[0].Message, "down to line 21; from line 22 it differs") {
		t.Errorf("after an edit elsewhere: mismatch diagnostics %+v, want one note on line 22", ds)
	}
	text = "# a comment at the top\n" + text

	c.notify(protocol.MethodWorkspaceDidChangeConfiguration, map[string]any{"settings": map[string]any{"layerlint": map[string]any{
		"hints": map[string]any{"cache": false}, "failureThreshold": "error", "unknown": 1}}})
	c.change(u, 4, text)
	hs = c.hints(u)
	if countLabel(hs, "cached") != 0 || len(hintsByLine(hs)) != 20 {
		t.Errorf("with hints.cache false: %s", hintsText(hs))
	}
	c.waitDiagnostics(u, 4, func(ds []protocol.Diagnostic) bool { return len(ds) == 0 })

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

// TestTypingANewInstruction types a new instruction into the middle of the app-v2 Dockerfile one keystroke
// at a time, as an editor sends it (incremental changes), asking for hints after each (see
// typeNewInstruction). No mismatch diagnostic appears while typing there.
func TestTypingANewInstruction(t *testing.T) {
	c, u, text := openApp(t)
	version := typeNewInstruction(t, c, u, text)
	for _, d := range c.waitDiagnostics(u, uint32(version), func([]protocol.Diagnostic) bool { return true }) {
		if d.Code == "image-mismatch" {
			t.Errorf("while typing the new instruction: %+v", d)
		}
	}
}
