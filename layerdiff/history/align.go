// Package history lines up an image's config history with its layers and with the Dockerfile instructions
// that made them, and measures what each step adds: bytes, files, changes, bytes a later layer wastes, and
// package-manager leftovers.
//
// The instructions of the target stage (and of the stages it is built FROM) follow the base image's entries
// in the history. AlignPrefix lines them up from the first one down to the first instruction that differs
// from the image: a builder reuses a step only when it reused every step before it, so the lines above keep
// their step, and those from it on have none and say why (Step.Rebuild). Where the base image's entries end
// is found, most certain first: FROM scratch; the base image's config when the caller has it (WithBase);
// buildah's "FROM <base>" comment on the stage's first entry; every instruction matching the newest entries;
// else the offset that explains the history with the fewest unmatched instructions and entries. Align is the
// strict form: the whole Dockerfile must match.
//
// Each builder writes created_by its own way (see ParseCreatedBy and Builder): BuildKit ("RUN /bin/sh -c x #
// buildkit", no entry for ONBUILD, none for FROM, so a changed FROM is seen only with WithBase), buildah and
// the legacy builder ("/bin/sh -c #(nop) COPY file:<hash> in /x"), kaniko (the instruction as written, and
// no entry for steps that make no layer, depending on its version).
package history

import (
	"fmt"
	"os"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/layerlint/layerlint/internal/instrmemo"
	"github.com/layerlint/layerlint/layerdiff"
)

// Step is one instruction of the final stage (or one history entry of the base image) aligned with its history
// entry and layer.
type Step struct {
	// Line and EndLine are the 1-based Dockerfile lines of the instruction; 0 when none (base image steps).
	Line, EndLine int
	// Instruction is the instruction as written in the Dockerfile (continuations joined), "" for base steps.
	Instruction string
	// Command is the upper-case keyword: RUN, COPY, ADD, ENV, ... For base steps it is read from CreatedBy
	// and may be "".
	Command string
	// Stage is the index of the Dockerfile stage the instruction is in, -1 for base steps.
	Stage int
	// History is the index of the history entry in the image config, -1 when the builder wrote none (BuildKit
	// records no ONBUILD) or the image has no history.
	History   int
	CreatedBy string
	// Empty reports that the history entry has empty_layer (or that there is no entry and no layer).
	Empty bool
	// Layer is the index into the image's layers, -1 when Empty.
	Layer int
	// DiffID is the layer's DiffID, "" when Empty.
	DiffID string
	// Base reports that the step belongs to the base image: it is not one of the Dockerfile's instructions.
	// Only a Dockerfile tells where the base image's steps end: without one it is false for every step.
	Base bool
	// Stale reports an entry of the image's own build (after the base image's) that no instruction of the
	// Dockerfile matches any more: the Dockerfile changed from there on, or lost instructions at its end.
	Stale bool
	// Rebuild says why an instruction has no step in the image, for each instruction from the first that
	// differs from the image on: "instruction changed", "new instruction", "a step above was removed",
	// "base image changed", "no history" for the first, "after line N" for the rest. It is "" for
	// instructions the image holds.
	Rebuild string

	// Size is the bytes of regular file contents the layer adds (as stored: a file the layer rewrites counts
	// in full).
	Size int64
	// Files counts the layer's entries that are not directories.
	Files int
	// Added counts paths new to the filesystem (directories included), Modified non-directory paths that
	// replace an entry of a lower layer, Deleted the paths of lower layers the layer removes (by whiteout,
	// opaque directory or a change of type; each path under a removed directory counts).
	Added, Modified, Deleted int
	// Wasted is the bytes of the layer's regular files that a later layer overwrites or deletes: they are
	// stored but no longer seen.
	Wasted int64
	// Leftovers maps package-manager caches and temporary directories ("apt", "pip", "tmp", ...) to the bytes
	// of the layer's regular files in them; nil when there are none.
	Leftovers map[string]int64
}

// Option configures Align and AlignPrefix.
type Option func(*options)

type options struct {
	target    string
	buildArgs map[string]string
	base      *v1.ConfigFile
	noMeasure bool
	measured  *Measurements
	matches   *Matches
	instrs    *instrmemo.Memo
}

// WithInstructionMemo takes the typed instructions from m instead of parsing every node again: a caller that
// aligns version after version of one Dockerfile (the language server) keeps one.
func WithInstructionMemo(m *instrmemo.Memo) Option { return func(o *options) { o.instrs = m } }

// WithoutMeasure skips measuring the layers: the steps keep zero sizes and counts. For callers that need
// only the alignment, such as cache prediction.
func WithoutMeasure() Option { return func(o *options) { o.noMeasure = true } }

// WithTarget aligns the stage named target (as in docker build --target) instead of the last one.
func WithTarget(stage string) Option { return func(o *options) { o.target = stage } }

// WithBuildArgs gives the --build-arg values of the build, used to expand the base image's name in FROM.
func WithBuildArgs(args map[string]string) Option { return func(o *options) { o.buildArgs = args } }

// WithBase gives the config of the base image the Dockerfile's first stage is built FROM, when the caller has
// it (from a local store, say): its history length is then where the Dockerfile's entries start, and an image
// whose first layers are not the base's was built FROM another image.
func WithBase(cfg *v1.ConfigFile) Option { return func(o *options) { o.base = cfg } }

// MismatchError says which Dockerfile line and which history entry disagree.
type MismatchError struct {
	// Line is the Dockerfile line of the instruction.
	Line        int
	Instruction string
	// History is the index of the history entry (oldest first), -1 when the history ran out.
	History   int
	CreatedBy string
	// Reason says what differs.
	Reason string
}

