package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
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
	binary := write("binary.Dockerfile", "FROM alpine\n\x00\x01\x02ELF")
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{clean}, exitClean, ""},
		{[]string{bad}, exitBadInput, bad + ":2: COPY requires at least two arguments"},
		{[]string{empty}, exitBadInput, empty + ": no instructions"},
		{[]string{filepath.Join(dir, "missing")}, exitBadInput, "cannot read"},
		{[]string{binary}, exitBadInput, binary + ": not a Dockerfile: binary data at byte 12"},
		{[]string{"--fix", "-"}, exitBadInput, "--fix: cannot fix standard input in place"},
		{[]string{info}, exitClean, ""},
		{[]string{"--failure-threshold", "info", info}, exitFindings, ""},
		{[]string{"--failure-threshold", "info", "--ignore", "CacheMountSuggested", info}, exitClean, ""},
		{[]string{"--ignore", "NoSuchRule", clean}, exitBadInput, "unknown rule"},
		{[]string{"--format", "xml", clean}, exitBadInput, "unknown format"},
		{[]string{"--image", filepath.Join(dir, "nosuch.tar"), clean}, exitBadInput, "nosuch.tar"},
		{[]string{"--image", "../../testdata/images/base.tar", "../../testdata/images/app-v2/Dockerfile"}, exitBadInput,
			"app-v2/Dockerfile:5: image ../../testdata/images/base.tar was not built from this Dockerfile"},
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

// TestStdin lints a Dockerfile read from standard input, named "-" in the
// findings, as hadolint users pipe it.
func TestStdin(t *testing.T) {
	var out, errb bytes.Buffer
	code := runWithInput([]string{"-"}, strings.NewReader("FROM alpine:3.20\nRUN apk add curl\n"), &out, &errb)
	if code != exitFindings || !strings.HasPrefix(out.String(), "-:2:9: warning: apk add without --no-cache") {
		t.Errorf("exit %d, out %q, stderr %q", code, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	code = runWithInput([]string{"-"}, strings.NewReader("\x7fELF\x02\x01\x01\x00"), &out, &errb)
	if code != exitBadInput || strings.TrimSpace(errb.String()) != "-: not a Dockerfile: binary data at byte 7" || out.Len() != 0 {
		t.Errorf("binary stdin: exit %d, out %q, stderr %q", code, out.String(), errb.String())
	}
}

// TestHadolintConfig checks that .hadolint.yaml's ignored list turns off
// the rules its codes map to, and only those.
func TestHadolintConfig(t *testing.T) {
	dir := t.TempDir()
	df := filepath.Join(dir, "sub", "Dockerfile")
	if err := os.MkdirAll(filepath.Dir(df), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(df, []byte("FROM python:3.12\nRUN apt-get update && apt-get install -y curl\nRUN pip install flask\n"), 0o644)
	rules := func() []string {
		var out, errb bytes.Buffer
		run([]string{"--format", "json", df}, &out, &errb)
		var doc struct {
			Findings []struct{ Rule string } `json:"findings"`
		}
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Fatalf("%v: %s %s", err, out.String(), errb.String())
		}
		var got []string
		for _, f := range doc.Findings {
			got = append(got, f.Rule)
		}
		return got
	}
	if got := strings.Join(rules(), ","); got != "AptListsNotRemoved,AptInstallRecommends,PipCacheKept" {
		t.Fatalf("without .hadolint.yaml: %s", got)
	}
	// Found upward from the Dockerfile; DL3008 maps to nothing and is
	// hadolint's alone.
	os.WriteFile(filepath.Join(dir, ".hadolint.yaml"), []byte("ignored:\n  - DL3009\n  - DL3042\n  - DL3008\ntrustedRegistries: [docker.io]\n"), 0o644)
	if got := strings.Join(rules(), ","); got != "AptInstallRecommends" {
		t.Errorf("with .hadolint.yaml ignoring DL3009 and DL3042: %s", got)
	}
}

// TestFixReorder runs --fix with --context on a copy of a reorder case:
// CacheBustingCopy's two fixes on one COPY apply in turn, and the file ends
// up as lint/testdata/reorder/vue/Dockerfile.fixed.
func TestFixReorder(t *testing.T) {
	dir := t.TempDir()
	src := "../../lint/testdata/reorder/vue"
	for _, name := range []string{"Dockerfile", "package.json", "yarn.lock", "main.js"} {
		copyFile(t, filepath.Join(src, name), filepath.Join(dir, name))
	}
	var out, errb bytes.Buffer
	code := run([]string{"--fix", "--ignore", "NpmCacheKept", "--context", dir, filepath.Join(dir, "Dockerfile")}, &out, &errb)
	if code != exitClean {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	got, _ := os.ReadFile(filepath.Join(dir, "Dockerfile"))
	want, _ := os.ReadFile(filepath.Join(src, "Dockerfile.fixed"))
	if string(got) != string(want) {
		t.Errorf("fixed:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(out.String(), "CacheBustingCopy") {
		t.Errorf("CacheBustingCopy still reported after --fix:\n%s", out.String())
	}
}

// TestTarget checks --target: the bloat rules look at the target stage
// and what it is built on, not at the other leaf stages.
func TestTarget(t *testing.T) {
	dir := t.TempDir()
	df := filepath.Join(dir, "Dockerfile")
	os.WriteFile(df, []byte("FROM python:3.12 AS base\nRUN pip install flask\nFROM base AS full\nRUN pip install numpy\nFROM base AS light\nRUN pip install click\n"), 0o644)
	lines := func(args ...string) string {
		var out, errb bytes.Buffer
		run(append([]string{"--format", "json"}, append(args, df)...), &out, &errb)
		var doc struct {
			Findings []struct {
				Rule string
				Line int
			} `json:"findings"`
		}
		json.Unmarshal(out.Bytes(), &doc)
		var got []string
		for _, f := range doc.Findings {
			got = append(got, f.Rule+"@"+strconv.Itoa(f.Line))
		}
		return strings.Join(got, " ")
	}
	// Both published stages (full and light) and their base are checked.
	if got := lines(); got != "PipCacheKept@2 PipCacheKept@4 PipCacheKept@6" {
		t.Errorf("leaf stages: %s", got)
	}
	if got := lines("--target", "light"); got != "PipCacheKept@2 PipCacheKept@6" {
		t.Errorf("--target light: %s", got)
	}
}

// TestImagePrefix lints app-v2's Dockerfile against app-v1's image, built
// before the Dockerfile changed on line 19: layerlint says where the image
// ends and measures what is above it, instead of refusing the image.
func TestImagePrefix(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"--format", "json", "--failure-threshold", "info", "--image", "../../testdata/images/app-v1.tar", "../../testdata/images/app-v2/Dockerfile"}, &out, &errb)
	if code != exitFindings {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var doc struct {
		Findings []struct {
			Rule    string `json:"rule"`
			Line    int    `json:"line"`
			Message string `json:"message"`
			Bytes   *int64 `json:"bytes"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range doc.Findings {
		if f.Rule == "ImageOutOfDate" {
			found = f.Line == 19 && strings.Contains(f.Message, "up to line 18")
		}
		if f.Bytes != nil && f.Line >= 19 {
			t.Errorf("%s on line %d, below the change, claims %d bytes", f.Rule, f.Line, *f.Bytes)
		}
	}
	if !found {
		t.Errorf("no ImageOutOfDate on line 19 in %s", out.String())
	}
}
