package lsp

import (
	"fmt"
	"strings"

	"go.lsp.dev/protocol"
)

// DocumentSymbols returns the stages as symbols with their instructions as children; ARGs before the
// first FROM are top-level symbols.
func DocumentSymbols(snap *Snapshot) []protocol.DocumentSymbol {
	syms := []protocol.DocumentSymbol{}
	if snap == nil {
		return syms
	}
	stageEnd := snap.stageEnds()
	for _, in := range snap.Instructions {
		sym := protocol.DocumentSymbol{
			Name:           in.Keyword,
			Detail:         clip(afterKeyword(snap.lines.line(in.Line-1), in.Keyword), 80),
			Kind:           protocol.SymbolKindFunction,
			Range:          snap.linesRange(in.Line, in.EndLine),
			SelectionRange: snap.linesRange(in.Line, in.Line),
		}
		switch {
		case in.Keyword == "FROM":
			name := fmt.Sprintf("stage %d", in.Stage)
			if st := stageName(in); st != "" {
				name = st
			}
			syms = append(syms, protocol.DocumentSymbol{
				Name: name, Detail: sym.Detail, Kind: protocol.SymbolKindClass,
				Range: snap.linesRange(in.Line, stageEnd[in.Stage]), SelectionRange: sym.SelectionRange,
			})
		case in.Stage < 0 || len(syms) == 0:
			sym.Kind = protocol.SymbolKindVariable
			syms = append(syms, sym)
		default:
			parent := &syms[len(syms)-1]
			parent.Children = append(parent.Children, sym)
		}
	}
	return syms
}

// stageName returns the name of a FROM ... AS name.
func stageName(in Instr) string {
	var words []string
	for n := in.Node.Next; n != nil; n = n.Next {
		words = append(words, n.Value)
	}
	if len(words) >= 3 && strings.EqualFold(words[len(words)-2], "as") {
		return words[len(words)-1]
	}
	return ""
}

// stageEnds maps each stage to the last line of its last instruction.
func (s *Snapshot) stageEnds() map[int]int {
	ends := map[int]int{}
	for _, in := range s.Instructions {
		if in.Stage >= 0 {
			ends[in.Stage] = max(ends[in.Stage], in.EndLine)
		}
	}
	return ends
}

// linesRange covers 1-based lines start to end, from the start of the first to the end of the last.
func (s *Snapshot) linesRange(start, end int) protocol.Range {
	end = min(max(end, start), s.lines.count())
	return protocol.Range{Start: protocol.Position{Line: uint32(max(start-1, 0))}, End: s.lines.lineEnd(end - 1)}
}

// afterKeyword returns the text of an instruction's first line after its keyword.
func afterKeyword(line, kw string) string {
	t := strings.TrimSpace(line)
	if len(t) >= len(kw) && strings.EqualFold(t[:len(kw)], kw) {
		t = t[len(kw):]
	}
	return strings.TrimSpace(t)
}
