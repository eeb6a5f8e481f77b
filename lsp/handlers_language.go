package lsp

import (
	"context"
	"encoding/json"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// The handlers of the Dockerfile language features (completion.go, definition.go, highlight.go, rename.go,
// semantic_tokens.go, links.go): decode, take the document's snapshot, call the feature. A document that
// is not open gives an empty result.

// codeRequestFailed is LSP's RequestFailed: the request was valid but the server could not do it.
const codeRequestFailed jsonrpc2.Code = -32803

func (s *server) completion(ctx context.Context, params json.RawMessage) (any, error) {
	var p protocol.CompletionParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	return Completion(s.snapshot(p.TextDocument.URI), p.Position), nil
}

func (s *server) definition(ctx context.Context, params json.RawMessage) (any, error) {
	var p protocol.DefinitionParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	return Definition(s.snapshot(p.TextDocument.URI), p.Position), nil
}

func (s *server) references(ctx context.Context, params json.RawMessage) (any, error) {
	var p protocol.ReferenceParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	return References(s.snapshot(p.TextDocument.URI), p.Position, p.Context.IncludeDeclaration), nil
}

func (s *server) documentHighlight(ctx context.Context, params json.RawMessage) (any, error) {
	var p protocol.DocumentHighlightParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	return DocumentHighlights(s.snapshot(p.TextDocument.URI), p.Position), nil
}

func (s *server) prepareRename(ctx context.Context, params json.RawMessage) (any, error) {
	var p protocol.PrepareRenameParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	r, err := PrepareRename(s.snapshot(p.TextDocument.URI), p.Position)
	if err != nil {
		return nil, jsonrpc2.Errorf(codeRequestFailed, "%v", err)
	}
	return r, nil
}

func (s *server) rename(ctx context.Context, params json.RawMessage) (any, error) {
	var p protocol.RenameParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	edit, err := Rename(s.snapshot(p.TextDocument.URI), p.Position, p.NewName)
	if err != nil {
		return nil, jsonrpc2.Errorf(codeRequestFailed, "%v", err)
	}
	return edit, nil
}

func (s *server) semanticTokensFull(ctx context.Context, params json.RawMessage) (any, error) {
	var p protocol.SemanticTokensParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	return SemanticTokens(s.snapshot(p.TextDocument.URI), nil), nil
}

func (s *server) semanticTokensRange(ctx context.Context, params json.RawMessage) (any, error) {
	var p protocol.SemanticTokensRangeParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	return SemanticTokens(s.snapshot(p.TextDocument.URI), &p.Range), nil
}

func (s *server) documentLink(ctx context.Context, params json.RawMessage) (any, error) {
	var p protocol.DocumentLinkParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	return DocumentLinks(s.snapshot(p.TextDocument.URI)), nil
}
