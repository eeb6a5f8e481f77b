package lsp

import "go.lsp.dev/protocol"

// The semantic-token capability as LSP 3.16/3.17 specifies it. go.lsp.dev/protocol v0.12.0 declares the
// request and result types but its SemanticTokensOptions lacks the legend, full and range fields, so the
// capability is declared here.

// SemanticTokensOptions are the server's textDocument.semanticTokens capability.
type SemanticTokensOptions struct {
	// Legend names the token types and modifiers the data's numbers stand for.
	Legend protocol.SemanticTokensLegend `json:"legend"`
	// Range reports that the server answers textDocument/semanticTokens/range.
	Range bool `json:"range"`
	// Full reports that the server answers textDocument/semanticTokens/full.
	Full bool `json:"full"`
}
