package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// historyCmd runs `layerdiff history ARGS` in-process with an empty listing cache.
func historyCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	cmd := newHistoryCommand()
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	var out bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// historyGolden compares got with testdata/history/NAME at the module root (go test -update rewrites it).
func historyGolden(t *testing.T, name, got string) {
	t.Helper()
	golden(t, filepath.Join("..", "..", "testdata", "history", name), got)
}

func TestHistoryGolden(t *testing.T) {
	for _, name := range []string{"base", "app-v1", "app-v2"} {
		image := filepath.Join("..", "..", "testdata", "images", name+".tar")
		dockerfile := filepath.Join("..", "..", "testdata", "images", name, "Dockerfile")
		for _, format := range []string{"json", "text"} {
			out, err := historyCmd(t, "--dockerfile", dockerfile, "--format", format, image)
			if err != nil {
				t.Fatalf("%s --format %s: %v", name, format, err)
			}
			historyGolden(t, name+"."+format, out)
		}
	}
	out, err := historyCmd(t, appV2)
	if err != nil {
		t.Fatal(err)
	}
	historyGolden(t, "app-v2-no-dockerfile.text", out)
}

// TestHistoryJSONContract checks the documented JSON shape: null line and layer where there are none, and the
// layer's DiffID and sizes otherwise.
func TestHistoryJSONContract(t *testing.T) {
	out, err := historyCmd(t, "--format", "json", "--dockerfile", "../../testdata/images/app-v2/Dockerfile", appV2)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Steps  []map[string]any `json:"steps"`
		Wasted float64          `json:"wasted"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var withLine, withLayer int
	var wasted float64
	for _, s := range doc.Steps {
		for _, k := range []string{"line", "instruction", "created_by", "size", "empty", "layer", "files", "added", "modified", "deleted", "wasted"} {
			if _, ok := s[k]; !ok {
				t.Fatalf("step %v has no %q", s, k)
			}
		}
		if s["line"] != nil {
			withLine++
			if s["instruction"] == "" {
				t.Errorf("step with a line but no instruction: %v", s)
			}
		}
		if layer, ok := s["layer"].(string); ok {
			withLayer++
			if !strings.HasPrefix(layer, "sha256:") || s["empty"] != false {
				t.Errorf("layer %v in %v", layer, s)
			}
		} else if s["layer"] != nil || s["empty"] != true {
			t.Errorf("step without layer: %v", s)
		}
		wasted += s["wasted"].(float64)
	}
	if withLine == 0 || withLayer == 0 || wasted != doc.Wasted || wasted == 0 {
		t.Errorf("%d steps with lines, %d with layers, wasted %v (total %v)", withLine, withLayer, wasted, doc.Wasted)
	}
}

func TestHistoryBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{}, "want one image"},
		{[]string{"a", "b"}, "want one image"},
		{[]string{"--format", "xml", appV2}, "unknown --format"},
		{[]string{"--top", "-1", appV2}, "--top"},
		{[]string{"--dockerfile", "/nonexistent/Dockerfile", appV2}, "reading Dockerfile"},
		{[]string{"/nonexistent/image.tar"}, "nonexistent"},
		{[]string{"--dockerfile", "../../testdata/images/app-v1/Dockerfile", appV2}, "does not match history entry"},
		{[]string{"--dockerfile", "../../testdata/history/mismatch/Dockerfile", appV2}, "line 30"},
	}
	for _, tt := range tests {
		_, err := historyCmd(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("history %v: err = %v, want one line containing %q", tt.args, err, tt.want)
		}
	}
}
