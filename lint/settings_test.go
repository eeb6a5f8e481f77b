package lint

import (
	"strconv"
	"strings"
	"testing"
)

func TestSettings(t *testing.T) {
	for _, r := range All {
		for _, s := range r.Settings {
			if _, err := settingSize(s.Default); err != nil {
				t.Errorf("%s: default %s: %v", r.Name, s.Name, err)
			}
		}
	}
	for _, tt := range []struct {
		yaml, err string
	}{
		{"rules: {LargeLayer: {threshold: 50MB}}", ""},
		{"rules: {LargeLayer: {threshold: 1048576}}", ""},
		{"rules: {LargeLayer: {threshold: lots}}", `rules: LargeLayer: threshold: invalid size "lots"`},
		{"rules: {LargeLayer: {threshold: -5}}", "must not be negative"},
		{"rules: {LargeLayer: {limit: 5MB}}", `rules: LargeLayer: unknown setting "limit"`},
		{"rules: {AptListsNotRemoved: {threshold: 5MB}}", `unknown setting "threshold"`},
	} {
		_, err := ParseConfig([]byte(tt.yaml))
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%s: err = %v, want %q", tt.yaml, err, tt.err)
		}
	}
	p := &Pass{Rule: LargeLayer, Settings: map[string]any{"threshold": "50MB"}}
	if got := p.sizeSetting("threshold"); got != 50_000_000 {
		t.Errorf("threshold 50MB = %d", got)
	}
	p.Settings = nil
	if got := p.sizeSetting("threshold"); got != 100_000_000 {
		t.Errorf("default threshold = %d", got)
	}
}

// FuzzSettingSize checks that no threshold text crashes the configuration
// reader and that accepted sizes are never negative.
func FuzzSettingSize(f *testing.F) {
	for _, s := range []string{"50MB", "1.5GiB", "0", "", "-1", "1e400", "9223372036854775807", "12 kB", "NaN"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := settingSize(s)
		if err == nil && n < 0 {
			t.Fatalf("settingSize(%q) = %d", s, n)
		}
		if _, err := ParseConfig([]byte("rules: {LargeLayer: {threshold: " + strconv.Quote(s) + "}}")); err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error for %q: %v", s, err)
		}
	})
}
