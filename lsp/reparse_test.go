package lsp

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

const reparseBase = `# syntax=docker/dockerfile:1
# check=skip=JSONArgsRecommended
ARG BASE=debian
FROM ${BASE} AS build
# a comment that belongs to the RUN
RUN apt-get update && \
    # a comment inside the continuation
    apt-get install -y make \

    gcc
COPY <<EOF /etc/conf
line one
EOF
RUN <<-SCRIPT bash
	echo hi
	SCRIPT
ONBUILD RUN echo later
ENV A=b C=d

LABEL x=y
FROM scratch
COPY --from=build /out /out
CMD ["/out"]
`

// dumpNode renders a node and everything under it, lines included, for error messages.
func dumpNode(n *parser.Node) string {
	if n == nil {
		return "<nil>"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d-%d %q %q %v %v %v", n.StartLine, n.EndLine, n.Value, n.Original, n.Flags, n.PrevComment, n.Heredocs)
	for c := n.Next; c != nil; c = c.Next {
		fmt.Fprintf(&b, " -> %q", c.Value)
		for _, ch := range c.Children {
			b.WriteString(" [" + dumpNode(ch) + "]")
		}
	}
	return b.String()
}

// checkReparse compares reparse with BuildKit's own parse of the whole new text.
func checkReparse(t *testing.T, old, text string) (spliced bool) {
	t.Helper()
	prev, err := parseText(old)
	if err != nil {
		return false
	}
	want, wantErr := parser.Parse(strings.NewReader(text))
	got, gotErr := reparse(parsed{text: old, res: prev}, text)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("reparse error %v, parse error %v\nold %q\nnew %q", gotErr, wantErr, old, text)
	}
	if wantErr != nil {
		return false
	}
	if !reflect.DeepEqual(got, want) {
		var g, w strings.Builder
		for _, n := range got.AST.Children {
			g.WriteString(dumpNode(n) + "\n")
		}
		for _, n := range want.AST.Children {
			w.WriteString(dumpNode(n) + "\n")
		}
		t.Fatalf("reparse differs from parse\nold %q\nnew %q\ngot (root %d-%d, warnings %+v):\n%swant (root %d-%d, warnings %+v):\n%s",
			old, text, got.AST.StartLine, got.AST.EndLine, got.Warnings, g.String(), want.AST.StartLine, want.AST.EndLine, want.Warnings, w.String())
	}
	_, spliced = reparseWindow(parsed{text: old, res: prev}, text)
	return spliced
}

// TestReparseEdits makes the edits typing makes, everywhere in a Dockerfile with comments, continuations,
// heredocs, directives and two stages: the spliced parse equals the parse of the whole text, and most
// edits are spliced.
func TestReparseEdits(t *testing.T) {
	lines := strings.SplitAfter(reparseBase, "\n")
	spliced, total := 0, 0
	for i := range lines {
		at := len(strings.Join(lines[:i], ""))
		for _, edit := range []struct{ del, ins string }{
			{"", "R"}, {"", "RUN x\n"}, {"", "# c\n"}, {"", "\n"}, {"", "RUN a \\\n"}, {"", "RUN <<E\n"},
			{"", "E\n"}, {"", "\\\n"}, {lines[i], ""}, {lines[i], strings.ToUpper(lines[i])},
		} {
			text := reparseBase[:at] + edit.ins + reparseBase[at+len(edit.del):]
			total++
			if checkReparse(t, reparseBase, text) {
				spliced++
			}
		}
	}
	if spliced < total/2 {
		t.Errorf("%d of %d edits spliced, want most", spliced, total)
	}
	t.Logf("%d of %d edits spliced", spliced, total)

	// Typing a RUN character by character in the middle of a long file splices every time.
	var b strings.Builder
	b.WriteString("FROM scratch\n")
	for i := range 200 {
		fmt.Fprintf(&b, "RUN echo %d && \\\n    true\n", i)
	}
	long := b.String()
	at := strings.Index(long, "RUN echo 100")
	old := long
	for _, typed := range []string{"R", "RU", "RUN", "RUN ", "RUN m", "RUN ma", "RUN make\n"} {
		text := long[:at] + typed + "\n" + long[at:]
		if !checkReparse(t, old, text) {
			t.Errorf("typing %q was not spliced", typed)
		}
		old = text
	}
}

// FuzzReparse edits a Dockerfile at an arbitrary place: reparse must equal a parse of the whole new text.
func FuzzReparse(f *testing.F) {
	f.Add(reparseBase, uint16(120), uint8(0), "RUN x\n")
	f.Add(reparseBase, uint16(200), uint8(5), "")
	f.Add(reparseBase, uint16(300), uint8(1), "\\\n")
	f.Add("# escape=`\nFROM a\nRUN x `\n  y\nRUN z\n", uint16(20), uint8(0), "`")
	f.Add("FROM a\r\nRUN b\r\nRUN c\r\n", uint16(10), uint8(0), "\r\n#x\r\n")
	f.Add("FROM a\nRUN <<EOF\nx\nEOF\nRUN y\n", uint16(14), uint8(3), "E")
	f.Fuzz(func(t *testing.T, old string, pos uint16, del uint8, ins string) {
		p := int(pos) % (len(old) + 1)
		q := min(len(old), p+int(del))
		checkReparse(t, old, old[:p]+ins+old[q:])
	})
}
