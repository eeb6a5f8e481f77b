package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// action is the part of action.yml a composite action's runner reads.
type action struct {
	Inputs map[string]struct {
		Required bool
		Default  string
	}
	Outputs map[string]struct{ Value string }
	Runs    struct {
		Using string
		Steps []actionStep
	}
}

type actionStep struct {
	Name, ID, If, Shell, Uses, Run string
	WorkingDirectory               string `yaml:"working-directory"`
	Env, With                      map[string]string
}

// actionRun is one run of action.yml's steps as GitHub's runner would run them: inputs, the expression
// context, each step's outputs, and what the fake GitHub CLI was asked.
type actionRun struct {
	t        *testing.T
	root     string
	temp     string
	inputs   map[string]string
	pr       string
	outputs  map[string]map[string]string // step id → outputs
	failed   string                       // the step that failed
	artifact string                       // the path upload-artifact was given
	ghLog    string
	ghBody   string
}

var exprRE = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// value evaluates a reference: inputs.X, steps.ID.outputs.X, github.*, runner.temp.
func (r *actionRun) value(ref string) string {
	r.t.Helper()
	switch {
	case strings.HasPrefix(ref, "inputs."):
		v, ok := r.inputs[strings.TrimPrefix(ref, "inputs.")]
		if !ok {
			r.t.Fatalf("action.yml uses %s, which it does not declare", ref)
		}
		return v
	case strings.HasPrefix(ref, "steps."):
		parts := strings.Split(ref, ".")
		if len(parts) != 4 || parts[2] != "outputs" {
			r.t.Fatalf("action.yml: cannot read %s", ref)
		}
		return r.outputs[parts[1]][parts[3]]
	case ref == "github.action_path":
		return r.root
	case ref == "github.token":
		return "token-for-the-test"
	case ref == "github.event.pull_request.number":
		return r.pr
	case ref == "runner.temp":
		return r.temp
	}
	r.t.Fatalf("action.yml: the test's runner does not know %q", ref)
	return ""
}

// expand replaces every ${{ ref }} in s.
func (r *actionRun) expand(s string) string {
	return exprRE.ReplaceAllStringFunc(s, func(m string) string { return r.value(exprRE.FindStringSubmatch(m)[1]) })
}

// cond evaluates an if: of terms joined by &&: always(), REF == 'v', REF != 'v'.
func (r *actionRun) cond(s string) bool {
	s = strings.TrimSpace(s)
	if m := exprRE.FindStringSubmatch(s); m != nil && m[0] == s {
		s = m[1]
	}
	if s == "" {
		return r.failed == ""
	}
	ok := true
	always := false
	for _, term := range strings.Split(s, "&&") {
		term = strings.TrimSpace(term)
		switch {
		case term == "always()":
			always = true
		case strings.Contains(term, "=="), strings.Contains(term, "!="):
			op := "=="
			if strings.Contains(term, "!=") {
				op = "!="
			}
			a, b, _ := strings.Cut(term, op)
			lit := strings.Trim(strings.TrimSpace(b), "'")
			eq := r.value(strings.TrimSpace(a)) == lit
			ok = ok && (eq == (op == "=="))
		default:
			r.t.Fatalf("action.yml: the test's runner cannot evaluate %q", term)
		}
	}
	return ok && (always || r.failed == "")
}

