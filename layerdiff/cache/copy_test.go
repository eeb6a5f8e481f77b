package cache

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlanCopy checks source resolution and destination rules on a real directory.
func TestPlanCopy(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"go.mod", "a.md", "b.md", "src/main.go", "src/util/u.go", "notes.txt", "docs/keep.md", "docs/drop.md"} {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, ".dockerignore"), []byte("notes.txt\ndocs/\n!docs/keep.md\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bc, err := OpenContext(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	existing := func(p string) bool { return p == "etc" }
	for _, tc := range []struct {
		srcs    []string
		dest    string
		workdir string
		want    string // src>dst pairs, or "error: text"
	}{
		{[]string{"go.mod"}, "./", "/app", "go.mod>app/go.mod"},
		{[]string{"go.mod"}, ".", "/app", "go.mod>app/go.mod"},
		{[]string{"go.mod"}, "/app/mod.txt", "/", "go.mod>app/mod.txt"},
		{[]string{"go.mod"}, "/etc", "/", "go.mod>etc/go.mod"},
		{[]string{"go.mod", "a.md"}, "/x", "/", "go.mod>x/go.mod a.md>x/a.md"},
		{[]string{"*.md"}, "/d", "/", "a.md>d/a.md b.md>d/b.md"},
		{[]string{"src/"}, "/app/src/", "/", "src/main.go>app/src/main.go src/util>app/src/util src/util/u.go>app/src/util/u.go"},
		{[]string{"docs"}, "out", "/w", "docs/keep.md>w/out/keep.md"},
		{[]string{"notes.txt"}, "/", "/", "error: not in the build context"},
		{[]string{"../etc/passwd"}, "/", "/", "error: outside the build context"},
		{[]string{"*.go"}, "/", "/", "error: matches nothing"},
	} {
		plan, err := planCopy(bc, tc.srcs, tc.dest, tc.workdir, existing)
		var got string
		if err != nil {
			got = "error: " + err.Error()
		} else {
			var pairs []string
			for _, p := range plan.placements {
				pairs = append(pairs, p.src+">"+p.dst)
			}
			got = strings.Join(pairs, " ")
		}
		if strings.HasPrefix(tc.want, "error: ") {
			if !strings.Contains(got, strings.TrimPrefix(tc.want, "error: ")) || !strings.HasPrefix(got, "error: ") {
				t.Errorf("COPY %v %s (workdir %s): %s, want %s", tc.srcs, tc.dest, tc.workdir, got, tc.want)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("COPY %v %s (workdir %s): %s, want %s", tc.srcs, tc.dest, tc.workdir, got, tc.want)
		}
	}
}
