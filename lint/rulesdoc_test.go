package lint

import (
	"bytes"
	"context"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files and RULES.md")

func TestRulesDoc(t *testing.T) {
	want := RulesMarkdown()
	if *update {
		if err := os.WriteFile("RULES.md", want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("RULES.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("RULES.md is out of date; run go test ./lint -run TestRulesDoc -update")
	}
	for _, r := range All {
		if r.URL != DocsBase+"#"+lower(r.Name) || !bytes.Contains(got, []byte("## "+r.Name+"\n")) {
			t.Errorf("rule %s: URL %s has no matching heading", r.Name, r.URL)
		}
	}
}

func lower(s string) string { return string(bytes.ToLower([]byte(s))) }

// TestRuleExamples checks the examples RULES.md shows: each rule flags its
// Bad Dockerfile and not its Good one.
func TestRuleExamples(t *testing.T) {
	for _, r := range All {
		if r.NeedsImage {
			if r.Bad != "" {
				t.Errorf("%s needs an image: its examples cannot be checked", r.Name)
			}
			continue
		}
		if r.Bad == "" || r.Good == "" || r.Why == "" || r.HowToFix == "" {
			t.Errorf("%s: Why, Bad, Good and HowToFix must all be written", r.Name)
			continue
		}
		for _, ex := range []struct {
			name string
			src  string
			want bool
		}{{"Bad", r.Bad, true}, {"Good", r.Good, false}} {
			df, err := ParseDockerfile(r.Name+"."+ex.name, []byte(ex.src))
			if err != nil {
				t.Errorf("%s.%s: %v", r.Name, ex.name, err)
				continue
			}
			fs, err := Run(context.Background(), df, WithRules(r), WithBuildKitChecks(false))
			if err != nil {
				t.Fatal(err)
			}
			if got := len(fs) > 0; got != ex.want {
				t.Errorf("%s.%s: flagged %v, want %v (%v)", r.Name, ex.name, got, ex.want, fs)
			}
		}
	}
}
