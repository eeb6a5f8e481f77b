package lsp

import "go.lsp.dev/protocol"

// DocumentHighlights marks every place of the stage or variable at pos: declarations as writes, uses as
// reads.
func DocumentHighlights(snap *Snapshot, pos protocol.Position) []protocol.DocumentHighlight {
	out := []protocol.DocumentHighlight{}
	sx, k, ok := nameAt(snap, pos)
	if !ok {
		return out
	}
	for _, p := range sx.places(k) {
		t := sx.tokens[p]
		kind := protocol.DocumentHighlightKindRead
		if t.kind == tokVarDecl || t.kind == tokStageDecl {
			kind = protocol.DocumentHighlightKindWrite
		}
		out = append(out, protocol.DocumentHighlight{Range: snap.tokenRange(t), Kind: kind})
	}
	return out
}
