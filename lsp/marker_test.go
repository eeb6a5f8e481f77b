package lsp_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/layerlint/layerlint/lsp"
)

// TestMarkers runs the marker files of testdata/markers: each is a txtar archive of a workspace whose
// Dockerfile carries comment lines "#> kind: text" describing the next instruction:
//
//	#> hints: +406 B | cached   the instruction's inlay-hint labels, exactly and in order
//	#> hover: text              the hover on the instruction contains text
//	#> diag: Rule               a diagnostic with code Rule starts on the instruction's lines
//	#> action: Title            a code action with that title is offered on the instruction
//
// Every instruction after the first FROM must have a hints marker. $REPO in files is the module root.
func TestMarkers(t *testing.T) {
	files, err := filepath.Glob("testdata/markers/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no marker files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			dir := t.TempDir()
			writeTxtar(t, file, dir)
			runMarkers(t, dir)
		})
	}
}

type marker struct {
	kind, text string
	line       int // 1-based line of the instruction it describes
}

var markerLine = regexp.MustCompile(`^#> (\w+): (.*)$`)

func runMarkers(t *testing.T, dir string) {
	path := filepath.Join(dir, "Dockerfile")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	var markers []marker
	var pending []marker
	hinted := map[int]bool{}
	seenFrom := false
	for i, line := range strings.Split(text, "\n") {
		if m := markerLine.FindStringSubmatch(line); m != nil {
			pending = append(pending, marker{kind: m[1], text: m[2]})
			continue
		}
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") || strings.HasPrefix(line, " ") {
			continue // comments and continuation lines
		}
		for _, m := range pending {
			m.line = i + 1
			markers = append(markers, m)
			if m.kind == "hints" {
				hinted[i+1] = true
			}
		}
		pending = nil
		if strings.HasPrefix(strings.ToUpper(trimmed), "FROM") {
			seenFrom = true
		}
		if seenFrom && !hinted[i+1] {
			t.Errorf("line %d: instruction without a hints marker: %s", i+1, line)
		}
	}

	c := startServer(t, dir, nil)
	u := c.open(path, text)
	hints := c.waitHints(u, func(hs []lsp.InlayHint) bool {
		return len(hintsByLine(hs)) >= len(hinted) && hasCacheHints(hs)
	})
	byLine := hintsByLine(hints)
	for _, h := range hints {
		if want := uint32(len(strings.Split(text, "\n")[h.Position.Line])); h.Position.Character != want || !h.PaddingLeft {
			t.Errorf("hint %q at %d:%d, want the end of the line (%d) with paddingLeft", h.Label, h.Position.Line+1, h.Position.Character, want)
		}
	}
	diags := c.waitDiagnostics(u, 1, func([]protocol.Diagnostic) bool { return true })
	for _, m := range markers {
		switch m.kind {
		case "hints":
			if got := strings.Join(byLine[m.line], " | "); got != m.text {
				t.Errorf("line %d: hints %q, want %q", m.line, got, m.text)
			}
		case "hover":
			var h *protocol.Hover
			c.call(protocol.MethodTextDocumentHover, map[string]any{
				"textDocument": map[string]any{"uri": u}, "position": map[string]any{"line": m.line - 1, "character": 1}}, &h)
			if h == nil || !strings.Contains(h.Contents.Value, m.text) {
				got := "<nil>"
				if h != nil {
					got = h.Contents.Value
				}
				t.Errorf("line %d: hover does not contain %q:\n%s", m.line, m.text, got)
			}
		case "diag":
			found := false
			for _, d := range diags {
				if d.Code == m.text && int(d.Range.Start.Line)+1 >= m.line && int(d.Range.Start.Line)+1 <= instructionEnd(text, m.line) {
					found = true
					if d.Source != "layerlint" || d.CodeDescription == nil || !strings.Contains(string(d.CodeDescription.Href), "#") {
						t.Errorf("line %d: diagnostic %s lacks source or codeDescription: %+v", m.line, m.text, d)
					}
				}
			}
			if !found {
				t.Errorf("line %d: no diagnostic %s in %+v", m.line, m.text, diags)
			}
		case "action":
			var actions []protocol.CodeAction
			c.call(protocol.MethodTextDocumentCodeAction, map[string]any{
				"textDocument": map[string]any{"uri": u},
				"range":        map[string]any{"start": map[string]any{"line": m.line - 1, "character": 0}, "end": map[string]any{"line": instructionEnd(text, m.line) - 1, "character": 0}},
				"context":      map[string]any{"diagnostics": []any{}},
			}, &actions)
			if !slices.ContainsFunc(actions, func(a protocol.CodeAction) bool { return a.Title == m.text && a.Edit != nil }) {
				t.Errorf("line %d: no code action %q in %+v", m.line, m.text, actions)
			}
		default:
			t.Errorf("line %d: unknown marker %q", m.line, m.kind)
		}
	}
}

// instructionEnd returns the last line of the instruction starting at 1-based line n (continuations).
func instructionEnd(text string, n int) int {
	ls := strings.Split(text, "\n")
	for n <= len(ls) && strings.HasSuffix(strings.TrimRight(ls[n-1], " "), "\\") {
		n++
	}
	return n
}

func hasCacheHints(hs []lsp.InlayHint) bool {
	return slices.ContainsFunc(hs, func(h lsp.InlayHint) bool {
		return h.Label == "cached" || strings.HasPrefix(h.Label, "rebuild")
	})
}

// writeTxtar extracts a txtar archive into dir, replacing $REPO with the module root.
func writeTxtar(t *testing.T, archive, dir string) {
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "$REPO", repoRoot(t))
	name := ""
	var body strings.Builder
	flush := func() {
		if name == "" {
			return
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(strings.TrimSpace(line), " --") {
			flush()
			name = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(line), "-- "), " --")
			body.Reset()
			continue
		}
		if name != "" {
			body.WriteString(line)
		}
	}
	flush()
}
