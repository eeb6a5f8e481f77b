package lsp_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"go.lsp.dev/protocol"
)

// checkMarker asks s what the marker m is about and says how the answer falls short, nil when it is right.
func checkMarker(s *langServer, m langMarker, locs map[string]protocol.Range) error {
	at := map[string]any{
		"textDocument": map[string]any{"uri": s.uri},
		"position":     map[string]any{"line": m.line, "character": m.col},
	}
	want := func(names []string) ([]protocol.Range, error) {
		var out []protocol.Range
		for _, n := range names {
			r, ok := locs[strings.TrimPrefix(n, "*")]
			if !ok {
				return nil, fmt.Errorf("marker names unknown loc %q", n)
			}
			out = append(out, r)
		}
		return out, nil
	}
	switch m.kind {
	case "complete":
		raw, err := s.ask(protocol.MethodTextDocumentCompletion, at)
		if err != nil {
			return err
		}
		var list protocol.CompletionList
		if json.Unmarshal(raw, &list.Items) != nil {
			_ = json.Unmarshal(raw, &list)
		}
		var labels []string
		for _, it := range list.Items {
			labels = append(labels, completionWord(it.Label))
		}
		for _, a := range m.args {
			a = completionWord(a)
			if no, ok := strings.CutPrefix(a, "!"); ok && slices.Contains(labels, no) {
				return fmt.Errorf("offers %q: %v", no, labels)
			} else if !ok && !slices.Contains(labels, a) {
				return fmt.Errorf("does not offer %q: %v", a, labels)
			}
		}
	case "hover":
		raw, err := s.ask(protocol.MethodTextDocumentHover, at)
		if err != nil {
			return err
		}
		text := hoverText(raw)
		if w := strings.Join(m.args, " "); !strings.Contains(strings.ToLower(text), strings.ToLower(w)) {
			return fmt.Errorf("hover does not contain %q: %q", w, text)
		}
	case "def", "refs":
		method := protocol.MethodTextDocumentDefinition
		if m.kind == "refs" {
			method = protocol.MethodTextDocumentReferences
			at["context"] = map[string]any{"includeDeclaration": true}
		}
		raw, err := s.ask(method, at)
		if err != nil {
			return err
		}
		names := m.args
		if len(names) == 1 && names[0] == "-" {
			names = nil
		}
		w, err := want(names)
		if err != nil {
			return err
		}
		return sameRanges(rangesOf(raw), w)
	case "highlight":
		raw, err := s.ask(protocol.MethodTextDocumentDocumentHighlight, at)
		if err != nil {
			return err
		}
		var hs []protocol.DocumentHighlight
		_ = json.Unmarshal(raw, &hs)
		var got []protocol.Range
		for _, h := range hs {
			got = append(got, h.Range)
		}
		w, err := want(m.args)
		if err != nil {
			return err
		}
		if err := sameRanges(got, w); err != nil {
			return err
		}
		for _, h := range hs {
			for i, n := range m.args {
				if h.Range == w[i] && (h.Kind == protocol.DocumentHighlightKindWrite) != strings.HasPrefix(n, "*") {
					return fmt.Errorf("%s is kind %v", n, h.Kind)
				}
			}
		}
	case "rename":
		return checkRename(s, m, at, want)
	case "token":
		return checkToken(s, m)
	case "link":
		raw, err := s.ask(protocol.MethodTextDocumentDocumentLink, map[string]any{"textDocument": map[string]any{"uri": s.uri}})
		if err != nil {
			return err
		}
		var links []protocol.DocumentLink
		_ = json.Unmarshal(raw, &links)
		var got []string
		for _, l := range links {
			if !covers(l.Range, m.line, m.col) {
				continue
			}
			if m.args[0] == "-" {
				return fmt.Errorf("a link here: %+v", l)
			}
			if l.Target == "" { // resolved lazily
				if r, err := s.ask(protocol.MethodDocumentLinkResolve, l); err == nil {
					_ = json.Unmarshal(r, &l)
				}
			}
			if strings.TrimSuffix(string(l.Target), "/") == strings.TrimSuffix(m.args[0], "/") {
				return nil
			}
			got = append(got, string(l.Target))
		}
		if m.args[0] == "-" {
			return nil
		}
		return fmt.Errorf("no link to %s here: %v", m.args[0], got)
	default:
		return fmt.Errorf("unknown marker kind %q", m.kind)
	}
	return nil
}

