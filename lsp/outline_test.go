package lsp_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/layerlint/layerlint/lsp"
)

// outlineDockerfile has two stages, an ARG before them and an instruction over two lines.
const outlineDockerfile = `ARG BASE=debian:bookworm
FROM golang:1.22 AS builder
WORKDIR /src
RUN go build \
    -o /out/app .

FROM ${BASE}
COPY --from=builder /out/app /app
CMD ["/app"]
`

// TestFoldingRanges: each stage folds from its FROM to the end of its last instruction, and each
// instruction over several lines folds; nothing else does.
func TestFoldingRanges(t *testing.T) {
	dir := t.TempDir()
	c := startServer(t, dir, nil)
	u := c.open(filepath.Join(dir, "Dockerfile"), outlineDockerfile)
	var folds []protocol.FoldingRange
	c.call(protocol.MethodTextDocumentFoldingRange, map[string]any{"textDocument": map[string]any{"uri": u}}, &folds)
	var got []string
	for _, f := range folds {
		got = append(got, fmt.Sprintf("%d-%d %s", f.StartLine+1, f.EndLine+1, f.Kind))
	}
	want := []string{"2-5 region", "4-5 region", "7-9 region"}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("folding ranges %v, want %v", got, want)
	}
}

// TestDocumentSymbols: the stages are classes named by AS (or "stage N") spanning their instructions,
// which are their children; an ARG before the first FROM is a top-level variable.
func TestDocumentSymbols(t *testing.T) {
	dir := t.TempDir()
	c := startServer(t, dir, nil)
	u := c.open(filepath.Join(dir, "Dockerfile"), outlineDockerfile)
	var syms []protocol.DocumentSymbol
	c.call(protocol.MethodTextDocumentDocumentSymbol, map[string]any{"textDocument": map[string]any{"uri": u}}, &syms)
	var got []string
	var walk func(prefix string, ss []protocol.DocumentSymbol)
	walk = func(prefix string, ss []protocol.DocumentSymbol) {
		for _, s := range ss {
			got = append(got, fmt.Sprintf("%s%s %s %d-%d sel %d", prefix, s.Name, s.Kind, s.Range.Start.Line+1, s.Range.End.Line+1, s.SelectionRange.Start.Line+1))
			walk(prefix+"  ", s.Children)
		}
	}
	walk("", syms)
	want := []string{
		"ARG Variable 1-1 sel 1",
		"builder Class 2-5 sel 2",
		"  WORKDIR Function 3-3 sel 3",
		"  RUN Function 4-5 sel 4",
		"stage 1 Class 7-9 sel 7",
		"  COPY Function 8-8 sel 8",
		"  CMD Function 9-9 sel 9",
	}
	if !slices.Equal(got, want) {
		t.Errorf("document symbols:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestCodeLenses: with the app-v2 image loaded, one lens above each instruction from FROM on, titled with
// that instruction's hints (its layer's size and cache status) in the same order.
func TestCodeLenses(t *testing.T) {
	dir := appWorkspace(t)
	path := filepath.Join(dir, "Dockerfile")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	c := startServer(t, dir, nil)
	u := c.open(path, text)
	hints := c.waitHints(u, func(hs []lsp.InlayHint) bool {
		return hasCacheHints(hs) && slices.ContainsFunc(hs, func(h lsp.InlayHint) bool { return h.Label == "+406 B" })
	})
	var lenses []protocol.CodeLens
	c.call(protocol.MethodTextDocumentCodeLens, map[string]any{"textDocument": map[string]any{"uri": u}}, &lenses)
	byLine := hintsByLine(hints)
	lines := strings.Split(text, "\n")
	instructions := 0
	seenFrom := false
	for _, l := range lines {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") && !strings.HasPrefix(l, " ") {
			seenFrom = seenFrom || strings.HasPrefix(t, "FROM")
			if seenFrom {
				instructions++
			}
		}
	}
	if len(lenses) != instructions {
		t.Errorf("%d code lenses, want one for each of the %d instructions from FROM on", len(lenses), instructions)
	}
	for _, l := range lenses {
		line := int(l.Range.Start.Line) + 1
		if l.Command == nil {
			t.Errorf("line %d: a lens without a title", line)
			continue
		}
		if want := strings.Join(byLine[line], " · "); l.Command.Title != want {
			t.Errorf("line %d: lens %q, want the hints %q", line, l.Command.Title, want)
		}
	}
	copyLine := slices.Index(lines, "COPY static/ /app/static/") + 1
	if !slices.ContainsFunc(lenses, func(l protocol.CodeLens) bool {
		return int(l.Range.Start.Line)+1 == copyLine && l.Command != nil && l.Command.Title == "+406 B · cached"
	}) {
		t.Errorf("no lens \"+406 B · cached\" on line %d (COPY static/): %+v", copyLine, lenses)
	}
}
