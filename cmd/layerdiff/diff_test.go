package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/internal/tooltest"
	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/source/registrytest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const (
	appV1 = "../../testdata/images/app-v1.tar"
	appV2 = "../../testdata/images/app-v2.tar"
)

// layerdiffCmd runs the command in-process with an empty listing cache and returns exit code and outputs.
func layerdiffCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// golden compares got with the file at path (relative to this package); go test -update rewrites it.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test ./cmd/layerdiff -update rewrites it):\n%s", path, got)
	}
}

func TestDiffTestdataImages(t *testing.T) {
	for _, format := range []string{"text", "json", "markdown"} {
		code, out, errOut := layerdiffCmd(t, "--format", format, appV1, appV2)
		if code != exitDifferent {
			t.Fatalf("--format %s: exit %d, want 1; stderr: %s", format, code, errOut)
		}
		golden(t, filepath.Join("testdata", "app-v1-v2."+format), out)
	}
}

// TestDiffJSONContract checks the fields other tools rely on, independently of the golden file.
func TestDiffJSONContract(t *testing.T) {
	_, out, _ := layerdiffCmd(t, "--format", "json", appV1, appV2)
	var rep struct {
		Files   []map[string]any `json:"files"`
		Layers  []map[string]any `json:"layers"`
		Summary map[string]any   `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if len(rep.Files) == 0 || len(rep.Layers) == 0 {
		t.Fatalf("no files or layers: %s", out)
	}
	changes := map[string]string{}
	for _, f := range rep.Files {
		for _, k := range []string{"path", "change", "type", "size_a", "size_b"} {
			if _, ok := f[k]; !ok {
				t.Errorf("file %v lacks %q", f, k)
			}
		}
		p := f["path"].(string)
		if strings.HasPrefix(p, "/") {
			t.Errorf("path %q has a leading slash", p)
		}
		changes[p] = f["change"].(string)
	}
	// The differences testdata/images/README.md promises between app-v1 and app-v2.
	for p, want := range map[string]string{
		"app/config/app.conf": "modified", "app/bin/tool.bin": "modified", "app/static/old.js": "deleted",
		"app/plugins/README": "added", "app/logs": "modified", "app/data": "modified", "app/current": "modified",
		"app/static/run.sh": "modified", "app/static/robots.txt": "modified", "app/static/v2.html": "added",
	} {
		if changes[p] != want {
			t.Errorf("%s: %q, want %q", p, changes[p], want)
		}
	}
	if n, _ := rep.Summary["shared_layers"].(float64); n != 5 {
		t.Errorf("shared_layers = %v, want the 5 layers both builds share", rep.Summary["shared_layers"])
	}
}

func TestDiffIdenticalExitsZero(t *testing.T) {
	code, out, errOut := layerdiffCmd(t, appV1, "docker-archive:"+appV1)
	if code != exitSame || !strings.Contains(out, "identical") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and 'identical'", code, out, errOut)
	}
}

// TestDiffFailOnGrowth checks --fail-on-growth as a CI size budget: app-v2 differs from app-v1 and holds 4,474
// bytes more of files (docker images: 1,991,946 against 1,987,472), so the exit code depends on the budget
// alone, not on the difference.
func TestDiffFailOnGrowth(t *testing.T) {
	for _, c := range []struct {
		budget string
		a, b   string
		want   int
	}{
		{"1kB", appV1, appV2, exitDifferent},
		{"4473", appV1, appV2, exitDifferent},
		{"4474", appV1, appV2, exitSame},
		{"1GB", appV1, appV2, exitSame},
		{"10MB", appV1, appV1, exitSame},
		{"0", appV2, appV1, exitSame}, // B shrank
	} {
		code, _, errOut := layerdiffCmd(t, "--fail-on-growth", c.budget, "--format", "json", c.a, c.b)
		if code != c.want {
			t.Errorf("--fail-on-growth %s %s %s: exit %d, want %d (stderr %q)", c.budget, c.a, c.b, code, c.want, errOut)
		}
		if over := strings.Contains(errOut, "more than --fail-on-growth"); over != (c.want == exitDifferent) {
			t.Errorf("--fail-on-growth %s: stderr %q", c.budget, errOut)
		}
	}
}

func TestDiffContent(t *testing.T) {
	code, out, _ := layerdiffCmd(t, "--content", "--format", "json", appV1, appV2)
	if code != exitDifferent {
		t.Fatalf("exit %d", code)
	}
	var rep layerdiff.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	var text, binary bool
	for _, f := range rep.Files {
		if f.Path == "app/config/app.conf" && strings.Contains(f.Diff, "@@") {
			text = true
		}
		if f.Path == "app/bin/tool.bin" && f.Binary {
			binary = true
		}
	}
	if !text || !binary {
		t.Errorf("--content: text diff of app.conf %v, tool.bin named binary %v", text, binary)
	}
}

func TestDiffBadInput(t *testing.T) {
	dir := t.TempDir()
	v1, err := os.ReadFile(appV1)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.tar")
	os.WriteFile(truncated, v1[:len(v1)/2], 0o644)
	// Flip one byte of a file in a layer only app-v1 has (a layer both images share is read from one of them
	// only, trusted by its DiffID): the tar still parses, the digest does not match.
	corrupt := filepath.Join(dir, "corrupt.tar")
	c := bytes.Clone(v1)
	i := bytes.Index(c, []byte("# app.conf for app-v1"))
	if i < 0 {
		t.Fatal("app.conf text not found in app-v1.tar")
	}
	c[i] ^= 0x20
	os.WriteFile(corrupt, c, 0o644)
	notTar := filepath.Join(dir, "not-an-image.tar")
	os.WriteFile(notTar, []byte("hello"), 0o644)

	for _, tt := range []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"one image", []string{appV1}, "want two images"},
		{"bad format", []string{"--format", "yaml", appV1, appV2}, "unknown --format"},
		{"bad flag", []string{"--nope", appV1, appV2}, "unknown flag"},
		{"bad size", []string{"--fail-on-growth", "lots", appV1, appV2}, "invalid size"},
		{"missing file", []string{filepath.Join(dir, "missing.tar"), appV2}, "missing.tar"},
		{"truncated archive", []string{truncated, appV2}, "truncated.tar"},
		{"corrupt layer", []string{corrupt, appV2}, "digest mismatch"},
		{"not an image", []string{notTar, appV2}, "not-an-image.tar"},
		{"bad reference", []string{"docker://UPPER/Case::x", appV2}, "UPPER/Case"},
		{"daemon unreachable", []string{"docker-daemon:app:v1", appV2}, "app:v1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// No Docker daemon runs here: the daemon case checks the error path only.
			t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(dir, "no-docker.sock"))
			code, out, errOut := layerdiffCmd(t, tt.args...)
			if code != exitError {
				t.Errorf("exit %d, want 2", code)
			}
			if out != "" {
				t.Errorf("wrote to stdout on error: %q", out)
			}
			if !strings.Contains(errOut, tt.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 1 {
				t.Errorf("stderr %q, want one line mentioning %q", errOut, tt.want)
			}
		})
	}
}

// TestDiffSameAcrossSources converts the buildah-built docker-archives with skopeo into an OCI layout and pushes
// them to a real registry, then checks that layerdiff gives the same answer from each.
func TestDiffSameAcrossSources(t *testing.T) {
	skopeo := tooltest.Require(t, "skopeo", "skopeo")
	host := registrytest.Start(t)
	dir := t.TempDir()
	copyImage := func(src, dst string) {
		out, err := exec.Command(skopeo, "--insecure-policy", "copy", "--dest-tls-verify=false", src, dst).CombinedOutput()
		if err != nil {
			t.Fatalf("skopeo copy %s %s: %v\n%s", src, dst, err, out)
		}
	}
	layout := filepath.Join(dir, "layout")
	for _, v := range []string{"v1", "v2"} {
		archive := "docker-archive:../../testdata/images/app-" + v + ".tar"
		copyImage(archive, "oci:"+layout+":"+v)
		copyImage(archive, "docker://"+host+"/app:"+v)
	}
	pairs := map[string][2]string{
		"docker-archive": {appV1, appV2},
		"oci":            {"oci:" + layout + ":v1", "oci:" + layout + ":v2"},
		"registry":       {host + "/app:v1", "docker://" + host + "/app:v2"},
		"mixed":          {"oci:" + layout + ":v1", host + "/app:v2"},
	}
	var first *layerdiff.Report
	for name, p := range pairs {
		code, out, errOut := layerdiffCmd(t, "--format", "json", p[0], p[1])
		if code != exitDifferent {
			t.Fatalf("%s: exit %d: %s", name, code, errOut)
		}
		var rep layerdiff.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		rep.A, rep.B = layerdiff.ImageSummary{}, layerdiff.ImageSummary{} // names differ by source
		for i := range rep.Layers {
			rep.Layers[i].Size = 0 // skopeo may compress layers; the uncompressed tar is the same bytes
		}
		if first == nil {
			first = &rep
			continue
		}
		if !reflect.DeepEqual(rep.Files, first.Files) || !reflect.DeepEqual(rep.Layers, first.Layers) ||
			!reflect.DeepEqual(rep.Config, first.Config) || rep.Summary.Added != first.Summary.Added {
			t.Errorf("%s: the report differs from another source's", name)
		}
	}
}
