package cache

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/layerlint/layerlint/layerdiff"
)

// stageSources follows a COPY --from to the instructions of the stage it reads. The previous image holds only
// the target stage, so what the other stage made last time is known only where it landed: in the COPY
// --from's own layer. Both buildah and BuildKit reuse a COPY --from when the files it copies are the same as
// last time, whatever else the other stage rebuilt (checked with real builds). So:
//
//   - files the other stage copies from the build context after its last RUN are compared, content and mode,
//     with the layer;
//   - files a RUN of the other stage may have made are unknowable until it runs: the COPY --from is
//     predicted to rebuild when a context file the stage copies before that RUN was modified after the
//     previous image was built (by its modification time; a file touched without a change of content is
//     taken for changed, though both builders would reuse the step).
type stageSources struct {
	stages    [][]instruction
	bc        *BuildContext
	since     time.Time // the previous image's creation time
	meta      map[string]string
	buildArgs map[string]string
}

func newStageSources(stages [][]instruction, bc *BuildContext, prev *layerdiff.Image, meta, buildArgs map[string]string) *stageSources {
	s := &stageSources{stages: stages, bc: bc, meta: meta, buildArgs: buildArgs}
	if prev != nil && prev.Config != nil {
		s.since = prev.Config.Created.Time
	}
	return s
}

// stage returns the index of the stage a --from names (by name or number), -1 for an image.
func (s *stageSources) stage(from string) int {
	for i, st := range s.stages {
		if name := st[0].cmd.(*instructions.Stage).Name; name != "" && strings.EqualFold(name, from) {
			return i
		}
	}
	var n int
	if _, err := fmt.Sscanf(from, "%d", &n); err == nil && fmt.Sprint(n) == from && n >= 0 && n < len(s.stages) {
		return n
	}
	return -1
}

// chain returns the instructions that build stage i, those of the stages it is FROM first, each with the
// state it is built in.
func (s *stageSources) chain(i int) []sourceStep {
	var idx []int
	for seen := map[int]bool{}; i >= 0 && !seen[i]; {
		seen[i] = true
		idx = append(idx, i)
		i = s.stage(s.stages[i][0].cmd.(*instructions.Stage).BaseName)
	}
	var out []sourceStep
	for k := len(idx) - 1; k >= 0; k-- {
		st := &stageState{args: map[string]string{}, env: map[string]string{}, workdir: "/"}
		for _, in := range s.stages[idx[k]][1:] {
			out = append(out, sourceStep{in: in, state: st.clone()})
			st.apply(in.cmd, s.buildArgs, s.meta)
		}
	}
	return out
}

// sourceStep is an instruction of another stage with the state it runs in.
type sourceStep struct {
	in    instruction
	state *stageState
}

// compareFrom decides whether a COPY --from whose previous layer is prev.Layers[k] copies what it copied
// last time. It returns a reason starting with "sources unchanged" or "unchecked" when the step stays cached.
func (s *stageSources) compareFrom(ctx context.Context, c *instructions.CopyCommand, st *stageState, prev *layerdiff.Image, k int) (string, error) {
	from := st.expand(c.From)
	si := -1
	if s != nil {
		si = s.stage(from)
	}
	if si < 0 {
		return "unchecked: copies from image " + from, nil
	}
	name := from
	steps := s.chain(si)
	lastRun := -1
	for i, ss := range steps {
		switch ss.in.cmd.(type) {
		case *instructions.RunCommand:
			lastRun = i
		case *instructions.CopyCommand:
			if cc := ss.in.cmd.(*instructions.CopyCommand); cc.From != "" {
				lastRun = max(lastRun, i) // another stage's output: as unknowable as a RUN's
			}
		}
	}
	// A RUN's inputs: the context files copied before it.
	if lastRun >= 0 && !s.since.IsZero() {
		for _, ss := range steps[:lastRun] {
			plan, err := copyPlanFor(ss.in, s.bc, ss.state, nil)
			if err != nil || plan == nil {
				continue
			}
			for _, p := range plan.sources(s.bc) {
				if f, ok := s.bc.lookup(p); ok && f.mtime.After(s.since) {
					return fmt.Sprintf("stage %s changed: line %d copies %s, modified after the previous build, before the RUN at line %d",
						name, ss.in.node.StartLine, p, steps[lastRun].in.node.StartLine), nil
				}
			}
		}
	}
	// Context files copied after the last RUN land in the image as they are.
	dest := st.expand(c.DestPath)
	if !path.IsAbs(dest) {
		dest = path.Join(st.workdir, dest)
	}
	destDir := strings.HasSuffix(c.DestPath, "/") || len(c.SourcePaths) > 1
	// Where each copied file lands, looked up in one pass over the image's listings.
	type landed struct {
		ss sourceStep
		pl placement
		at string
	}
	var lands []landed
	var ats []string
	for _, ss := range steps[lastRun+1:] {
		plan, err := copyPlanFor(ss.in, s.bc, ss.state, nil)
		if err != nil || plan == nil {
			continue
		}
		for _, pl := range plan.placements {
			if at, ok := landing(pl.dst, c.SourcePaths, st, dest, destDir); ok {
				lands = append(lands, landed{ss, pl, at})
				ats = append(ats, at)
			}
		}
	}
	with, err := layerdiff.LookupPaths(ctx, prev.Layers[:k+1], ats)
	if err != nil {
		return "", fmt.Errorf("%s: %w", prev.Name, err)
	}
	buf := make([]byte, 64<<10)
	for _, l := range lands {
		ss, pl, at := l.ss, l.pl, l.at
		{
			f, _ := s.bc.lookup(pl.src)
			n, ok := with[at]
			switch {
			case !ok:
				return pl.src + " added (copied by stage " + name + ")", nil
			case f.typ == layerdiff.TypeFile && n.Type != layerdiff.TypeDir:
				h, err := s.bc.contentHash(pl.src, f, buf)
				if err != nil {
					return "", err
				}
				if h != n.Hash {
					return pl.src + " changed (copied by stage " + name + ")", nil
				}
			}
			if f.typ != layerdiff.TypeDir && !hasChmod(ss.in) && c.Chmod == "" && f.mode != n.Mode {
				return fmt.Sprintf("mode of %s changed (copied by stage %s)", pl.src, name), nil
			}
		}
	}
	return "sources unchanged (stage " + name + ")", nil
}

// landing maps a path p of the other stage (no leading slash) to where the COPY --from puts it, when one of
// its sources covers p.
func landing(p string, sources []string, st *stageState, dest string, destDir bool) (string, bool) {
	d := strings.TrimPrefix(path.Clean("/"+dest), "/")
	for _, src := range sources {
		s := strings.TrimPrefix(path.Clean("/"+st.expand(src)), "/")
		switch {
		case s == "" || layerdiff.IsUnder(p, s):
			return join(d, relTo(p, s)), true
		case p == s:
			if destDir {
				return join(d, path.Base(p)), true
			}
			return d, true
		}
	}
	return "", false
}

func hasChmod(in instruction) bool {
	switch c := in.cmd.(type) {
	case *instructions.CopyCommand:
		return c.Chmod != ""
	case *instructions.AddCommand:
		return c.Chmod != ""
	}
	return false
}
