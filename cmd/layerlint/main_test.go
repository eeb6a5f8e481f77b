package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestFormats checks every output format against its golden file.
func TestFormats(t *testing.T) {
	for _, format := range []string{"text", "json", "sarif", "checkstyle", "github"} {
		t.Run(format, func(t *testing.T) {
			checkGolden(t, "sample."+format+".golden", "--format", format, "testdata/sample.Dockerfile")
		})
	}
}

// TestImageFormats lints app-v2's Dockerfile against the image buildah built
// from it: findings carry measured bytes in every format, in a field where the
// format has one and after the message where it has not.
func TestImageFormats(t *testing.T) {
	for _, format := range []string{"text", "json", "sarif", "github", "checkstyle"} {
		t.Run(format, func(t *testing.T) {
			checkGolden(t, "app-v2.image."+format+".golden", "--format", format, "--config", "testdata/image.layerlint.yaml",
				"--image", "../../testdata/images/app-v2.tar", "../../testdata/images/app-v2/Dockerfile")
		})
	}
}

// checkGolden runs layerlint with args, expecting findings, and compares its
// output with testdata/golden (rewritten with -update).
func checkGolden(t *testing.T, golden string, args ...string) []byte {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	if code != exitFindings {
		t.Fatalf("exit %d, want %d; stderr: %s", code, exitFindings, errb.String())
	}
	golden = filepath.Join("testdata", golden)
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("output differs from %s:\n%s", golden, out.String())
	}
	return out.Bytes()
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	clean := write("clean.Dockerfile", "FROM alpine:3.20\nRUN apk add --no-cache curl\n")
	bad := write("bad.Dockerfile", "FROM alpine:3.20\nCOPY onlyone\n")
	empty := write("empty.Dockerfile", "# nothing\n")
	info := write("info.Dockerfile", "FROM golang:1.22\nRUN go build ./...\n")
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{clean}, exitClean, ""},
		{[]string{bad}, exitBadInput, bad + ":2: COPY requires at least two arguments"},
		{[]string{empty}, exitBadInput, empty + ": no instructions"},
		{[]string{filepath.Join(dir, "missing")}, exitBadInput, "cannot read"},
		{[]string{info}, exitClean, ""},
		{[]string{"--failure-threshold", "info", info}, exitFindings, ""},
		{[]string{"--failure-threshold", "info", "--ignore", "CacheMountSuggested", info}, exitClean, ""},
		{[]string{"--ignore", "NoSuchRule", clean}, exitBadInput, "unknown rule"},
		{[]string{"--format", "xml", clean}, exitBadInput, "unknown format"},
		{[]string{"--image", filepath.Join(dir, "nosuch.tar"), clean}, exitBadInput, "nosuch.tar"},
		{[]string{"--image", "../../testdata/images/app-v1.tar", "../../testdata/images/app-v2/Dockerfile"}, exitBadInput,
			"app-v2/Dockerfile:41: image ../../testdata/images/app-v1.tar was not built from this Dockerfile"},
		{[]string{"--image", "../../testdata/images/app-v2.tar", clean, info}, exitBadInput, "--image: an image is built from one Dockerfile"},
		{[]string{"--config", write("bad.yaml", "rules: {LargeLayer: {threshold: huge}}\n"), clean}, exitBadInput, `bad.yaml: rules: LargeLayer: threshold: invalid size "huge"`},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := run(tt.args, &out, &errb)
		if code != tt.code || !strings.Contains(errb.String(), tt.stderr) {
			t.Errorf("layerlint %v: exit %d stderr %q, want %d and %q", tt.args, code, errb.String(), tt.code, tt.stderr)
		}
		if tt.code == exitBadInput && strings.Count(strings.TrimSpace(errb.String()), "\n") > 0 {
			t.Errorf("layerlint %v: error is not one line: %q", tt.args, errb.String())
		}
	}
}

func TestFixInPlace(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "Dockerfile")
	if err := os.WriteFile(p, []byte("FROM python:3.12\nRUN pip install flask\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"--fix", p}, &out, &errb); code != exitClean {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	got, _ := os.ReadFile(p)
	if string(got) != "FROM python:3.12\nRUN pip install --no-cache-dir flask\n" {
		t.Errorf("fixed file: %q", got)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode changed to %v", fi.Mode())
	}
	// An unparseable file is never touched.
	broken := "FROM alpine\nCOPY x\nRUN pip install flask\n"
	os.WriteFile(p, []byte(broken), 0o644)
	if code := run([]string{"--fix", p}, &out, &errb); code != exitBadInput {
		t.Errorf("exit %d for broken file", code)
	}
	if got, _ := os.ReadFile(p); string(got) != broken {
		t.Errorf("broken file was changed: %q", got)
	}
}

// TestSARIFStructure checks what the SARIF schema cannot: that ruleIndex
// points at the rule and regions are complete (TestSARIFSchema validates the
// log against the schema).
func TestSARIFStructure(t *testing.T) {
	var out, errb bytes.Buffer
	run([]string{"--format", "sarif", "testdata/sample.Dockerfile"}, &out, &errb)
	var log map[string]any
	if err := json.Unmarshal(out.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log["version"] != "2.1.0" {
		t.Errorf("version = %v", log["version"])
	}
	runs := log["runs"].([]any)
	run0 := runs[0].(map[string]any)
	driver := run0["tool"].(map[string]any)["driver"].(map[string]any)
	if driver["name"] != "layerlint" {
		t.Errorf("driver name = %v", driver["name"])
	}
	rules := driver["rules"].([]any)
	levels := map[string]bool{"none": true, "note": true, "warning": true, "error": true}
	for _, r := range run0["results"].([]any) {
		res := r.(map[string]any)
		msg := res["message"].(map[string]any)
		if msg["text"] == "" || !levels[res["level"].(string)] {
			t.Errorf("bad result %v", res)
		}
		idx := int(res["ruleIndex"].(float64))
		if rules[idx].(map[string]any)["id"] != res["ruleId"] {
			t.Errorf("ruleIndex %d does not point at %v", idx, res["ruleId"])
		}
		region := res["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)["region"].(map[string]any)
		for _, k := range []string{"startLine", "startColumn", "endLine", "endColumn"} {
			if v, ok := region[k].(float64); !ok || v < 1 {
				t.Errorf("region.%s = %v", k, region[k])
			}
		}
	}
}

// TestPreCommitHook checks the hook definition at the repository root.
func TestPreCommitHook(t *testing.T) {
	data, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct {
		ID       string `yaml:"id"`
		Name     string `yaml:"name"`
		Entry    string `yaml:"entry"`
		Language string `yaml:"language"`
		Files    string `yaml:"files"`
	}
	if err := yaml.Unmarshal(data, &hooks); err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 1 || hooks[0].ID != "layerlint" || hooks[0].Entry != "layerlint" || hooks[0].Language != "golang" || hooks[0].Name == "" {
		t.Fatalf("hooks = %+v", hooks)
	}
	re := regexp.MustCompile(hooks[0].Files)
	for name, want := range map[string]bool{"Dockerfile": true, "docker/Dockerfile.prod": true, "api.Dockerfile": true,
		"Containerfile": true, "Dockerfile-dev": true, "main.go": false, "Dockerfiles/README.md": false} {
		if re.MatchString(name) != want {
			t.Errorf("files pattern on %q = %v, want %v", name, !want, want)
		}
	}
}
