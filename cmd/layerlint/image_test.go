package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestConfigImage checks image: in .layerlint.yaml: it is
// relative to the config file, and --image overrides it.
func TestConfigImage(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "../../testdata/images/app-v2.tar", filepath.Join(dir, "images", "app.tar"))
	copyFile(t, "../../testdata/images/app-v2/Dockerfile", filepath.Join(dir, "app", "Dockerfile"))
	config := "image: ../images/app.tar\nrules:\n  WastedBytes:\n    threshold: 100\n"
	if err := os.WriteFile(filepath.Join(dir, "app", ".layerlint.yaml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	dockerfile := filepath.Join(dir, "app", "Dockerfile")

	bytesOf := func(args ...string) (map[string]int64, int, string) {
		var out, errb bytes.Buffer
		code := run(append([]string{"--format", "json"}, args...), &out, &errb)
		var doc struct {
			Findings []struct {
				Rule  string `json:"rule"`
				Line  int    `json:"line"`
				Bytes *int64 `json:"bytes"`
			} `json:"findings"`
		}
		if code != exitBadInput {
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
				t.Fatalf("%v: %v\n%s", args, err, out.String())
			}
		}
		got := map[string]int64{}
		for _, f := range doc.Findings {
			if f.Bytes != nil {
				got[f.Rule+"@"+strconv.Itoa(f.Line)] = *f.Bytes
			}
		}
		return got, code, errb.String()
	}

	got, code, stderr := bytesOf(dockerfile)
	if code != exitFindings {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// threshold: 100 keeps the 275 bytes the COPY wastes and drops the RUN's
	// 57; the deletions on lines 26, 28 and 29 carry their own share.
	if got["WastedBytes@7"] != 275 || got["SeparateChown@33"] != 140 || got["RemovedInLaterLayer@28"] != 9 || len(got) != 6 {
		t.Errorf("with image: in the config: %v", got)
	}

	// --image wins over the config; a missing image names itself.
	_, code, stderr = bytesOf("--image", filepath.Join(dir, "missing.tar"), dockerfile)
	if code != exitBadInput || !strings.Contains(stderr, "missing.tar") || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
		t.Errorf("--image missing.tar: exit %d, stderr %q", code, stderr)
	}

}

// TestConfigContext checks that context: in .layerlint.yaml is relative to
// the config file whatever the working directory, and that --context wins:
// CacheBustingCopy only knows that COPY src/ brings in requirements.txt by
// looking into the context.
func TestConfigContext(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		".layerlint.yaml":            "context: build\n",
		"build/src/requirements.txt": "flask\n",
		"docker/Dockerfile":          "FROM python:3.12\nCOPY src/ /app/\nRUN pip install --no-cache-dir -r /app/requirements.txt\n",
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dockerfile := filepath.Join(dir, "docker", "Dockerfile")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	for _, tt := range []struct {
		args []string
		want bool
	}{
		{[]string{dockerfile}, true},
		{[]string{"--context", t.TempDir(), dockerfile}, false},
		{[]string{"--context", filepath.Join(dir, "build"), dockerfile}, true},
	} {
		var out, errb bytes.Buffer
		run(tt.args, &out, &errb)
		if got := strings.Contains(out.String(), "[CacheBustingCopy]"); got != tt.want {
			t.Errorf("%v: CacheBustingCopy %v, want %v\n%s%s", tt.args, got, tt.want, out.String(), errb.String())
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