// Error implements error. It never quotes the same text twice: when the instruction and the history entry
// read alike, only the reason says what differs.
func (e *MismatchError) Error() string {
	instr := quoteShort(e.Instruction)
	switch {
	case e.History < 0:
		return fmt.Sprintf("dockerfile line %d (%s) does not match the image: %s", e.Line, instr, e.Reason)
	case collapse(e.Instruction) == collapse(e.CreatedBy):
		return fmt.Sprintf("dockerfile line %d (%s) does not match history entry %d: %s", e.Line, instr, e.History, e.Reason)
	}
	a, b := quotePair(e.Instruction, e.CreatedBy)
	return fmt.Sprintf("dockerfile line %d (%s) does not match history entry %d (%s): %s", e.Line, a, e.History, b, e.Reason)
}

// instr is an instruction of the stages that make the target image, in build order.
type instr struct {
	cmd   instructions.Command
	stage int
}

// Align aligns an image's history with its layers and, when df is non-nil, with the instructions of the final
// stage (and of the stages it is built FROM). It returns one step per history entry, oldest first, plus one
// per ONBUILD instruction the builder did not record. Every step with a layer is measured. A Dockerfile that
// does not fit the image in full gives a *MismatchError naming the first line that differs; AlignPrefix keeps
// the part that fits.
func Align(img *layerdiff.Image, df *parser.Result, opts ...Option) ([]Step, error) {
	a, err := AlignPrefix(img, df, opts...)
	if err != nil {
		return nil, err
	}
	if err := a.Err(); err != nil {
		return nil, err
	}
	return a.Steps, nil
}

// historySteps makes one step per history entry and gives each non-empty one its layer.
func historySteps(img *layerdiff.Image, m *Matches) ([]Step, error) {
	var hist []v1.History
	if img.Config != nil {
		hist = img.Config.History
	}
	if len(hist) == 0 {
		// No history (images made by some tools): one anonymous step per layer.
		steps := make([]Step, len(img.Layers))
		for k, l := range img.Layers {
			steps[k] = Step{Stage: -1, History: -1, Layer: k, DiffID: l.DiffID.String()}
		}
		return steps, nil
	}
	steps := make([]Step, len(hist))
	cbs := m.parsedEntries(img, hist)
	k := 0
	for i, h := range hist {
		s := Step{Stage: -1, History: i, CreatedBy: h.CreatedBy, Empty: h.EmptyLayer, Layer: -1}
		s.Command = cbs[i].Command
		if !h.EmptyLayer {
			if k >= len(img.Layers) {
				return nil, fmt.Errorf("%s: history records more layers than the image's %d", img.Name, len(img.Layers))
			}
			s.Layer, s.DiffID = k, img.Layers[k].DiffID.String()
			k++
		}
		steps[i] = s
	}
	if k != len(img.Layers) {
		return nil, fmt.Errorf("%s: history records %d layers, the image has %d", img.Name, k, len(img.Layers))
	}
	return steps, nil
}

// chain is what builds the target stage: its instructions after those of the stages it is built FROM, and the
// first of those stages, whose FROM names the base image.
type chain struct {
	instrs []instr
	// from is the first stage's FROM: its line, text and the base image's name with build arguments expanded.
	fromLine int
	fromText string
	base     string
}

// stageChain returns the instructions that build the target stage (the last one when target is ""): its
// own, after those of the stages it is built FROM.
func stageChain(df *parser.Result, target string, buildArgs map[string]string, memo *instrmemo.Memo) (*chain, error) {
	stages, metaArgs, err := memo.Parse(df.AST)
	if err != nil {
		return nil, fmt.Errorf("parsing dockerfile: %w", err)
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("dockerfile has no FROM")
	}
	t := len(stages) - 1
	if target != "" {
		t = -1
		for i, s := range stages {
			if strings.EqualFold(s.Name, target) {
				t = i
			}
		}
		if t < 0 {
			return nil, fmt.Errorf("dockerfile has no stage named %q", target)
		}
	}
	var idx []int
	for i := t; i >= 0; {
		idx = append(idx, i)
		parent := -1
		for p := range i {
			if stages[p].Name != "" && strings.EqualFold(stages[p].Name, stages[i].BaseName) {
				parent = p
			}
		}
		i = parent
	}
	c := &chain{}
	for k := len(idx) - 1; k >= 0; k-- {
		for _, cmd := range stages[idx[k]].Commands {
			c.instrs = append(c.instrs, instr{cmd: cmd, stage: idx[k]})
		}
	}
	first := stages[idx[len(idx)-1]]
	if len(first.Location) > 0 {
		c.fromLine = first.Location[0].Start.Line
	}
	c.fromText = strings.TrimSpace(first.SourceCode)
	meta := map[string]string{}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			if v, ok := buildArgs[kv.Key]; ok {
				meta[kv.Key] = v
			} else if kv.Value != nil {
				meta[kv.Key] = *kv.Value
			}
		}
	}
	c.base = os.Expand(first.BaseName, func(k string) string { return meta[k] })
	return c, nil
}

func lines(c instructions.Command) (start, end int) {
	loc := c.Location()
	if len(loc) == 0 {
		return 0, 0
	}
	return loc[0].Start.Line, loc[len(loc)-1].End.Line
}

func line(c instructions.Command) int {
	l, _ := lines(c)
	return l
}

// text returns the instruction as written, continuation lines joined.
func text(c instructions.Command) string {
	if s, ok := c.(fmt.Stringer); ok {
		return s.String()
	}
	return strings.ToUpper(c.Name())
}
