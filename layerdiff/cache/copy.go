package cache

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/layerlint/layerlint/layerdiff"
)

// placement is one context path a COPY or ADD sends and the image path it lands at (both without a leading
// slash; the context root is "").
type placement struct {
	src, dst string
}

// copyRoot is a directory or glob source whose destination directory the COPY fills: a path the layer holds
// below dst that no placement explains was removed from the context.
type copyRoot struct {
	src, dst string
}

// copyPlan is what a COPY or ADD would send and where it would put it.
type copyPlan struct {
	placements []placement
	roots      []copyRoot
}

// planCopy resolves the sources of a COPY against the build context and computes each destination as the
// builders do: a relative dest is joined to workdir; dest is a directory when it ends in "/" (or "/."), when
// there are several sources or a wildcard, when a source is a directory, or when it already is a directory in
// the image below the step (isDir); a directory source sends its contents, not itself.
func planCopy(bc *BuildContext, srcs []string, dest, workdir string, isDir func(string) bool) (*copyPlan, error) {
	destDir := strings.HasSuffix(dest, "/") || strings.HasSuffix(dest, "/.") || dest == "." || dest == ".."
	if !path.IsAbs(dest) {
		dest = path.Join(workdir, dest)
	}
	dst := strings.TrimPrefix(path.Clean("/"+dest), "/")
	if len(srcs) > 1 || isDir(dst) {
		destDir = true
	}
	type match struct {
		path string
		glob bool
	}
	var matches []match
	for _, s := range srcs {
		rel := strings.TrimPrefix(path.Clean("/"+s), "/")
		if strings.HasPrefix(path.Clean(s), "../") || path.Clean(s) == ".." {
			return nil, fmt.Errorf("source %s is outside the build context", s)
		}
		if strings.ContainsAny(rel, "*?[") {
			ms, err := bc.glob(rel)
			if err != nil {
				return nil, err
			}
			if len(ms) == 0 {
				return nil, fmt.Errorf("no source files were specified: %s matches nothing in the build context", s)
			}
			destDir = true
			for _, m := range ms {
				matches = append(matches, match{m, true})
			}
			continue
		}
		if _, ok := bc.lookup(rel); !ok {
			return nil, fmt.Errorf("source %s is not in the build context (missing or excluded by .dockerignore)", s)
		}
		matches = append(matches, match{path: rel})
	}
	plan := &copyPlan{}
	for _, m := range matches {
		f, _ := bc.lookup(m.path)
		if f.typ == layerdiff.TypeDir {
			plan.roots = append(plan.roots, copyRoot{src: m.path, dst: dst})
			for _, p := range bc.under(m.path) {
				plan.placements = append(plan.placements, placement{src: p, dst: join(dst, relTo(p, m.path))})
			}
			continue
		}
		to := dst
		if destDir {
			to = join(dst, path.Base(m.path))
		}
		if m.glob {
			d := path.Dir(m.path)
			if d == "." {
				d = ""
			}
			plan.roots = append(plan.roots, copyRoot{src: d, dst: dst})
		}
		plan.placements = append(plan.placements, placement{src: m.path, dst: to})
	}
	return plan, nil
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// relTo returns p relative to its ancestor dir ("" is the root).
func relTo(p, dir string) string {
	if dir == "" {
		return p
	}
	return p[len(dir)+1:]
}

// Sources returns the context paths (files and symlinks) the plan sends, in order.
func (p *copyPlan) sources(bc *BuildContext) []string {
	var out []string
	for _, pl := range p.placements {
		if f, _ := bc.lookup(pl.src); f.typ != layerdiff.TypeDir {
			out = append(out, pl.src)
		}
	}
	return out
}

// compareCopy checks the plan against the image: layers are the image's layers up to and including the
// step's, the last. It returns "" when every sent path matches what the image holds
// (type, content, symlink target and, unless the COPY sets --chmod, mode) and no path the layer copied is
// gone from the context; otherwise it names the first cause, like "src/main.go changed".
func compareCopy(ctx context.Context, bc *BuildContext, plan *copyPlan, layers []*layerdiff.Listing, checkMode bool) (string, error) {
	buf := make([]byte, 64<<10)
	dsts := make([]string, len(plan.placements))
	for i, pl := range plan.placements {
		dsts[i] = pl.dst
	}
	below, err := layerdiff.LookupPaths(ctx, layers, dsts)
	if err != nil {
		return "", err
	}
	placed := make(map[string]bool, len(plan.placements))
	for _, pl := range plan.placements {
		placed[pl.dst] = true
		f, _ := bc.lookup(pl.src)
		n, ok := below[pl.dst]
		if !ok {
			return pl.src + " added", nil
		}
		e := *n.Entry
		if e.Type == layerdiff.TypeHardlink && f.typ == layerdiff.TypeFile {
			e.Type = layerdiff.TypeFile
		}
		if e.Type != f.typ {
			return pl.src + " changed type", nil
		}
		switch f.typ {
		case layerdiff.TypeFile:
			h, err := bc.contentHash(pl.src, f, buf)
			if err != nil {
				return "", err
			}
			if h != e.Hash {
				return pl.src + " changed", nil
			}
		case layerdiff.TypeSymlink:
			if f.link != e.Link {
				return pl.src + " changed", nil
			}
		}
		if checkMode && f.mode != e.Mode {
			return fmt.Sprintf("mode of %s changed (%04o, was %04o)", pl.src, f.mode, e.Mode), nil
		}
	}
	if len(plan.roots) == 0 {
		return "", nil
	}
	parents := map[string]bool{}
	for q := range placed {
		for d := path.Dir(q); d != "." && !parents[d]; d = path.Dir(d) {
			parents[d] = true
		}
	}
	own := layers[len(layers)-1]
	for _, r := range plan.roots {
		for e, err := range own.Entries(ctx) {
			if err != nil {
				return "", err
			}
			p := e.Path
			if !layerdiff.IsUnder(p, r.dst) || placed[p] || parents[p] {
				continue
			}
			return join(r.src, relTo(p, r.dst)) + " removed", nil
		}
	}
	return "", nil
}

// copyPlanFor plans a COPY or ADD from the context (nil for other instructions, COPY --from, heredoc
// sources and URLs). isDir reports directories of the image below the step; nil knows none.
func copyPlanFor(in instruction, bc *BuildContext, st *stageState, isDir func(string) bool) (*copyPlan, error) {
	var sd instructions.SourcesAndDest
	switch c := in.cmd.(type) {
	case *instructions.CopyCommand:
		if c.From != "" {
			return nil, nil
		}
		sd = c.SourcesAndDest
	case *instructions.AddCommand:
		sd = c.SourcesAndDest
		for _, s := range sd.SourcePaths {
			if strings.Contains(s, "://") || strings.HasPrefix(s, "git@") {
				return nil, nil
			}
		}
	default:
		return nil, nil
	}
	if len(sd.SourceContents) > 0 || bc == nil {
		return nil, nil
	}
	if isDir == nil {
		isDir = func(string) bool { return false }
	}
	srcs := make([]string, len(sd.SourcePaths))
	for i, s := range sd.SourcePaths {
		srcs[i] = st.expand(s)
	}
	return planCopy(bc, srcs, st.expand(sd.DestPath), st.workdir, isDir)
}
