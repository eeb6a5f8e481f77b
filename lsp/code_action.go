package lsp

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/layerlint/layerlint/lint"
)

// ignorePragma is the linter's inline ignore comment, "# layerlint ignore=A,B".
var ignorePragma = regexp.MustCompile(`^(\s*)#\s*layerlint\s+ignore=([A-Za-z0-9_,\s]+)$`)

// CodeActions returns, for each published finding on the lines of rng, its rule's fix as a quickfix and an
// action that ignores the rule for the instruction with "# layerlint ignore=Rule" on the line above it
// (added to a pragma already there).
func CodeActions(ctx context.Context, snap *Snapshot, rng protocol.Range) []protocol.CodeAction {
	actions := []protocol.CodeAction{}
	if snap == nil {
		return actions
	}
	findings, _, _ := snap.lint(ctx)
	ignored := map[string]bool{}
	for _, f := range findings {
		if snap.Settings.Threshold == lint.Off || f.Severity < snap.Settings.Threshold {
			continue
		}
		first, last := f.Line-1, max(f.EndLine, f.Line)-1
		if last < int(rng.Start.Line) || first > int(rng.End.Line) {
			continue
		}
		diag := snap.findingDiagnostic(f)
		if f.Fix != nil && len(f.Fix.Edits) > 0 {
			var edits []protocol.TextEdit
			for _, e := range f.Fix.Edits {
				edits = append(edits, protocol.TextEdit{
					Range:   protocol.Range{Start: snap.lines.position(e.StartLine, e.StartCol), End: snap.lines.position(e.EndLine, e.EndCol)},
					NewText: e.NewText,
				})
			}
			actions = append(actions, protocol.CodeAction{
				Title: f.Fix.Title, Kind: protocol.QuickFix, Diagnostics: []protocol.Diagnostic{diag},
				IsPreferred: f.Fix.Safe, Edit: &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{snap.URI: edits}},
			})
		}
		in, ok := snap.instructionAt(f.Line - 1)
		if !ok || ignored[fmt.Sprint(in.Line, f.Rule)] {
			continue
		}
		ignored[fmt.Sprint(in.Line, f.Rule)] = true
		actions = append(actions, protocol.CodeAction{
			Title: fmt.Sprintf("Ignore %s for this line", f.Rule), Kind: protocol.QuickFix,
			Diagnostics: []protocol.Diagnostic{diag},
			Edit:        &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{snap.URI: {snap.ignoreEdit(in.Line, f.Rule)}}},
		})
	}
	return actions
}

// ignoreEdit adds rule to the pragma on the line above 1-based line, or inserts a pragma there with the
// instruction's indentation.
func (s *Snapshot) ignoreEdit(line int, rule string) protocol.TextEdit {
	if line >= 2 {
		above := s.lines.line(line - 2)
		if m := ignorePragma.FindStringSubmatch(strings.TrimRight(above, " \t")); m != nil {
			var names []string
			for _, n := range strings.Split(m[2], ",") {
				if n = strings.TrimSpace(n); n != "" && n != rule {
					names = append(names, n)
				}
			}
			names = append(names, rule)
			return protocol.TextEdit{
				Range:   protocol.Range{Start: protocol.Position{Line: uint32(line - 2)}, End: s.lines.lineEnd(line - 2)},
				NewText: m[1] + "# layerlint ignore=" + strings.Join(names, ","),
			}
		}
	}
	text := s.lines.line(line - 1)
	indent := text[:len(text)-len(strings.TrimLeft(text, " \t"))]
	at := protocol.Position{Line: uint32(line - 1)}
	return protocol.TextEdit{Range: protocol.Range{Start: at, End: at}, NewText: indent + "# layerlint ignore=" + rule + "\n"}
}