// runAction runs action.yml's steps with inputs on a pull request numbered pr ("" outside one). GitHub's API
// cannot be reached here, so `gh` is a stand-in that records what it is asked and answers the comment list
// with existingComment's id; everything else is real: the build, layerdiff, the scripts.
func runAction(t *testing.T, inputs map[string]string, pr, existingComment string) *actionRun {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a action
	if err := yaml.Unmarshal(raw, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("action.yml runs %q, want composite", a.Runs.Using)
	}
	r := &actionRun{t: t, root: root, temp: t.TempDir(), inputs: map[string]string{}, pr: pr, outputs: map[string]map[string]string{}}
	for name, in := range a.Inputs {
		v, ok := inputs[name]
		if !ok {
			if in.Required {
				t.Fatalf("input %s is required", name)
			}
			v = r.expand(in.Default)
		}
		r.inputs[name] = v
	}
	for name := range inputs {
		if _, ok := a.Inputs[name]; !ok {
			t.Fatalf("action.yml has no input %s", name)
		}
	}

	bin := filepath.Join(r.temp, "fakebin")
	r.ghLog, r.ghBody = filepath.Join(r.temp, "gh.log"), filepath.Join(r.temp, "gh.body")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	fakeGH := `#!/bin/sh
# A stand-in for the GitHub CLI: GitHub's API cannot be reached from the tests.
echo "gh $*" >>"$GH_LOG"
case "$*" in
*--paginate*) [ -n "$FAKE_COMMENT_ID" ] && echo "$FAKE_COMMENT_ID"; exit 0 ;;
esac
while [ $# -gt 0 ]; do
	if [ "$1" = -F ]; then cat "${2#body=@}" >"$GH_BODY"; fi
	shift
done
`
	if err := os.WriteFile(filepath.Join(bin, "gh"), []byte(fakeGH), 0o755); err != nil {
		t.Fatal(err)
	}
	summary := filepath.Join(r.temp, "summary.md")
	for i, st := range a.Runs.Steps {
		if !r.cond(st.If) {
			continue
		}
		switch {
		case strings.HasPrefix(st.Uses, "actions/setup-go@"):
			if _, err := os.Stat(r.expand(st.With["go-version-file"])); err != nil {
				t.Errorf("setup-go's go-version-file: %v", err)
			}
			continue // this machine has Go
		case strings.HasPrefix(st.Uses, "actions/upload-artifact@"):
			r.artifact = r.expand(st.With["path"])
			if r.expand(st.With["name"]) != r.inputs["artifact-name"] {
				t.Errorf("upload-artifact's name is %q", r.expand(st.With["name"]))
			}
			continue
		case st.Uses != "":
			t.Fatalf("step %d uses %s, which the test's runner does not know", i, st.Uses)
		}
		if st.Shell != "bash" {
			t.Fatalf("step %q: shell %q, want bash", st.Name, st.Shell)
		}
		out := filepath.Join(r.temp, fmt.Sprintf("output-%d", i))
		cmd := exec.Command("bash", "-e", "-c", r.expand(st.Run))
		cmd.Dir = r.root
		if st.WorkingDirectory != "" {
			cmd.Dir = r.expand(st.WorkingDirectory)
		}
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "RUNNER_TEMP="+r.temp,
			"GITHUB_OUTPUT="+out, "GITHUB_STEP_SUMMARY="+summary, "GITHUB_REPOSITORY=owner/app", "GITHUB_RUN_ID=99",
			"GH_LOG="+r.ghLog, "GH_BODY="+r.ghBody, "FAKE_COMMENT_ID="+existingComment)
		for k, v := range st.Env {
			cmd.Env = append(cmd.Env, k+"="+r.expand(v))
		}
		log, err := cmd.CombinedOutput()
		t.Logf("step %q:\n%s", st.Name, log)
		if err != nil {
			r.failed = st.Name
		}
		if st.ID != "" {
			r.outputs[st.ID] = readOutputs(t, out)
		}
	}
	return r
}

// readOutputs reads NAME=value lines of a $GITHUB_OUTPUT file.
func readOutputs(t *testing.T, name string) map[string]string {
	m := map[string]string{}
	f, err := os.Open(name)
	if err != nil {
		return m
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if k, v, ok := strings.Cut(s.Text(), "="); ok {
			m[k] = v
		}
	}
	return m
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		return ""
	}
	return string(b)
}

