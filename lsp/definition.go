package lsp

import "go.lsp.dev/protocol"

// Definition returns where the name at pos is declared: a stage's AS name (its FROM when it has none), or
// the ARG or ENV a variable's use sees. Empty for anything else, and for variables the Dockerfile does not
// declare ($HOME, $PATH).
func Definition(snap *Snapshot, pos protocol.Position) []protocol.Location {
	out := []protocol.Location{}
	sx, k, ok := nameAt(snap, pos)
	if !ok {
		return out
	}
	t := sx.tokens[k]
	switch {
	case isVar(t):
		if d := sx.definitionOf(k); d >= 0 && (d != k || t.kind == tokVarDecl) {
			out = append(out, protocol.Location{URI: snap.URI, Range: snap.tokenRange(sx.tokens[d])})
		}
	case t.kind == tokStageDecl:
		out = append(out, protocol.Location{URI: snap.URI, Range: snap.tokenRange(t)})
	default:
		if s := sx.stageOf(t); s >= 0 {
			st := sx.stages()[s]
			d := st.from
			if st.decl >= 0 {
				d = st.decl
			}
			out = append(out, protocol.Location{URI: snap.URI, Range: snap.tokenRange(sx.tokens[d])})
		}
	}
	return out
}

// References returns every place of the name at pos: a stage's name and the FROM, --from= and from= that
// use it; a variable's declarations and uses. includeDeclaration false leaves the declarations out.
func References(snap *Snapshot, pos protocol.Position, includeDeclaration bool) []protocol.Location {
	out := []protocol.Location{}
	sx, k, ok := nameAt(snap, pos)
	if !ok {
		return out
	}
	for _, p := range sx.places(k) {
		t := sx.tokens[p]
		if !includeDeclaration && (t.kind == tokVarDecl || t.kind == tokStageDecl) {
			continue
		}
		out = append(out, protocol.Location{URI: snap.URI, Range: snap.tokenRange(t)})
	}
	return out
}

// nameAt scans snap and finds the stage or variable name under pos.
func nameAt(snap *Snapshot, pos protocol.Position) (*syntax, int, bool) {
	if snap == nil || snap.lines == nil {
		return nil, 0, false
	}
	col, ok := snap.lines.byteCol(pos)
	if !ok {
		return nil, 0, false
	}
	sx := scanSyntax(snap)
	k, ok := sx.symbolAt(int(pos.Line), col)
	return sx, k, ok
}

// tokenRange is the LSP range of a token.
func (s *Snapshot) tokenRange(t token) protocol.Range {
	return protocol.Range{Start: s.lines.position(t.line+1, t.start+1), End: s.lines.position(t.line+1, t.end+1)}
}
