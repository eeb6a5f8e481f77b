package lint

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var (
	wantRe = regexp.MustCompile(`^\s*#\s*want\s+(.*)$`)
	// wantHere is a want at the end of a comment line, for findings on the
	// comment itself (a pragma): "# layerlint ignore=X  # want "Rule"".
	wantHere = regexp.MustCompile(`^\s*#.*\S\s+#\s*want\s+(".*)$`)
)
var wantName = regexp.MustCompile(`"([A-Za-z]+)"`)

// TestRules runs every rule on testdata/src/<Rule>/*.Dockerfile and checks
// the findings against the "# want" comments on the line above each flagged
// instruction. Files named good*.Dockerfile must have no wants.
func TestRules(t *testing.T) {
	dirs, err := filepath.Glob("testdata/src/*")
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.Dockerfile"))
		for _, file := range files {
			covered[filepath.Base(dir)] = true
			t.Run(filepath.Base(dir)+"/"+filepath.Base(file), func(t *testing.T) { checkWants(t, file) })
		}
	}
	for _, r := range All {
		if r.NeedsImage {
			continue
		}
		if !covered[r.Name] {
			t.Errorf("rule %s has no testdata/src/%s", r.Name, r.Name)
		}
		for _, kind := range []string{"bad", "good"} {
			if _, err := os.Stat(filepath.Join("testdata/src", r.Name, kind+".Dockerfile")); err != nil {
				t.Errorf("rule %s: missing %s.Dockerfile", r.Name, kind)
			}
		}
	}
}

// checkWants runs the rules with opts on file, compares the findings with
// the file's wants and returns them.
func checkWants(t *testing.T, file string, opts ...Option) []Finding {
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	df, err := ParseDockerfile(file, src)
	if err != nil {
		t.Fatal(err)
	}
	// want[line] lists rule names expected on the instruction starting
	// after the comment block holding the want.
	want := map[int][]string{}
	lines := strings.Split(string(src), "\n")
	for i, l := range lines {
		if m := wantHere.FindStringSubmatch(l); m != nil {
			for _, n := range wantName.FindAllStringSubmatch(m[1], -1) {
				want[i+1] = append(want[i+1], n[1])
			}
			continue
		}
		m := wantRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		target := i + 2
		for target <= len(lines) && strings.HasPrefix(strings.TrimSpace(lines[target-1]), "#") {
			target++
		}
		for _, n := range wantName.FindAllStringSubmatch(m[1], -1) {
			want[target] = append(want[target], n[1])
		}
	}
	if strings.HasPrefix(filepath.Base(file), "good") && len(want) > 0 {
		t.Fatalf("%s: good files must not have wants", file)
	}
	findings, err := Run(context.Background(), df, opts...)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int][]string{}
	for _, f := range findings {
		in := df.InstructionAt(f.Line)
		line := f.Line
		if in != nil {
			line = in.StartLine
		}
		got[line] = append(got[line], f.Rule)
		if f.Col < 1 || f.EndLine < f.Line || f.EndLine == f.Line && f.EndCol <= f.Col {
			t.Errorf("%s:%d: %s: bad range %d:%d-%d:%d", file, f.Line, f.Rule, f.Line, f.Col, f.EndLine, f.EndCol)
		}
	}
	for line := range union(want, got) {
		w, g := sorted(want[line]), sorted(got[line])
		if strings.Join(w, ",") != strings.Join(g, ",") {
			t.Errorf("%s:%d: want %v, got %v", file, line, w, g)
		}
	}
	return findings
}

func union(a, b map[int][]string) map[int]bool {
	u := map[int]bool{}
	for k := range a {
		u[k] = true
	}
	for k := range b {
		u[k] = true
	}
	return u
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}
