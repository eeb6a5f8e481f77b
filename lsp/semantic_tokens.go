package lsp

import "go.lsp.dev/protocol"

// Semantic tokens: each word's role (instruction, flag, variable, stage, image, string, comment,
// directive), so an editor colours the Dockerfile by meaning rather than by regular expressions.

// semanticTypes is the legend's token types; the index of each is its number in the data.
var semanticTypes = []protocol.SemanticTokenTypes{
	protocol.SemanticTokenKeyword,   // 0
	protocol.SemanticTokenParameter, // 1 flags
	protocol.SemanticTokenProperty,  // 2 --mount keys
	protocol.SemanticTokenVariable,  // 3
	protocol.SemanticTokenClass,     // 4 stages
	protocol.SemanticTokenType,      // 5 images
	protocol.SemanticTokenString,    // 6
	protocol.SemanticTokenComment,   // 7
	protocol.SemanticTokenMacro,     // 8 parser directives
}

// semanticModifiers is the legend's modifiers; bit i of a token's modifiers is semanticModifiers[i].
var semanticModifiers = []protocol.SemanticTokenModifiers{protocol.SemanticTokenModifierDeclaration}

// SemanticTokensLegend is the legend layerls announces.
func SemanticTokensLegend() protocol.SemanticTokensLegend {
	return protocol.SemanticTokensLegend{TokenTypes: semanticTypes, TokenModifiers: semanticModifiers}
}

// semanticOf maps a token to its type and modifiers; ok is false for tokens that are not coloured.
func semanticOf(k tokenKind) (typ, mods int, container bool) {
	switch k {
	case tokKeyword:
		return 0, 0, false
	case tokFlag:
		return 1, 0, false
	case tokMountKey:
		return 2, 0, false
	case tokVarDecl:
		return 3, 1, false
	case tokVarRef:
		return 3, 0, false
	case tokStageDecl:
		return 4, 1, false
	case tokStageRef:
		return 4, 0, false
	case tokImage:
		return 5, 0, true
	case tokString, tokFlagValue:
		return 6, 0, true
	case tokComment:
		return 7, 0, true
	default: // tokDirective
		return 8, 0, true
	}
}

// SemanticTokens encodes the document's tokens in LSP's relative format. Tokens never overlap: a string,
// image or flag value that holds a variable is split around it. rng limits the lines (nil: all).
func SemanticTokens(snap *Snapshot, rng *protocol.Range) *protocol.SemanticTokens {
	out := &protocol.SemanticTokens{Data: []uint32{}}
	if snap == nil || snap.lines == nil {
		return out
	}
	sx := scanSyntax(snap)
	byLine := map[int][]token{}
	for _, t := range sx.tokens {
		if rng != nil && (t.line < int(rng.Start.Line) || t.line > int(rng.End.Line)) {
			continue
		}
		byLine[t.line] = append(byLine[t.line], t)
	}
	prevLine, prevChar := 0, 0
	for n := 0; n < snap.lines.count(); n++ {
		ts := byLine[n]
		if len(ts) == 0 {
			continue
		}
		text := snap.lines.line(n)
		// Paint the line: containers first, then the words inside them; 0 is unpainted.
		paint := make([]int, len(text))
		for pass := 0; pass < 2; pass++ {
			for _, t := range ts {
				typ, mods, container := semanticOf(t.kind)
				if container != (pass == 0) {
					continue
				}
				for c := max(t.start, 0); c < min(t.end, len(text)); c++ {
					paint[c] = typ*2 + mods + 1
				}
			}
		}
		for c := 0; c < len(text); {
			code := paint[c]
			e := c + 1
			for e < len(text) && paint[e] == code {
				e++
			}
			if code != 0 {
				start := utf16Len(text[:c])
				length := utf16Len(text[c:e])
				dl := n - prevLine
				ds := start
				if dl == 0 {
					ds = start - prevChar
				}
				out.Data = append(out.Data, uint32(dl), uint32(ds), uint32(length), uint32((code-1)/2), uint32((code-1)%2))
				prevLine, prevChar = n, start
			}
			c = e
		}
	}
	return out
}
