package lsp_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/layerlint/layerlint/lsp"
)

// languageMethods are the Dockerfile-language requests, each with the params it needs besides the
// document and the position.
var languageMethods = []struct{ method, extra string }{
	{"textDocument/completion", ``},
	{"textDocument/hover", ``},
	{"textDocument/definition", ``},
	{"textDocument/references", `,"context":{"includeDeclaration":true}`},
	{"textDocument/documentHighlight", ``},
	{"textDocument/prepareRename", ``},
	{"textDocument/rename", `,"newName":"renamed"`},
	{"textDocument/semanticTokens/full", ``},
	{"textDocument/semanticTokens/range", `,"range":{"start":{"line":0,"character":0},"end":{"line":9999,"character":0}}`},
	{"textDocument/documentLink", ``},
}

// FuzzLanguageRequests opens an arbitrary Dockerfile in the real server and asks every language request at
// an arbitrary position, and once with a malformed position: each must get an answer that is a result or
// an error other than InternalError (which a panic in a feature becomes), and semantic tokens must stay
// inside the document.
func FuzzLanguageRequests(f *testing.F) {
	for _, seed := range []string{
		"ARG A=1\nFROM x:${A} AS b\nENV E=$A\nRUN --mount=type=cache,from=b,target=/c echo $E\nCOPY --from=b /a /b\n",
		"# escape=`\nFROM a AS b `\n  c\nRUN <<EOF\n$X ${Y:-${Z}}\nEOF\n",
		"FROM --platform=$BUILDPLATFORM ${",
		"ONBUILD COPY --from=0 . $",
		"ENV A B C\nARG\nFROM\nCOPY --from= \"x\nRUN '$A\" \\\n",
		"FROM é AS ü\nRUN echo ✓ ${ü}\n",
	} {
		f.Add(seed, uint16(1), uint16(5))
	}
	f.Fuzz(func(t *testing.T, text string, line, char uint16) {
		r := startRaw(t, lsp.Options{})
		r.initialize()
		doc, _ := json.Marshal(text)
		r.send(`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///w/Dockerfile","languageId":"dockerfile","version":1,"text":` + string(doc) + `}}}`)
		for i, m := range languageMethods {
			for j, pos := range []string{fmt.Sprintf(`{"line":%d,"character":%d}`, line, char), `{"line":-1,"character":"x"}`} {
				r.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q,"params":{"textDocument":{"uri":"file:///w/Dockerfile"},"position":%s%s}}`, i*2+j+1, m.method, pos, m.extra))
				resp := r.read()
				if resp.Error != nil && resp.Error.Code == -32603 {
					t.Fatalf("%s at %s: internal error: %s", m.method, pos, resp.Error.Message)
				}
				if j == 1 && strings.HasPrefix(m.method, "textDocument/") && !strings.HasPrefix(m.method, "textDocument/semanticTokens") && m.method != "textDocument/documentLink" && resp.Error == nil {
					t.Fatalf("%s with a malformed position answered %s, want InvalidParams", m.method, resp.Result)
				}
				if j == 0 && strings.HasPrefix(m.method, "textDocument/semanticTokens") && resp.Error == nil {
					checkTokensInside(t, text, resp.Result)
				}
			}
		}
	})
}

// checkTokensInside decodes semantic tokens and checks that each lies within its line.
func checkTokensInside(t *testing.T, text string, raw json.RawMessage) {
	var toks struct {
		Data []uint32 `json:"data"`
	}
	if err := json.Unmarshal(raw, &toks); err != nil || len(toks.Data)%5 != 0 {
		t.Fatalf("semantic tokens %s: %v", raw, err)
	}
	lines := strings.Split(text, "\n")
	line, char := 0, 0
	for i := 0; i < len(toks.Data); i += 5 {
		d := toks.Data[i : i+5]
		if d[0] > 0 {
			line, char = line+int(d[0]), 0
		}
		char += int(d[1])
		if line >= len(lines) {
			t.Fatalf("token %d on line %d of %d", i/5, line+1, len(lines))
		}
		l := strings.TrimSuffix(lines[line], "\r")
		if n := len(utf16.Encode([]rune(l))); char+int(d[2]) > n || d[2] == 0 {
			t.Fatalf("token %d at %d:%d+%d outside its line (%d units): %q", i/5, line+1, char, d[2], n, l)
		}
	}
}
