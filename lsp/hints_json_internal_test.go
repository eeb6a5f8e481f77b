package lsp

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// decodeBoth decodes what hintList encodes and what encoding/json makes of the same hints.
func decodeBoth(t *testing.T, hs []InlayHint) (got, want []InlayHint) {
	t.Helper()
	mine, err := hintList(hs).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	std, err := json.Marshal(hs)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(mine) {
		t.Fatalf("hintList encodes invalid JSON: %s", mine)
	}
	if err := json.Unmarshal(mine, &got); err != nil {
		t.Fatalf("decoding %s: %v", mine, err)
	}
	if err := json.Unmarshal(std, &want); err != nil {
		t.Fatal(err)
	}
	return got, want
}

func TestHintListJSON(t *testing.T) {
	hs := []InlayHint{
		{Position: protocol.Position{Line: 3, Character: 40}, Label: "+81 MB", Tooltip: "RUN /bin/sh -c apt-get install -y \"curl\" \\\n\t<x> & y", PaddingLeft: true},
		{Position: protocol.Position{Line: 4}, Label: "rebuild: src/\x01main.go changed", Kind: InlayHintKindType, PaddingRight: true},
		{Label: "bad \xff utf-8 é \u2028", Tooltip: ""},
		{Label: "with data", Data: map[string]any{"a": 1.0}, TextEdits: []protocol.TextEdit{{NewText: "x"}}},
	}
	got, want := decodeBoth(t, hs)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("hintList decodes to\n%+v\nencoding/json's to\n%+v", got, want)
	}
	if b, _ := (hintList{}).MarshalJSON(); string(b) != "[]" {
		t.Errorf("no hints encode as %s, want []", b)
	}
}

// FuzzHintListJSON holds hintList's encoding to encoding/json's, decoded.
func FuzzHintListJSON(f *testing.F) {
	f.Add("+81 MB", "RUN apt-get \"x\"\n", uint32(3), uint32(7), true)
	f.Add("\xff\x00", "\u2028<&>", uint32(0), uint32(0), false)
	f.Fuzz(func(t *testing.T, label, tooltip string, line, char uint32, pad bool) {
		hs := []InlayHint{{Position: protocol.Position{Line: line, Character: char}, Label: label, Tooltip: tooltip, PaddingLeft: pad}, {Label: tooltip}}
		got, want := decodeBoth(t, hs)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("hintList decodes to %+v, encoding/json's to %+v", got, want)
		}
	})
}

// TestEncodeMessage holds the stream's encoding of a successful response, put together from its encoded
// result, to jsonrpc2's own.
func TestEncodeMessage(t *testing.T) {
	for _, tc := range []struct {
		id     jsonrpc2.ID
		result any
		err    error
	}{
		{jsonrpc2.NewNumberID(7), hintList{{Label: "cached", Tooltip: "a \"b\""}}, nil},
		{jsonrpc2.NewStringID("x\"1"), map[string]any{"a": []int{1, 2}}, nil},
		{jsonrpc2.NewNumberID(1), nil, nil},
		{jsonrpc2.NewNumberID(2), nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "bad")},
		{jsonrpc2.NewNumberID(3), nil, errors.New("plain")},
	} {
		r, err := jsonrpc2.NewResponse(tc.id, tc.result, tc.err)
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeMessage(r)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("%s: %v", got, err)
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("encoded %s, jsonrpc2 %s", got, want)
		}
	}
}
