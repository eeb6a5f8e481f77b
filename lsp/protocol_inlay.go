package lsp

import "go.lsp.dev/protocol"

// LSP 3.17 inlay hints. go.lsp.dev/protocol v0.12.0 speaks LSP 3.16 and declares none of this, so the types
// and method names live here, shaped the way that package declares the rest of the protocol.

const (
	// MethodTextDocumentInlayHint is the request for the inlay hints of a document range.
	MethodTextDocumentInlayHint = "textDocument/inlayHint"
	// MethodInlayHintResolve is the request to fill in the lazy properties of one inlay hint.
	MethodInlayHintResolve = "inlayHint/resolve"
	// MethodWorkspaceInlayHintRefresh is the server-to-client request to ask for all inlay hints again.
	MethodWorkspaceInlayHintRefresh = "workspace/inlayHint/refresh"
)

// InlayHintKind says what an inlay hint annotates.
type InlayHintKind uint32

const (
	// InlayHintKindType is a hint that annotates a type.
	InlayHintKindType InlayHintKind = 1
	// InlayHintKindParameter is a hint that annotates a parameter.
	InlayHintKindParameter InlayHintKind = 2
)

// InlayHintParams are the parameters of a textDocument/inlayHint request.
type InlayHintParams struct {
	protocol.WorkDoneProgressParams

	// TextDocument is the document to compute hints for.
	TextDocument protocol.TextDocumentIdentifier `json:"textDocument"`

	// Range is the visible document range for which inlay hints should be computed.
	Range protocol.Range `json:"range"`
}

// InlayHint is one piece of text shown inline in the editor. The label is always a plain string here; LSP
// also allows a list of label parts, which this server never sends.
type InlayHint struct {
	// Position is where the hint is shown.
	Position protocol.Position `json:"position"`

	// Label is the text of the hint.
	Label string `json:"label"`

	// Kind is the hint's kind; omitted for hints that are neither types nor parameters.
	Kind InlayHintKind `json:"kind,omitempty"`

	// TextEdits are applied when the user accepts the hint.
	TextEdits []protocol.TextEdit `json:"textEdits,omitempty"`

	// Tooltip is shown when hovering the hint (a string; LSP also allows MarkupContent).
	Tooltip string `json:"tooltip,omitempty"`

	// PaddingLeft renders padding before the hint.
	PaddingLeft bool `json:"paddingLeft,omitempty"`

	// PaddingRight renders padding after the hint.
	PaddingRight bool `json:"paddingRight,omitempty"`

	// Data is preserved between an inlayHint and an inlayHint/resolve request.
	Data interface{} `json:"data,omitempty"`
}

// InlayHintOptions are the server's inlay-hint capability.
type InlayHintOptions struct {
	protocol.WorkDoneProgressOptions

	// ResolveProvider reports that the server resolves additional properties of a hint.
	ResolveProvider bool `json:"resolveProvider"`
}

// InlayHintClientCapabilities are the client's textDocument.inlayHint capabilities.
type InlayHintClientCapabilities struct {
	// DynamicRegistration reports support for dynamic registration of inlay hints.
	DynamicRegistration bool `json:"dynamicRegistration,omitempty"`
}

// InlayHintWorkspaceClientCapabilities are the client's workspace.inlayHint capabilities.
type InlayHintWorkspaceClientCapabilities struct {
	// RefreshSupport reports that the client handles workspace/inlayHint/refresh.
	RefreshSupport bool `json:"refreshSupport,omitempty"`
}
