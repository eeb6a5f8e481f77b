package lint

import (
	"bytes"
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
