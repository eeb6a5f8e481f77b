package history

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/layerlint/layerlint/internal/instrmemo"
	"github.com/layerlint/layerlint/layerdiff"
)

// FuzzAlignPrefix aligns arbitrary Dockerfiles with arbitrary histories (one created_by a line; "~" before
// an entry makes it empty, "kaniko:" sets its author, "#" a comment): it must never panic, and the steps must
// hold every history entry once, in order, and every instruction once.
func FuzzAlignPrefix(f *testing.F) {
	f.Add("FROM x\nRUN make\nCMD [\"a\"]\n", "/bin/sh -c #(nop) ADD file:a in /\nRUN /bin/sh -c make # buildkit\n~CMD [\"a\"]")
	f.Add("FROM scratch\nCOPY a /a\nENV A=1\n", "kaniko:COPY a /a")
	f.Add("FROM b AS s\nRUN x\nFROM s\nONBUILD RUN y\nRUN z\n", "#FROM b\n/bin/sh -c x\n#FROM 0123456789ab\n/bin/sh -c z")
	f.Add("FROM x\nWORKDIR /a\nUSER u\n", "~USER u\n~USER u")
	f.Fuzz(func(t *testing.T, dockerfile, history string) {
		df, err := parser.Parse(strings.NewReader(dockerfile))
		if err != nil {
			return
		}
		var hist []v1.History
		comment := ""
		for _, l := range strings.Split(history, "\n") {
			if c, ok := strings.CutPrefix(l, "#"); ok {
				comment = c
				continue
			}
			h := v1.History{Comment: comment}
			comment = ""
			if rest, ok := strings.CutPrefix(l, "~"); ok {
				h.EmptyLayer, l = true, rest
			}
			if rest, ok := strings.CutPrefix(l, "kaniko:"); ok {
				h.Author, l = "kaniko", rest
			}
			h.CreatedBy = l
			hist = append(hist, h)
		}
		img := literalImage(hist...)
		a, err := AlignPrefix(img, df)
		if err != nil {
			return // a Dockerfile that instructions.Parse rejects
		}
		sameWithMemos(t, img, dockerfile)
		next, lines := 0, map[int]bool{}
		for _, s := range a.Steps {
			if s.History >= 0 {
				if s.History != next {
					t.Fatalf("entry %d where %d was due", s.History, next)
				}
				next++
			}
			if s.Line > 0 {
				if lines[s.Line] {
					t.Fatalf("line %d twice", s.Line)
				}
				lines[s.Line] = true
			}
		}
		if next != len(hist) || len(lines) != a.Instructions || a.Matched > a.Instructions || a.Start > len(hist) {
			t.Fatalf("%d of %d entries, %d of %d instructions, matched %d, start %d", next, len(hist), len(lines), a.Instructions, a.Matched, a.Start)
		}
		if (a.Err() == nil) != a.Complete() {
			t.Fatalf("complete %v, err %v", a.Complete(), a.Err())
		}
		if a.Diverged != nil {
			_ = a.Diverged.Error()
		}
	})
}

// sameWithMemos aligns versions of dockerfile as typing makes them, remembering comparisons and parsed
// instructions (WithMatches, WithInstructionMemo) as the language server does: each alignment must equal
// one made from scratch.
func sameWithMemos(t *testing.T, img *layerdiff.Image, dockerfile string) {
	t.Helper()
	m, im := NewMatches(), instrmemo.New(4)
	versions := []string{dockerfile, strings.Replace(dockerfile, "a", "ab", 1), dockerfile + "\nRUN x\n", dockerfile}
	for i, v := range versions {
		df, err := parser.Parse(strings.NewReader(v))
		if err != nil {
			continue
		}
		want, werr := AlignPrefix(img, df, WithoutMeasure())
		got, gerr := AlignPrefix(img, df, WithoutMeasure(), WithMatches(m), WithInstructionMemo(im))
		if fmt.Sprint(werr) != fmt.Sprint(gerr) {
			t.Fatalf("version %d: error %v with memos, %v without", i, gerr, werr)
		}
		if werr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("version %d: with memos\n%+v\nwithout\n%+v", i, got, want)
		}
	}
}