func checkRename(s *langServer, m langMarker, at map[string]any, want func([]string) ([]protocol.Range, error)) error {
	refuse := len(m.args) == 2 && m.args[1] == "!"
	prep, perr := s.ask(protocol.MethodTextDocumentPrepareRename, at)
	at["newName"] = m.args[0]
	raw, err := s.ask(protocol.MethodTextDocumentRename, at)
	var edit struct {
		Changes         map[string][]protocol.TextEdit `json:"changes"`
		DocumentChanges []struct {
			Edits []protocol.TextEdit `json:"edits"`
		} `json:"documentChanges"`
	}
	if err == nil {
		_ = json.Unmarshal(raw, &edit)
	}
	edits := edit.Changes[string(s.uri)]
	for _, dc := range edit.DocumentChanges {
		edits = append(edits, dc.Edits...)
	}
	if refuse {
		if perr != nil || string(prep) == "null" || err != nil || len(edits) == 0 {
			return nil
		}
		return fmt.Errorf("renamed to %q: %v", m.args[0], edits)
	}
	if perr != nil {
		return fmt.Errorf("prepareRename: %v", perr)
	}
	if err != nil {
		return err
	}
	w, err := want(m.args[1:])
	if err != nil {
		return err
	}
	var got []protocol.Range
	for _, e := range edits {
		if e.NewText != m.args[0] {
			return fmt.Errorf("edit writes %q", e.NewText)
		}
		got = append(got, e.Range)
	}
	return sameRanges(got, w)
}

func checkToken(s *langServer, m langMarker) error {
	raw, err := s.ask(protocol.MethodSemanticTokensFull, map[string]any{"textDocument": map[string]any{"uri": s.uri}})
	if err != nil {
		return err
	}
	var toks protocol.SemanticTokens
	if err := json.Unmarshal(raw, &toks); err != nil || len(toks.Data)%5 != 0 {
		return fmt.Errorf("semantic tokens %s: %v", raw, err)
	}
	wantType, wantMod, _ := strings.Cut(m.args[0], ".")
	line, char := 0, 0
	for i := 0; i < len(toks.Data); i += 5 {
		d := toks.Data[i : i+5]
		if d[0] > 0 {
			line, char = line+int(d[0]), 0
		}
		char += int(d[1])
		if line != m.line || m.col < char || m.col >= char+int(d[2]) {
			continue
		}
		typ := "?"
		if int(d[3]) < len(s.legend.TokenTypes) {
			typ = string(s.legend.TokenTypes[d[3]])
		}
		var mods []string
		for b, name := range s.legend.TokenModifiers {
			if d[4]&(1<<b) != 0 {
				mods = append(mods, string(name))
			}
		}
		if !slices.Contains(strings.Split(wantType, "|"), typ) || wantMod != "" && !slices.Contains(mods, wantMod) {
			return fmt.Errorf("token is %s %v", typ, mods)
		}
		return nil
	}
	return fmt.Errorf("no semantic token at %d:%d", m.line+1, m.col)
}

// completionWord is what a completion label offers, without the decoration servers add: "${NAME}" and
// "$NAME" are NAME, "--flag=" is --flag, "HEALTHCHECK CMD" is HEALTHCHECK.
func completionWord(label string) string {
	neg := strings.HasPrefix(label, "!")
	w := strings.TrimPrefix(label, "!")
	if f := strings.Fields(w); len(f) > 0 {
		w = f[0]
	}
	w = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(w, "$"), "{"), "}")
	w = strings.TrimSuffix(w, "=")
	if neg {
		return "!" + w
	}
	return w
}

// hoverText returns a hover's text: MarkupContent, a MarkedString or a list of them.
func hoverText(raw json.RawMessage) string {
	var h struct {
		Contents json.RawMessage `json:"contents"`
	}
	if json.Unmarshal(raw, &h) != nil || len(h.Contents) == 0 {
		return ""
	}
	var mc struct {
		Value string `json:"value"`
	}
	if json.Unmarshal(h.Contents, &mc) == nil && mc.Value != "" {
		return mc.Value
	}
	var s string
	if json.Unmarshal(h.Contents, &s) == nil {
		return s
	}
	var list []json.RawMessage
	_ = json.Unmarshal(h.Contents, &list)
	var parts []string
	for _, item := range list {
		if json.Unmarshal(item, &s) == nil {
			parts = append(parts, s)
		} else if json.Unmarshal(item, &mc) == nil {
			parts = append(parts, mc.Value)
		}
	}
	return strings.Join(parts, "\n")
}

func covers(r protocol.Range, line, col int) bool {
	return int(r.Start.Line) == line && int(r.Start.Character) <= col && col < int(r.End.Character)
}
