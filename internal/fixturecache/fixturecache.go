// Package fixturecache keeps the heavy fixtures of the tests — a debootstrapped Debian image, images built by
// real builders, BuildKit's binaries, code-server — once per machine, in one directory, each under a name
// that hashes every input it is made from, so that a changed input makes a new one and an unchanged one is
// never built twice. Test processes that run at once (go test runs packages in parallel) wait for one another
// on a lock per fixture, and a fixture appears under its name only once it is whole.
package fixturecache

import (
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Dir returns the machine's fixture cache: $LAYERLINT_FIXTURES, else $XDG_CACHE_HOME/layerlint-fixtures,
// else ~/.cache/layerlint-fixtures.
func Dir() (string, error) {
	if d := os.Getenv("LAYERLINT_FIXTURES"); d != "" {
		return d, nil
	}
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		var err error
		if base, err = os.UserCacheDir(); err != nil {
			return "", err
		}
	}
	return filepath.Join(base, "layerlint-fixtures"), nil
}

// Ensure returns the path of the fixture name (a file or a directory in Dir), calling build to make it when
// it is missing. build makes the fixture at tmp, a path beside the final one that does not exist yet; Ensure
// then renames it into place. Another process building the same fixture is waited for, not raced.
func Ensure(name string, build func(tmp string) error) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, name)
	if exists(out) {
		return out, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	unlock, err := lock(filepath.Join(dir, "."+name+".lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if exists(out) { // made by another process while this one waited
		return out, nil
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".%s.tmp-%d", name, os.Getpid()))
	os.RemoveAll(tmp)
	defer os.RemoveAll(tmp)
	if err := build(tmp); err != nil {
		return "", fmt.Errorf("building fixture %s: %w", name, err)
	}
	if !exists(tmp) {
		return "", fmt.Errorf("building fixture %s: nothing was made at %s", name, tmp)
	}
	if err := os.Rename(tmp, out); err != nil {
		return "", err
	}
	return out, nil
}

// T is Ensure for tests: a failure ends the test, and a fixture built now is logged with the time it took.
func T(t testing.TB, name string, build func(tmp string) error) string {
	t.Helper()
	start, built := time.Now(), false
	p, err := Ensure(name, func(tmp string) error {
		built = true
		return build(tmp)
	})
	if err != nil {
		t.Fatalf("fixturecache: %v", err)
	}
	if built {
		t.Logf("fixturecache: built %s once for this machine in %v", p, time.Since(start).Round(time.Second))
	}
	return p
}

// HashFiles writes one line per regular file under root/rel for each rel — its path relative to root and
// the SHA-256 of its contents — in lexical order, for fixture keys that depend on files in the tree.
func HashFiles(w io.Writer, root string, rels ...string) error {
	for _, rel := range rels {
		err := filepath.WalkDir(filepath.Join(root, rel), func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			r, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(w, "%s %x\n", filepath.ToSlash(r), sha256.Sum256(b))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// lock takes an exclusive lock on path, waiting for the process that holds it.
func lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