// TestActionOnPullRequest runs action.yml's steps on app-v1 → app-v2 (4,474 bytes of growth): the comparison
// is posted once and updated after, the HTML report is the artifact, and the budget decides the job.
func TestActionOnPullRequest(t *testing.T) {
	v1, _ := filepath.Abs(appV1)
	v2, _ := filepath.Abs(appV2)
	dockerfile, _ := filepath.Abs("../../testdata/images/app-v2/Dockerfile")

	// Over the budget, first run on the pull request: a new comment, the artifact, a failed job.
	r := runAction(t, map[string]string{"base-image": v1, "head-image": v2, "fail-on-growth": "1kB", "dockerfile": dockerfile}, "7", "")
	out := r.outputs["diff"]
	if out["exit-code"] != "1" || out["growth"] != "4474" || r.failed != "Verdict" {
		t.Errorf("over budget: outputs %v, failed step %q; want exit 1, growth 4474, the Verdict failing", out, r.failed)
	}
	body := readFile(t, r.ghBody)
	if !strings.HasPrefix(body, "<!-- layerdiff-action -->\n### layerdiff:") || !strings.Contains(body, "**Over budget:**") ||
		!strings.Contains(body, "`app/bin/tool`") || body != readFile(t, out["markdown"]) {
		t.Errorf("the comment:\n%s", body)
	}
	if log := readFile(t, r.ghLog); !strings.Contains(log, "api -X POST repos/owner/app/issues/7/comments") {
		t.Errorf("gh was asked:\n%s", log)
	}
	if html := readFile(t, r.artifact); r.artifact != out["html"] || !strings.HasPrefix(html, "<!DOCTYPE html>") || !strings.Contains(html, `"kind":"diff"`) {
		t.Errorf("the artifact %q (html output %q) is not the diff's HTML report", r.artifact, out["html"])
	}

	// Within the budget, a later run: the same comment is updated, the job passes.
	r = runAction(t, map[string]string{"base-image": v1, "head-image": v2, "fail-on-growth": "10kB"}, "7", "42")
	if r.outputs["diff"]["exit-code"] != "0" || r.failed != "" {
		t.Errorf("within budget: outputs %v, failed step %q", r.outputs["diff"], r.failed)
	}
	if log := readFile(t, r.ghLog); !strings.Contains(log, "api -X PATCH repos/owner/app/issues/comments/42") || strings.Contains(log, "POST") {
		t.Errorf("gh was asked:\n%s", log)
	}
	if !strings.Contains(readFile(t, r.ghBody), "**Within budget:**") {
		t.Errorf("the comment:\n%s", readFile(t, r.ghBody))
	}

	// No budget: a difference passes; outside a pull request nothing is posted.
	r = runAction(t, map[string]string{"base-image": v1, "head-image": v2}, "", "")
	if r.outputs["diff"]["exit-code"] != "1" || r.failed != "" || readFile(t, r.ghLog) != "" || r.artifact == "" {
		t.Errorf("no budget, no pull request: outputs %v, failed %q, gh log %q, artifact %q", r.outputs["diff"], r.failed, readFile(t, r.ghLog), r.artifact)
	}
}

// TestActionBadImage: an image layerdiff cannot read fails the job, and the comment says why.
func TestActionBadImage(t *testing.T) {
	v1, _ := filepath.Abs(appV1)
	r := runAction(t, map[string]string{"base-image": v1, "head-image": "/nonexistent/head.tar"}, "3", "")
	if r.outputs["diff"]["exit-code"] != "2" || r.outputs["diff"]["html"] != "" || r.failed != "Verdict" || r.artifact != "" {
		t.Errorf("outputs %v, failed %q, artifact %q", r.outputs["diff"], r.failed, r.artifact)
	}
	if body := readFile(t, r.ghBody); !strings.Contains(body, "layerdiff could not compare the images") || !strings.Contains(body, "/nonexistent/head.tar") {
		t.Errorf("the comment:\n%s", body)
	}
}
