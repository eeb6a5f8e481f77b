package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDefaultFile: without a file argument layerlint lints ./Dockerfile, else ./Containerfile; with
// neither, the error names Dockerfile.
func TestDefaultFile(t *testing.T) {
	const bad = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\n"
	const good = "FROM scratch\nCOPY app /app\n"
	for _, tc := range []struct {
		name  string
		files map[string]string
		code  int
		names string // the file the output or error names
	}{
		{"Containerfile alone", map[string]string{"Containerfile": bad}, exitFindings, "Containerfile"},
		{"Dockerfile first", map[string]string{"Dockerfile": good, "Containerfile": bad}, exitClean, ""},
		{"Dockerfile alone", map[string]string{"Dockerfile": bad}, exitFindings, "Dockerfile"},
		{"neither", map[string]string{}, exitBadInput, "Dockerfile"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, text := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			t.Chdir(dir)
			var out, errb bytes.Buffer
			code := run([]string{"--format", "json"}, &out, &errb)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out.String(), errb.String())
			}
			if got := out.String() + errb.String(); tc.names != "" && !strings.Contains(got, tc.names) {
				t.Errorf("output does not name %s:\n%s", tc.names, got)
			}
		})
	}
}
