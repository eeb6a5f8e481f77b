package history

import (
	"fmt"
	"regexp"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/layerlint/layerlint/layerdiff"
)

// Alignment is an image's history lined up with a Dockerfile up to the first instruction that differs: what
// AlignPrefix returns. A builder reuses a step only when it reused every step before it, so the instructions
// above the first difference are those whose layers the image still holds; from it on the image says
// nothing about the Dockerfile.
type Alignment struct {
	// Steps holds one step per history entry, oldest first — base image entries (Base), entries aligned with
	// an instruction (Line > 0), then the image's own entries no instruction matches any more (Stale) —
	// followed by one step per instruction that has no entry (History -1), in file order: those from the
	// first difference on carry Rebuild. Instructions the builder writes no entry for (BuildKit's ONBUILD,
	// kaniko's config steps) sit among the aligned steps, without history. Every step with a layer is
	// measured.
	Steps []Step
	// Builder is the builder that wrote the image's history.
	Builder Builder
	// Start is the index of the first history entry the Dockerfile's instructions wrote: the number of entries
	// of the base image. Boundary says how it was found.
	Start    int
	Boundary Boundary
	// Instructions counts the Dockerfile instructions that build the target stage (FROM excluded); Matched
	// counts those at the head that the image holds.
	Instructions, Matched int
	// Stale counts the image's own entries after the matched ones.
	Stale int
	// Diverged is the first instruction that differs from the image, nil when every instruction matches.
	Diverged *MismatchError
}

// Boundary says how AlignPrefix found where the base image's history entries end.
type Boundary string

// The ways the boundary is found, most certain first.
const (
	// BoundaryNone: no Dockerfile was given, or the image has no history.
	BoundaryNone Boundary = ""
	// BoundaryScratch: the first stage is FROM scratch, so there are no base entries.
	BoundaryScratch Boundary = "scratch"
	// BoundaryBase: the base image's config was given (WithBase): its history length.
	BoundaryBase Boundary = "base"
	// BoundaryMark: buildah's "FROM <base>" comment on the stage's first entry.
	BoundaryMark Boundary = "mark"
	// BoundaryTail: every instruction matches the newest entries.
	BoundaryTail Boundary = "tail"
	// BoundaryOffset: the offset that explains the history with the fewest unmatched instructions and
	// entries, the head of the Dockerfile matching from it and its tail matching the newest entries.
	BoundaryOffset Boundary = "offset"
	// BoundaryGuess: nothing matches anywhere; the newest entries, as many as the Dockerfile's instructions,
	// are taken for the Dockerfile's.
	BoundaryGuess Boundary = "guess"
)

// Complete reports that the whole Dockerfile matches the image and the image holds nothing more.
func (a *Alignment) Complete() bool { return a.Diverged == nil && a.Stale == 0 }

// Err returns nil when the alignment is complete, else a *MismatchError naming the first line that differs
// (or, when the image holds more steps than the Dockerfile, its last instruction and the first extra entry).
func (a *Alignment) Err() error {
	if a.Diverged != nil {
		return a.Diverged
	}
	if a.Stale == 0 {
		return nil
	}
	e := &MismatchError{History: -1, Reason: fmt.Sprintf("the image has %d more history entries than the Dockerfile has instructions", a.Stale)}
	for _, s := range a.Steps {
		switch {
		case s.Line > 0 && s.History >= 0:
			e.Line, e.Instruction = s.Line, s.Instruction
		case s.Stale && e.History < 0:
			e.History, e.CreatedBy = s.History, s.CreatedBy
		}
	}
	return e
}

