package cache

import (
	"maps"
	"regexp"
	"testing"
)

func TestParseEnvBody(t *testing.T) {
	for body, want := range map[string]map[string]string{
		"A=1":                   {"A": "1"},
		"A=1 B=two words":       {"A": "1", "B": "two words"},
		"PATH=/usr/bin:/bin X=": {"PATH": "/usr/bin:/bin", "X": ""},
		"":                      {},
	} {
		if got := parseEnvBody(body); !maps.Equal(got, want) {
			t.Errorf("parseEnvBody(%q) = %v, want %v", body, got, want)
		}
	}
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// FuzzParseEnvBody reads arbitrary ENV bodies as BuildKit writes them: no panic, only variable names as keys.
func FuzzParseEnvBody(f *testing.F) {
	for _, s := range []string{"A=1 B=two words", "=x", "A==", "  A=1\tB=2", "1A=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for k := range parseEnvBody(body) {
			if !envName.MatchString(k) {
				t.Fatalf("key %q from %q", k, body)
			}
		}
	})
}
