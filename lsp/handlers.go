package lsp

import (
	"context"
	"encoding/json"

	"go.lsp.dev/protocol"
)

// The request handlers: decode, take the document's snapshot, call the feature. A document that is not
// open gives an empty result.

func (s *server) inlayHint(ctx context.Context, params json.RawMessage) (any, error) {
	var p InlayHintParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	data, err := hintList(InlayHints(s.snapshot(p.TextDocument.URI), p.Range)).MarshalJSON()
	if err != nil {
		return nil, err
	}
	return encodedResult(data), nil
}

// inlayHintResolve returns the hint as it is: hints are sent complete.
func (s *server) inlayHintResolve(ctx context.Context, params json.RawMessage) (any, error) {
	var h InlayHint
	if err := decode(params, &h); err != nil {
		return nil, err
	}
	return h, nil
}

func (s *server) hover(ctx context.Context, params json.RawMessage) (any, error) {
	var p protocol.HoverParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	if h := Hover(s.snapshot(p.TextDocument.URI), p.Position); h != nil {
		return h, nil
	}
	return nil, nil
}

func (s *server) codeAction(ctx context.Context, params json.RawMessage) (any, error) {
	var p protocol.CodeActionParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	return CodeActions(ctx, s.snapshot(p.TextDocument.URI), p.Range), nil
}

func (s *server) documentSymbol(ctx context.Context, params json.RawMessage) (any, error) {
	var p protocol.DocumentSymbolParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	return DocumentSymbols(s.snapshot(p.TextDocument.URI)), nil
}

func (s *server) foldingRange(ctx context.Context, params json.RawMessage) (any, error) {
	var p protocol.FoldingRangeParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	return FoldingRanges(s.snapshot(p.TextDocument.URI)), nil
}

func (s *server) codeLens(ctx context.Context, params json.RawMessage) (any, error) {
	var p protocol.CodeLensParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	return CodeLenses(s.snapshot(p.TextDocument.URI)), nil
}