// AlignPrefix aligns an image's history with its layers and, when df is non-nil, with the instructions of the
// target stage (the last one unless WithTarget) and of the stages it is built FROM, as far as they match: see
// Alignment. Only an image whose history does not fit its own layers, or a Dockerfile that does not parse,
// is an error.
func AlignPrefix(img *layerdiff.Image, df *parser.Result, opts ...Option) (*Alignment, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	steps, err := historySteps(img, o.matches)
	if err != nil {
		return nil, err
	}
	var hist []v1.History
	if img.Config != nil {
		hist = img.Config.History
	}
	a := &Alignment{Steps: steps, Builder: DetectBuilder(hist), Start: len(steps)}
	if df != nil {
		c, err := stageChain(df, o.target, o.buildArgs, o.instrs)
		if err != nil {
			return nil, err
		}
		a = alignChain(img, df, steps, hist, c, &o)
	}
	if !o.noMeasure {
		if err := measure(img, a.Steps, o.measured); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// aligner holds what alignChain works on.
type aligner struct {
	hist    []v1.History
	cbs     []CreatedBy
	ins     []instr
	builder Builder
	// img, memo and texts remember the comparisons of instructions with entries (WithMatches).
	img   *layerdiff.Image
	memo  *Matches
	texts [][16]byte
}

// matches reports whether instruction i matches entry j.
func (al *aligner) matches(i, j int) bool {
	compare := func() bool {
		ok, _ := matchInstruction(al.ins[i].cmd, al.cbs[j])
		return ok
	}
	if al.memo == nil {
		return compare()
	}
	return al.memo.verdict(al.img, al.texts[i], j, compare)
}

// pair is an instruction and the history entry it matched, -1 for an instruction the builder wrote no entry
// for.
type pair struct{ i, j int }

func alignChain(img *layerdiff.Image, df *parser.Result, steps []Step, hist []v1.History, c *chain, o *options) *Alignment {
	al := &aligner{hist: hist, ins: c.instrs, builder: DetectBuilder(hist), cbs: o.matches.parsedEntries(img, hist), img: img, memo: o.matches}
	if al.memo != nil {
		al.texts = instructionTexts(df, c)
	}
	a := &Alignment{Builder: al.builder, Instructions: len(c.instrs)}
	if len(hist) == 0 {
		a.Start, a.Steps = len(steps), markBase(steps, len(steps))
		if len(c.instrs) > 0 {
			in := c.instrs[0]
			a.Diverged = &MismatchError{Line: line(in.cmd), Instruction: text(in.cmd), History: -1,
				Reason: "the image has no history to compare with"}
		}
		a.Steps = append(a.Steps, al.unmatched(0, a.Diverged, "no history")...)
		return a
	}
	var diverged *MismatchError
	a.Start, a.Boundary, diverged = al.boundary(img, c, o)
	prefix, i, j := al.prefixFrom(a.Start)
	if diverged == nil && i < len(al.ins) {
		in := al.ins[i]
		diverged = &MismatchError{Line: line(in.cmd), Instruction: text(in.cmd), History: -1}
		if j < len(hist) {
			_, diverged.Reason = matchInstruction(in.cmd, al.cbs[j])
			diverged.History, diverged.CreatedBy = j, hist[j].CreatedBy
		} else {
			diverged.Reason = fmt.Sprintf("the history has %d entries, too few for the Dockerfile's instructions", len(hist))
		}
	}
	if diverged != nil && diverged.Line == c.fromLine {
		prefix, i, j = nil, 0, a.Start // a changed FROM keeps no instruction
	}
	a.Diverged, a.Matched = diverged, i
	out := make([]Step, 0, len(steps)+len(c.instrs))
	out = append(out, markBase(steps, a.Start)...)
	for _, p := range prefix {
		in := al.ins[p.i]
		s := instructionStep(in)
		if p.j >= 0 {
			h := steps[p.j]
			s.History, s.CreatedBy, s.Empty, s.Layer, s.DiffID = h.History, h.CreatedBy, h.Empty, h.Layer, h.DiffID
		}
		out = append(out, s)
	}
	for k := j; k < len(steps); k++ {
		s := steps[k]
		s.Base, s.Stale = false, true
		out = append(out, s)
		a.Stale++
	}
	a.Steps = append(out, al.unmatched(i, diverged, al.rebuildReason(i, j, diverged, c))...)
	return a
}

// markBase marks the first n steps as the base image's (the Dockerfile tells where they end) and returns them.
func markBase(steps []Step, n int) []Step {
	for k := range n {
		steps[k].Base = true
	}
	return steps[:n]
}

// instructionStep is the step of an instruction, not yet given a history entry.
func instructionStep(in instr) Step {
	start, end := lines(in.cmd)
	return Step{Line: start, EndLine: end, Instruction: text(in.cmd), Command: strings.ToUpper(in.cmd.Name()),
		Stage: in.stage, History: -1, Empty: true, Layer: -1}
}

// unmatched returns the steps of the instructions from i on: the first rebuilds for reason, the others after
// it.
func (al *aligner) unmatched(i int, diverged *MismatchError, reason string) []Step {
	var out []Step
	for k := i; k < len(al.ins); k++ {
		s := instructionStep(al.ins[k])
		s.Rebuild = reason
		if diverged != nil && k > i {
			s.Rebuild = fmt.Sprintf("after line %d", diverged.Line)
		}
		out = append(out, s)
	}
	return out
}

// rebuildReason says in a few words why instruction i, the first that differs, has no step: entry j is the
// one it was compared with.
func (al *aligner) rebuildReason(i, j int, diverged *MismatchError, c *chain) string {
	switch {
	case diverged == nil:
		return ""
	case diverged.Line == c.fromLine:
		return "base image changed"
	case j >= len(al.hist):
		return "new instruction"
	}
	// An instruction inserted here leaves the entry to the next one; a step removed above leaves the next
	// entry to this one.
	if i+1 < len(al.ins) {
		if al.matches(i+1, j) {
			return "new instruction"
		}
	}
	if j+1 < len(al.hist) {
		if al.matches(i, j+1) {
			return "a step above was removed"
		}
	}
	return "instruction changed"
}

// optional reports whether the builder may have written no entry for instruction i: BuildKit writes none for
// ONBUILD, kaniko none for instructions that make no layer.
func (al *aligner) optional(i int) bool {
	switch al.ins[i].cmd.(type) {
	case *instructions.OnbuildCommand:
		return true
	case *instructions.RunCommand, *instructions.CopyCommand, *instructions.AddCommand, *instructions.WorkdirCommand:
		return false
	}
	return al.builder == BuilderKaniko
}

// prefixFrom matches instructions with the entries from o on, as far as they go. It returns the pairs and
// where it stopped: instruction i, entry j.
func (al *aligner) prefixFrom(o int) (pairs []pair, i, j int) {
	i, j = 0, o
	for i < len(al.ins) {
		if j < len(al.hist) {
			if al.matches(i, j) {
				pairs = append(pairs, pair{i, j})
				i, j = i+1, j+1
				continue
			}
		}
		if !al.optional(i) {
			break
		}
		pairs = append(pairs, pair{i, -1})
		i++
	}
	return pairs, i, j
}

// tail matches instructions with entries from the newest back, as far as they go. It returns the pairs, newest
// first.
func (al *aligner) tail() []pair {
	var pairs []pair
	i, j := len(al.ins)-1, len(al.hist)-1
	for i >= 0 {
		if j >= 0 {
			if al.matches(i, j) {
				pairs = append(pairs, pair{i, j})
				i, j = i-1, j-1
				continue
			}
		}
		if !al.optional(i) {
			break
		}
		pairs = append(pairs, pair{i, -1})
		i--
	}
	return pairs
}

// hexID is the short image ID buildah writes as "FROM <id>" for steps after the first.
var hexID = regexp.MustCompile(`^[0-9a-f]{12,64}$`)

// boundary finds where the base image's entries end. When the image shows it was built from another base
// image, it also returns the FROM line as the first difference.
func (al *aligner) boundary(img *layerdiff.Image, c *chain, o *options) (int, Boundary, *MismatchError) {
	fromDiffers := func(j int, reason string) *MismatchError {
		e := &MismatchError{Line: c.fromLine, Instruction: c.fromText, History: -1, Reason: reason}
		if j < len(al.hist) {
			e.History, e.CreatedBy = j, al.hist[j].CreatedBy
		}
		return e
	}
	if strings.EqualFold(c.base, "scratch") {
		return 0, BoundaryScratch, nil
	}
	var changed *MismatchError
	if o.base != nil {
		n := len(o.base.History)
		if n <= len(al.hist) && baseLayersMatch(img, o.base) {
			return n, BoundaryBase, nil
		}
		// Another base: where this one's entries end the other signs say.
		changed = fromDiffers(len(al.hist), fmt.Sprintf("base image changed: the image's first layers are not those of %s", c.base))
	}
	if al.builder == BuilderBuildah {
		// The stage's first entry says "FROM <base>" with the name as the Dockerfile wrote it; later entries
		// name their parent by ID. The newest named one started this build.
		for j := len(al.hist) - 1; j >= 0; j-- {
			name, ok := strings.CutPrefix(al.hist[j].Comment, "FROM ")
			if !ok || hexID.MatchString(name) {
				continue
			}
			if sameImageName(name, c.base) {
				return j, BoundaryMark, changed
			}
			return j, BoundaryMark, fromDiffers(j, "base image changed: the image was built FROM "+name)
		}
	}
	start, kind := al.bestOffset()
	if changed != nil && start < len(al.hist) {
		changed.History, changed.CreatedBy = start, al.hist[start].CreatedBy
	}
	return start, kind, changed
}

// baseLayersMatch reports whether the image's history and layers begin with the base image's.
func baseLayersMatch(img *layerdiff.Image, base *v1.ConfigFile) bool {
	ids := base.RootFS.DiffIDs
	if len(ids) > len(img.Layers) {
		return false
	}
	for k, id := range ids {
		if img.Layers[k].DiffID != id {
			return false
		}
	}
	for k, h := range base.History {
		if img.Config.History[k].CreatedBy != h.CreatedBy || img.Config.History[k].EmptyLayer != h.EmptyLayer {
			return false
		}
	}
	return true
}

// sameImageName compares two image references as a builder resolves them: docker.io/library/ and :latest are
// implied.
func sameImageName(a, b string) bool {
	return normalizeImageName(a) == normalizeImageName(b)
}

func normalizeImageName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "docker.io/")
	s = strings.TrimPrefix(s, "index.docker.io/")
	s = strings.TrimPrefix(s, "library/")
	name := s
	if i := strings.IndexByte(s, '@'); i >= 0 {
		name = s[:i]
	}
	if !strings.Contains(name[strings.LastIndexByte(name, '/')+1:], ":") && !strings.Contains(s, "@") {
		s += ":latest"
	}
	return s
}
