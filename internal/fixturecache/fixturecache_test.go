package fixturecache

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestEnsureBuildsOnce builds one fixture from many goroutines at once: it is built once, appears whole
// under its name, and a failed build leaves nothing behind.
func TestEnsureBuildsOnce(t *testing.T) {
	t.Setenv("LAYERLINT_FIXTURES", t.TempDir())
	var builds atomic.Int32
	var wg sync.WaitGroup
	paths := make([]string, 8)
	for i := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			paths[i] = T(t, "thing-1234", func(tmp string) error {
				builds.Add(1)
				return os.WriteFile(tmp, []byte("made"), 0o644)
			})
		}()
	}
	wg.Wait()
	if n := builds.Load(); n != 1 {
		t.Errorf("built %d times, want once", n)
	}
	for _, p := range paths {
		if b, err := os.ReadFile(p); err != nil || string(b) != "made" {
			t.Errorf("%s: %q, %v", p, b, err)
		}
	}
	if _, err := Ensure("broken", func(tmp string) error {
		os.WriteFile(tmp, []byte("half"), 0o644)
		return errors.New("no")
	}); err == nil || !strings.Contains(err.Error(), "broken") {
		t.Errorf("failed build: %v", err)
	}
	dir, _ := Dir()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), "broken") && !strings.HasSuffix(e.Name(), ".lock") {
			t.Errorf("a failed build left %s", e.Name())
		}
	}
	if _, err := Ensure("empty", func(string) error { return nil }); err == nil {
		t.Error("a build that made nothing: no error")
	}
}

func TestHashFiles(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "a", "b"), 0o755)
	os.WriteFile(filepath.Join(root, "a", "b", "x"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(root, "a", "y"), []byte("y"), 0o644)
	var one, two bytes.Buffer
	if err := HashFiles(&one, root, "a"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(one.String(), "\n"); got != 2 || !strings.HasPrefix(one.String(), "a/b/x ") {
		t.Errorf("HashFiles:\n%s", one.String())
	}
	os.WriteFile(filepath.Join(root, "a", "y"), []byte("changed"), 0o644)
	HashFiles(&two, root, "a")
	if one.String() == two.String() {
		t.Error("a changed file did not change the hash lines")
	}
	if err := HashFiles(&two, root, "missing"); err == nil {
		t.Error("a missing directory: no error")
	}
}
