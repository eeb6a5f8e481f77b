package cache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"github.com/zeebo/xxh3"

	"github.com/layerlint/layerlint/layerdiff"
)

// BuildContext is a build context directory as a builder sends it: every path that .dockerignore does not
// exclude, with its type and mode. File contents are hashed on first use, the same way layerdiff hashes layer
// contents, so that a context file and a layer entry can be compared.
type BuildContext struct {
	dir   string
	paths []string // sorted by layerdiff.ComparePaths
	files map[string]*contextFile
}

type contextFile struct {
	typ    layerdiff.Type
	mode   uint32 // permission bits plus setuid, setgid and sticky, as in tar headers
	link   string
	hash   layerdiff.Hash
	hashed bool
	mtime  time.Time
}

// OpenContext lists the build context dir, honouring dir/.dockerignore (with "!" exceptions). It reads no file
// contents.
func OpenContext(ctx context.Context, dir string) (*BuildContext, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("opening build context: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("opening build context: %s is not a directory", dir)
	}
	pm, err := readIgnore(filepath.Join(dir, ".dockerignore"))
	if err != nil {
		return nil, err
	}
	c := &BuildContext{dir: dir, files: map[string]*contextFile{}}
	// Excluded directories are still sent when an exception ("!dir/keep") includes something below them.
	excludedDirs := map[string]*contextFile{}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("listing build context: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return fmt.Errorf("listing build context: %w", err)
		}
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		excluded := false
		if pm != nil {
			excluded, err = pm.MatchesOrParentMatches(rel)
			if err != nil {
				return fmt.Errorf("matching %s against .dockerignore: %w", rel, err)
			}
			if excluded && d.IsDir() && !pm.Exclusions() {
				return filepath.SkipDir
			}
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("listing build context: %w", err)
		}
		if excluded {
			if d.IsDir() {
				excludedDirs[rel] = &contextFile{typ: layerdiff.TypeDir, mode: tarMode(info.Mode())}
			}
			return nil
		}
		f := &contextFile{mode: tarMode(info.Mode()), mtime: info.ModTime()}
		switch {
		case info.Mode().IsRegular():
			f.typ = layerdiff.TypeFile
		case info.IsDir():
			f.typ = layerdiff.TypeDir
		case info.Mode()&fs.ModeSymlink != 0:
			f.typ = layerdiff.TypeSymlink
			if f.link, err = os.Readlink(p); err != nil {
				return fmt.Errorf("listing build context: %w", err)
			}
		default:
			return nil // sockets, devices and pipes are not sent to the builder
		}
		for p := path.Dir(rel); p != "."; p = path.Dir(p) {
			if pd, ok := excludedDirs[p]; ok {
				delete(excludedDirs, p)
				c.files[p] = pd
				c.paths = append(c.paths, p)
			}
		}
		c.files[rel] = f
		c.paths = append(c.paths, rel)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(c.paths, layerdiff.ComparePaths)
	return c, nil
}

// readIgnore parses a .dockerignore file; a missing file excludes nothing (nil matcher).
func readIgnore(name string) (*patternmatcher.PatternMatcher, error) {
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading .dockerignore: %w", err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", name, err)
	}
	return pm, nil
}

// tarMode converts a Go file mode to the mode bits a tar header (and so a layer Entry) carries.
func tarMode(m fs.FileMode) uint32 {
	out := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		out |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		out |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		out |= 0o1000
	}
	return out
}

// Len returns the number of paths the context sends (files, directories and symlinks).
func (c *BuildContext) Len() int { return len(c.paths) }

// lookup returns the context's entry for the slash-separated relative path p ("" is the context root).
func (c *BuildContext) lookup(p string) (*contextFile, bool) {
	if p == "" {
		return &contextFile{typ: layerdiff.TypeDir}, true
	}
	f, ok := c.files[p]
	return f, ok
}

// under returns the paths strictly below dir, in order ("" lists the whole context).
func (c *BuildContext) under(dir string) []string {
	if dir == "" {
		return c.paths
	}
	i, _ := slices.BinarySearchFunc(c.paths, dir, layerdiff.ComparePaths)
	j := i
	for j < len(c.paths) && (c.paths[j] == dir || layerdiff.IsUnder(c.paths[j], dir)) {
		j++
	}
	if i < j && c.paths[i] == dir {
		i++
	}
	return c.paths[i:j]
}

// glob returns the context paths matching pattern (path.Match syntax, component by component), in order.
func (c *BuildContext) glob(pattern string) ([]string, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("bad pattern %q: %w", pattern, err)
	}
	var out []string
	for _, p := range c.paths {
		if ok, _ := path.Match(pattern, p); ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// contentHash returns the XXH3-128 hash of a regular file's contents, reading it once.
func (c *BuildContext) contentHash(p string, f *contextFile, buf []byte) (layerdiff.Hash, error) {
	if f.hashed {
		return f.hash, nil
	}
	r, err := os.Open(filepath.Join(c.dir, filepath.FromSlash(p)))
	if err != nil {
		return layerdiff.Hash{}, fmt.Errorf("reading context file: %w", err)
	}
	defer r.Close()
	h := xxh3.New()
	if _, err := io.CopyBuffer(h, r, buf); err != nil {
		return layerdiff.Hash{}, fmt.Errorf("reading context file %s: %w", p, err)
	}
	f.hash, f.hashed = h.Sum128().Bytes(), true
	return f.hash, nil
}
