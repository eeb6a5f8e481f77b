package lint

import (
	"context"
	"testing"
	"time"
)

// TestBuildKitChecksOffline runs BuildKit's checks on a Dockerfile whose base
// image lives on a registry that does not exist; with networking disabled by
// proxies that point nowhere, a resolver that went online would fail or hang.
func TestBuildKitChecksOffline(t *testing.T) {
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:1")
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:1")
	src := []byte("FROM registry.example.invalid/team/base:1.0 as Builder\nFROM docker.io/library/alpine:3.20\nRUN echo hi\n")
	df, err := ParseDockerfile("Dockerfile", src)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	// Run DockerfileLint itself: runBuildKitChecks would skip it on this file.
	ws, err := buildKitWarnings(ctx, df, true)
	if err != nil {
		t.Fatal(err)
	}
	fs := buildKitFindings(df, ws)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("checks took %v; something waited on the network", d)
	}
	got := map[string]Finding{}
	for _, f := range fs {
		got[f.Rule] = f
	}
	f, ok := got["StageNameCasing"]
	if !ok {
		t.Fatalf("no StageNameCasing among %v", fs)
	}
	// The column narrows to the stage name Builder on line 1.
	if f.Line != 1 || f.Col != 48 || f.EndCol != 55 {
		t.Errorf("StageNameCasing at %d:%d-%d, want 1:48-55", f.Line, f.Col, f.EndCol)
	}
	if _, ok := got["FromAsCasing"]; !ok {
		t.Errorf("no FromAsCasing among %v", fs)
	}
}

func TestBuildKitChecksListed(t *testing.T) {
	checks := BuildKitChecks()
	if len(checks) != 22 {
		t.Errorf("got %d BuildKit checks, want 22", len(checks))
	}
	for _, c := range checks {
		if c.Name == "" || c.Doc == "" {
			t.Errorf("incomplete check %+v", c)
		}
	}
}
