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
	var code int
	cmd := newHistoryCommand(&code)
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
		{[]string{"--dockerfile", "../../testdata/history/dialects/hello.txt", appV2}, "unknown instruction"},
	}
	for _, tt := range tests {
		_, err := historyCmd(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("history %v: err = %v, want one line containing %q", tt.args, err, tt.want)
		}
	}
}

// TestHistoryPrefix runs `layerdiff history` with a Dockerfile that matches app-v2 up to line 30: the steps
// above it are shown with their layers, line 30 and those after it say why they would be rebuilt, the
// image's later steps are marked stale, a closing line says where the match ends, and the exit code is 1.
func TestHistoryPrefix(t *testing.T) {
	dockerfile := "../../testdata/history/mismatch/Dockerfile"
	code, out, stderr := layerdiffCmd(t, "history", "--dockerfile", dockerfile, appV2)
	if code != exitDifferent || stderr != "" {
		t.Fatalf("exit %d, stderr %q, want 1 and nothing", code, stderr)
	}
	historyGolden(t, "mismatch.text", out)
	for _, want := range []string{
		"The image matches the Dockerfile through line 28 (12 of 19 instructions).",
		"From line 30 on it differs: dockerfile line 30",
		"[rebuild: instruction changed] RUN echo",
		"[rebuild: after line 30] VOLUME",
		"(stale) |1 VERSION=2.0.0 /bin/sh -c echo \"<html><body>v2",
		"The image holds 7 more steps of its own build",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = layerdiffCmd(t, "history", "--format", "json", "--dockerfile", dockerfile, appV2)
	if code != exitDifferent {
		t.Fatalf("json: exit %d", code)
	}
	var doc struct {
		Steps     []map[string]any `json:"steps"`
		Alignment struct {
			Complete       bool   `json:"complete"`
			Builder        string `json:"builder"`
			Boundary       string `json:"boundary"`
			Matched        int    `json:"matched"`
			MatchedThrough int    `json:"matched_through"`
			Stale          int    `json:"stale"`
			Diverged       struct {
				Line    int    `json:"line"`
				History *int   `json:"history"`
				Reason  string `json:"reason"`
			} `json:"diverged"`
		} `json:"alignment"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	al := doc.Alignment
	if al.Complete || al.Builder != "buildah" || al.Boundary != "mark" || al.Matched != 12 || al.MatchedThrough != 28 ||
		al.Stale != 7 || al.Diverged.Line != 30 || al.Diverged.History == nil || !strings.Contains(al.Diverged.Reason, "RUN command differs") {
		t.Errorf("alignment %+v", al)
	}
	rebuild := 0
	for _, s := range doc.Steps {
		if r, ok := s["rebuild"].(string); ok && r != "" {
			rebuild++
			if s["layer"] != nil || s["history"] != nil {
				t.Errorf("rebuilt step with a layer: %v", s)
			}
		}
	}
	if rebuild != 7 {
		t.Errorf("%d steps to rebuild, want 7 (line 30 and the 6 after it)", rebuild)
	}
	// The whole Dockerfile matching exits 0 and prints no closing line.
	code, out, _ = layerdiffCmd(t, "history", "--dockerfile", "../../testdata/images/app-v2/Dockerfile", appV2)
	if code != 0 || strings.Contains(out, "The image matches") {
		t.Errorf("matching Dockerfile: exit %d\n%s", code, out)
	}
}

// TestHistoryWithoutDockerfileClaimsNoBase: only a Dockerfile tells where the base image's steps end, so
// without one no row says "(base)" and no JSON step has "base": true; with one, the base image's rows do.
func TestHistoryWithoutDockerfileClaimsNoBase(t *testing.T) {
	text, err := historyCmd(t, appV2)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, "(base)") || !strings.Contains(text, "CREATED BY") {
		t.Errorf("history without --dockerfile claims base steps or lacks CREATED BY:\n%s", text)
	}
	js, err := historyCmd(t, "--format", "json", appV2)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Steps []struct {
			Base bool `json:"base"`
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	for i, s := range doc.Steps {
		if s.Base {
			t.Errorf("step %d: base true without a Dockerfile", i)
		}
	}
	with, err := historyCmd(t, "--dockerfile", "../../testdata/images/app-v2/Dockerfile", appV2)
	if err != nil {
		t.Fatal(err)
	}
	// app-v2's base image (testdata/images/base) has 6 history entries.
	if n := strings.Count(with, "(base)"); n != 6 {
		t.Errorf("with the Dockerfile, %d rows say (base), want the base image's 6:\n%s", n, with)
	}
}
