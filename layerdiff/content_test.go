package layerdiff

import (
	"context"
	"strings"
	"testing"
)

func TestUnifiedDiff(t *testing.T) {
	a := "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n"
	b := "one\ntwo\nTHREE\nfour\nfive\nsix\nseven\neight\nnine\nten\neleven\n"
	want := `--- a/f
+++ b/f
@@ -1,6 +1,6 @@
 one
 two
-three
+THREE
 four
 five
 six
@@ -8,3 +8,4 @@
 eight
 nine
 ten
+eleven
`
	if got := UnifiedDiff("a/f", "b/f", a, b); got != want {
		t.Errorf("UnifiedDiff:\n%s\nwant:\n%s", got, want)
	}
	if got := UnifiedDiff("a", "b", "same\n", "same\n"); got != "" {
		t.Errorf("equal texts: %q", got)
	}
	if got := UnifiedDiff("a", "b", "", "new\n"); !strings.Contains(got, "@@ -0,0 +1,1 @@\n+new\n") {
		t.Errorf("added file:\n%s", got)
	}
}

func TestAddContentDiffs(t *testing.T) {
	ia, ib := craftedPair(t)
	a, b := read(t, "a", ia), read(t, "b", ib)
	rep := diff(t, a, b)
	if err := AddContentDiffs(context.Background(), rep, a, b, 1<<20); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Files {
		switch f.Path {
		case "app/main.js":
			if !strings.Contains(f.Diff, "-console.log(1)\n+console.log(2)\n") {
				t.Errorf("main.js diff:\n%s", f.Diff)
			}
		case "app/new.txt":
			if !strings.Contains(f.Diff, "+new\n\\ No newline at end of file") {
				t.Errorf("new.txt diff:\n%s", f.Diff)
			}
		case "app/run.sh":
			if f.Diff != "" {
				t.Errorf("mode-only change got a diff:\n%s", f.Diff)
			}
		}
	}
	rep = diff(t, a, b)
	if err := AddContentDiffs(context.Background(), rep, a, b, 4); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Files {
		if f.Path == "app/main.js" && (f.Diff != "" || !strings.Contains(f.Note, "larger than")) {
			t.Errorf("over the cap: diff %q note %q", f.Diff, f.Note)
		}
	}
}
