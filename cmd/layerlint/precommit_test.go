package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/internal/tooltest"
)

// TestPreCommitTryRepo runs the hook in .pre-commit-hooks.yaml the way users
// do, with the real pre-commit: `pre-commit try-repo` builds layerlint with
// `go install ./...` (language: golang) from a snapshot of this repository and
// runs it on a bad and a clean Dockerfile in another repository.
func TestPreCommitTryRepo(t *testing.T) {
	tooltest.Require(t, "git", "git")
	tooltest.Require(t, "pre-commit", "pre-commit")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	gitEnv := append(os.Environ(), "GIT_AUTHOR_NAME=layerlint test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=layerlint test", "GIT_COMMITTER_EMAIL=test@example.com", "GIT_CONFIG_NOSYSTEM=1")
	git := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = dir, gitEnv
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
		}
		return string(out)
	}

	// try-repo clones a repository at a commit, leaving out untracked files:
	// commit a snapshot of the working tree (what `git add -A` would take).
	hookRepo := filepath.Join(tmp, "hook-repo")
	for _, rel := range strings.Split(strings.TrimSpace(git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")), "\x00") {
		src := filepath.Join(root, rel)
		fi, err := os.Lstat(src)
		if err != nil || !fi.Mode().IsRegular() {
			continue // deleted in the working tree, or a symlink
		}
		copyFile(t, src, filepath.Join(hookRepo, rel))
	}
	git(hookRepo, "init", "-q")
	git(hookRepo, "add", "-A")
	git(hookRepo, "commit", "-q", "-m", "snapshot")

	user := filepath.Join(tmp, "user-repo")
	files := map[string]string{
		"bad/Dockerfile":     "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
		"good/Dockerfile":    "FROM alpine:3.20\nRUN apk add --no-cache curl\n",
		"docs/notes.txt":     "RUN apt-get update\n",
		"api.Dockerfile":     "FROM alpine:3.20\nRUN apk add curl\n",
		"Containerfile.prod": "FROM alpine:3.20\nRUN apk add --no-cache curl\n",
	}
	for name, text := range files {
		p := filepath.Join(user, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(user, "init", "-q")
	git(user, "add", "-A")

	modcache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	preCommit := func(files ...string) (string, int) {
		t.Helper()
		args := append([]string{"try-repo", hookRepo, "layerlint", "--verbose", "--files"}, files...)
		cmd := exec.Command("pre-commit", args...)
		// A private pre-commit store; the hook's GOPATH is a fresh directory
		// there, so point Go at the module cache that already holds this
		// module's dependencies instead of downloading them again.
		cmd.Dir = user
		cmd.Env = append(gitEnv, "PRE_COMMIT_HOME="+filepath.Join(tmp, "pre-commit-home"),
			"GOMODCACHE="+strings.TrimSpace(string(modcache)), "PRE_COMMIT_COLOR=never")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("pre-commit: %v\n%s", err, out.String())
		}
		return out.String(), code
	}

	out, code := preCommit("good/Dockerfile", "Containerfile.prod", "docs/notes.txt")
	if code != 0 || !strings.Contains(out, "Passed") {
		t.Fatalf("clean files: exit %d, want 0 and Passed:\n%s", code, out)
	}
	out, code = preCommit("bad/Dockerfile", "good/Dockerfile", "api.Dockerfile")
	if code != 1 || !strings.Contains(out, "Failed") {
		t.Fatalf("bad files: exit %d, want 1 and Failed:\n%s", code, out)
	}
	for _, want := range []string{
		"bad/Dockerfile:2:", "[AptListsNotRemoved]", // layerlint's own output, passed through
		"api.Dockerfile:2:", "[ApkCacheKept]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("hook output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "good/Dockerfile:") {
		t.Errorf("hook reported the clean file:\n%s", out)
	}
}
