package lint

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// This file answers questions about the build context: whether a file
// exists in it and is sent to the builder (not excluded by .dockerignore).

// inContext reports whether rel (a slash path relative to the context root)
// is a regular file of the build context that .dockerignore does not
// exclude.
func inContext(dir, rel string) bool {
	rel = path.Clean(strings.TrimPrefix(rel, "/"))
	if rel == "." || strings.HasPrefix(rel, "../") {
		return false
	}
	fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	return !dockerignored(dir, rel)
}

// isContextDir reports whether rel is a directory of the build context.
func isContextDir(dir, rel string) bool {
	rel = path.Clean(strings.TrimPrefix(rel, "/"))
	if strings.HasPrefix(rel, "../") || rel == ".." {
		return false
	}
	fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel)))
	return err == nil && fi.IsDir()
}

// readContextFile returns the contents of a context file, or nil.
func readContextFile(dir, rel string) []byte {
	if !inContext(dir, rel) {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(path.Clean(rel))))
	if err != nil {
		return nil
	}
	return b
}

// dockerignored reports whether dir/.dockerignore excludes rel. An
// unreadable .dockerignore excludes everything, so that no fix relies on it.
func dockerignored(dir, rel string) bool {
	f, err := os.Open(filepath.Join(dir, ".dockerignore"))
	if errors.Is(err, fs.ErrNotExist) {
		return false
	}
	if err != nil {
		return true
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return true
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return true
	}
	excluded, err := pm.MatchesOrParentMatches(rel)
	return err != nil || excluded
}

// joinRel joins a COPY source directory and a file name as a context path.
func joinRel(dir, name string) string {
	return path.Clean(path.Join(strings.TrimPrefix(dir, "/"), name))
}
