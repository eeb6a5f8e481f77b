package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/internal/buildahtest"
	"github.com/layerlint/layerlint/layerdiff/cache"
)

// runCacheCmd runs "cache" with args and returns its output and error.
func runCacheCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newCacheCommand()
	var out bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SilenceUsage = true
	cmd.SilenceErrors = true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// copyContext copies a testdata context with the modes build.sh gives it, so a checkout's umask does not
// change the prediction.
func copyContext(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	buildahtest.CopyTree(t, src, dir)
	return dir
}

func decodePrediction(t *testing.T, out string) *cache.Prediction {
	t.Helper()
	var p cache.Prediction
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	return &p
}

// TestCacheSameBuild predicts app-v1's own build from app-v1.tar: buildah built it from this context, so
// every step must be cached.
func TestCacheSameBuild(t *testing.T) {
	ctxDir := copyContext(t, "../../testdata/images/app-v1")
	out, err := runCacheCmd(t, "--format", "json", "--context", ctxDir, appV1)
	if err != nil {
		t.Fatal(err)
	}
	p := decodePrediction(t, out)
	if len(p.Steps) != 17 {
		t.Fatalf("got %d steps, want the 17 instructions after the global ARG of app-v1/Dockerfile", len(p.Steps))
	}
	for _, s := range p.Steps {
		if !s.Cached {
			t.Errorf("line %d %s: predicted rebuild (%s), want cached", s.Line, s.Instruction, s.Reason)
		}
	}
}

// TestCacheNextRelease predicts app-v2's build from app-v1.tar. build.sh built app-v2 right after app-v1 in
// the same buildah store, and buildah reused app-v1's first steps up to and including ARG VERSION (the
// shared layers in testdata/images/README.md); the prediction is checked against that and a golden file.
func TestCacheNextRelease(t *testing.T) {
	ctxDir := copyContext(t, "../../testdata/images/app-v2")
	out, err := runCacheCmd(t, "--format", "json", "--context", ctxDir, appV1)
	if err != nil {
		t.Fatal(err)
	}
	p := decodePrediction(t, out)
	for _, s := range p.Steps {
		if want := s.Line <= 18; s.Cached != want {
			t.Errorf("line %d %s: cached=%v (%s), want %v", s.Line, s.Instruction, s.Cached, s.Reason, want)
		}
	}
	text, err := runCacheCmd(t, "--context", ctxDir, appV1)
	if err != nil {
		t.Fatal(err)
	}
	cacheGolden(t, "app-v2-from-v1.txt", text)
}

// TestCacheNoImage checks that without an image every step rebuilds and COPY lines list their sources.
func TestCacheNoImage(t *testing.T) {
	ctxDir := copyContext(t, "../../testdata/images/app-v2")
	out, err := runCacheCmd(t, "--format", "json", "--context", ctxDir)
	if err != nil {
		t.Fatal(err)
	}
	p := decodePrediction(t, out)
	var plugins []string
	for _, s := range p.Steps {
		if s.Cached || s.Reason != "no previous build" {
			t.Errorf("line %d: cached=%v reason %q, want a rebuild with no previous build", s.Line, s.Cached, s.Reason)
		}
		if s.Line == 25 {
			plugins = s.Sources
		}
	}
	if want := []string{"plugins/README", "plugins/search/plugin.txt"}; strings.Join(plugins, ",") != strings.Join(want, ",") {
		t.Errorf("COPY plugins/ sources = %v, want %v", plugins, want)
	}
}

func TestCacheBadInput(t *testing.T) {
	ctxDir := copyContext(t, "../../testdata/images/app-v2")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"format", []string{"--format", "xml", "--context", ctxDir}, "unknown --format"},
		{"build arg", []string{"--build-arg", "NOVALUE", "--context", ctxDir}, "want NAME=value"},
		{"missing Dockerfile", []string{"--context", ctxDir, "--dockerfile", filepath.Join(ctxDir, "nope")}, "reading Dockerfile"},
		{"missing context", []string{"--context", filepath.Join(ctxDir, "nope"), "--dockerfile", filepath.Join(ctxDir, "Dockerfile")}, "opening build context"},
		{"missing image", []string{"--context", ctxDir, filepath.Join(ctxDir, "nope.tar")}, "nope.tar"},
		{"two images", []string{"--context", ctxDir, appV1, appV2}, "at most one image"},
		{"unknown target", []string{"--context", ctxDir, "--target", "nope"}, `target stage "nope"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runCacheCmd(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v, want one line containing %q", err, tc.want)
			}
		})
	}
}

func cacheGolden(t *testing.T, name, got string) {
	t.Helper()
	golden(t, filepath.Join("..", "..", "testdata", "cache", "golden", name), got)
}
