package lsp

import "go.lsp.dev/protocol"

// FoldingRanges folds each stage (from its FROM to its last instruction) and each instruction that spans
// several lines (continuations, heredocs).
func FoldingRanges(snap *Snapshot) []protocol.FoldingRange {
	folds := []protocol.FoldingRange{}
	if snap == nil {
		return folds
	}
	ends := snap.stageEnds()
	for _, in := range snap.Instructions {
		if in.Keyword == "FROM" && ends[in.Stage] > in.Line {
			folds = append(folds, protocol.FoldingRange{StartLine: uint32(in.Line - 1), EndLine: uint32(ends[in.Stage] - 1), Kind: protocol.RegionFoldingRange})
		}
		if in.EndLine > in.Line {
			folds = append(folds, protocol.FoldingRange{StartLine: uint32(in.Line - 1), EndLine: uint32(in.EndLine - 1), Kind: protocol.RegionFoldingRange})
		}
	}
	return folds
}
