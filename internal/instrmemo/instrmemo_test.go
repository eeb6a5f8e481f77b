package instrmemo

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// sameParse reports how m.Parse of src differs from instructions.Parse, or "" when it does not: the same
// stages, commands and meta ARGs, or the same error.
func sameParse(m *Memo, src string) string {
	res, err := parser.Parse(strings.NewReader(src))
	if err != nil {
		return ""
	}
	ws, wa, werr := instructions.Parse(res.AST, nil)
	gs, ga, gerr := m.Parse(res.AST)
	if errText(werr) != errText(gerr) {
		return fmt.Sprintf("error %v, instructions.Parse %v", gerr, werr)
	}
	if !reflect.DeepEqual(gs, ws) || !reflect.DeepEqual(ga, wa) {
		return fmt.Sprintf("got %#v %#v\ninstructions.Parse %#v %#v", gs, ga, ws, wa)
	}
	for _, n := range res.AST.Children {
		wv, werr := instructions.ParseInstruction(n)
		gv, gerr := m.Instruction(n)
		if errText(werr) != errText(gerr) || !reflect.DeepEqual(gv, wv) {
			return fmt.Sprintf("line %d: got %#v %v, ParseInstruction %#v %v", n.StartLine, gv, gerr, wv, werr)
		}
	}
	return ""
}

// didYouMean is BuildKit's suggestion for an unknown instruction: it picks among equally close names in
// map order, so two parses of one node can suggest different ones.
var didYouMean = regexp.MustCompile(` \(did you mean [^)]*\)`)

func errText(err error) string {
	return didYouMean.ReplaceAllString(fmt.Sprint(err), "")
}

// edits are versions of one Dockerfile as typing makes them: each shares most nodes with the one before, so
// the memo answers from what it remembers, and must answer what a fresh parse does.
var edits = []string{
	"ARG V=1\nFROM alpine:$V AS base\n# a comment\nRUN echo a\nENV A=1\nCOPY --chown=1:1 a /b\n",
	"ARG V=1\nFROM alpine:$V AS base\n# a comment\nRUN echo ab\nENV A=1\nCOPY --chown=1:1 a /b\n",
	"ARG V=1\nFROM alpine:$V AS base\n# another comment\nRUN echo ab\nENV A=1\nCOPY --chown=1:1 a /b\n",
	"ARG V=1\nFROM alpine:$V AS base\n\n# another comment\nRUN echo ab\nENV A=1\nCOPY --chown=1:1 a /b\n",
	"ARG V=1\nFROM alpine:$V AS base\nRUN echo ab \\\n  && echo c\nENV A=1\nCOPY --chown=1:1 a /b\n",
	"ARG V=1\nFROM alpine:$V AS base\nRUN echo ab \\\n  && echo c\nENV A=1\nCOPY --chown=1:2 a /b\n",
	"ARG V=1\nFROM alpine:$V AS base\nRUN [\"echo\", \"ab\"]\nENV A=1\nCOPY --chown=1:2 a /b\n",
	"ARG V=1\nFROM alpine:$V AS base\nRUN echo ab\nENV A=1\nCOPY <<EOF /b\nx\nEOF\n",
	"ARG V=1\nFROM alpine:$V AS base\nRUN echo ab\nENV A=1\nCOPY <<EOF /b\ny\nEOF\n",
	"# escape=`\nARG V=1\nFROM alpine:$V AS base\nRUN echo ab `\n  c\n",
	"ARG V=1\nRUN echo before from\nFROM alpine\n",
	"FROM alpine\nCOPY --bogus=1 a b\n",
	"FROM alpine\nCOPY --bogus=2 a b\n",
}

func TestParseEqualsBuildKit(t *testing.T) {
	m := New(0)
	for round := range 2 {
		for i, src := range edits {
			if d := sameParse(m, src); d != "" {
				t.Errorf("round %d, version %d: %s", round, i, d)
			}
		}
	}
	if m == nil || len(m.cur) == 0 {
		t.Fatal("the memo remembered nothing")
	}
}

// TestRemembers checks that an unchanged node is not parsed again: the memo hands back the very instruction.
func TestRemembers(t *testing.T) {
	m := New(0)
	a, _ := parser.Parse(strings.NewReader(edits[0]))
	b, _ := parser.Parse(strings.NewReader(edits[1]))
	first, _ := m.Instruction(a.AST.Children[4]) // ENV A=1, the same node in both
	again, _ := m.Instruction(b.AST.Children[4])
	if first != again {
		t.Error("an unchanged instruction was parsed again")
	}
	run1, _ := m.Instruction(a.AST.Children[2])
	run2, _ := m.Instruction(b.AST.Children[2])
	if run1 == run2 || reflect.DeepEqual(run1, run2) {
		t.Error("a changed RUN came back as the old one")
	}
}

// TestBounded checks that the memo forgets: typing makes a new version of a line per keystroke.
func TestBounded(t *testing.T) {
	m := New(64)
	for i := range 1000 {
		res, _ := parser.Parse(strings.NewReader(fmt.Sprintf("FROM alpine\nRUN echo %d\n", i)))
		if _, err := m.Instruction(res.AST.Children[1]); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(m.cur) + len(m.prev); n > 128 {
		t.Errorf("the memo holds %d instructions, bounded at 64 it may hold 128", n)
	}
}

// TestCorpus compares with instructions.Parse on the repository's Dockerfiles and, when LAYERLINT_CORPUS
// names it, the shared corpus of real-world ones.
func TestCorpus(t *testing.T) {
	var files []string
	for _, dir := range []string{filepath.Join("..", "..", "testdata"), os.Getenv("LAYERLINT_CORPUS")} {
		if dir == "" {
			continue
		}
		_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.Contains(d.Name(), "Dockerfile") || strings.HasSuffix(d.Name(), ".dockerfile")) {
				files = append(files, path)
			}
			return nil
		})
	}
	if len(files) == 0 {
		t.Fatal("no Dockerfiles found")
	}
	m := New(0)
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // the second time from the memo
			if d := sameParse(m, string(src)); d != "" {
				t.Errorf("%s: %s", f, d)
				break
			}
		}
	}
	t.Logf("%d Dockerfiles", len(files))
}

// FuzzParse checks that the memo's parse of a Dockerfile, and of a second one parsed after it with the same
// memo, equal instructions.Parse.
func FuzzParse(f *testing.F) {
	for i := 1; i < len(edits); i++ {
		f.Add(edits[i-1], edits[i])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		m := New(8)
		for _, src := range []string{a, b, a} {
			if d := sameParse(m, src); d != "" {
				t.Fatal(d)
			}
		}
	})
}

// longAST is the parse of a 3,000-instruction Dockerfile of two-line RUNs.
func longAST(b *testing.B) *parser.Node {
	var sb strings.Builder
	sb.WriteString("FROM alpine\n")
	for i := range 3000 {
		fmt.Fprintf(&sb, "RUN echo %d >> /log && \\\n  touch /f%d\n", i, i)
	}
	res, err := parser.Parse(strings.NewReader(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	return res.AST
}

// BenchmarkParseRemembered is a keystroke's instruction parsing in a 3,000-instruction Dockerfile, the
// instructions remembered. BenchmarkParseBuildKit is the same parse without the memo: instructions.Parse.
func BenchmarkParseRemembered(b *testing.B) {
	ast, m := longAST(b), New(0)
	if _, _, err := m.Parse(ast); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, _, err := m.Parse(ast); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseBuildKit(b *testing.B) {
	ast := longAST(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, _, err := instructions.Parse(ast, nil); err != nil {
			b.Fatal(err)
		}
	}
}
