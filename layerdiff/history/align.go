// Package history lines up an image's config history with its layers and with the Dockerfile instructions
// that made them, and measures what each step adds: bytes, files, changes, bytes a later layer wastes, and
// package-manager leftovers.
//
// The final stage's instructions are the tail of the history; what comes before them belongs to the base image
// (or to the earlier stages the final stage is built FROM). Alignment starts at the newest entry and walks back,
// comparing each instruction with the history entry in the dialect its builder wrote (see ParseCreatedBy).
package history

import (
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

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
	Base bool

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

// Option configures Align.
type Option func(*options)

type options struct {
	target string
}

// WithTarget aligns the stage named target (as in docker build --target) instead of the last one.
func WithTarget(stage string) Option { return func(o *options) { o.target = stage } }

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

// Error implements error.
func (e *MismatchError) Error() string {
	if e.History < 0 {
		return fmt.Sprintf("dockerfile line %d (%s) does not match the image: %s", e.Line, quoteShort(e.Instruction), e.Reason)
	}
	return fmt.Sprintf("dockerfile line %d (%s) does not match history entry %d (%s): %s",
		e.Line, quoteShort(e.Instruction), e.History, quoteShort(e.CreatedBy), e.Reason)
}

// instr is an instruction of the stages that make the target image, in build order.
type instr struct {
	cmd   instructions.Command
	stage int
}

// Align aligns an image's history with its layers and, when df is non-nil, with the instructions of the final
// stage (and of the stages it is built FROM). It returns one step per history entry, oldest first, plus one
// per ONBUILD instruction the builder did not record. Every step with a layer is measured. A Dockerfile that
// does not fit the image gives a *MismatchError.
func Align(img *layerdiff.Image, df *parser.Result, opts ...Option) ([]Step, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	steps, err := historySteps(img)
	if err != nil {
		return nil, err
	}
	if df != nil {
		if steps, err = alignDockerfile(steps, df, o.target); err != nil {
			return nil, err
		}
	}
	measure(img, steps)
	return steps, nil
}

// historySteps makes one step per history entry and gives each non-empty one its layer.
func historySteps(img *layerdiff.Image) ([]Step, error) {
	var hist []v1.History
	if img.Config != nil {
		hist = img.Config.History
	}
	if len(hist) == 0 {
		// No history (images made by some tools): one anonymous step per layer.
		steps := make([]Step, len(img.Layers))
		for k, l := range img.Layers {
			steps[k] = Step{Stage: -1, History: -1, Layer: k, DiffID: l.DiffID.String(), Base: true}
		}
		return steps, nil
	}
	steps := make([]Step, len(hist))
	k := 0
	for i, h := range hist {
		s := Step{Stage: -1, History: i, CreatedBy: h.CreatedBy, Empty: h.EmptyLayer, Layer: -1, Base: true}
		s.Command = ParseCreatedBy(h.CreatedBy).Command
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

// alignDockerfile matches the instructions that build the target stage with the tail of steps.
func alignDockerfile(steps []Step, df *parser.Result, target string) ([]Step, error) {
	chain, err := stageChain(df, target)
	if err != nil {
		return nil, err
	}
	if len(chain) > 0 && steps[0].History < 0 {
		return nil, &MismatchError{Line: line(chain[0].cmd), Instruction: text(chain[0].cmd), History: -1,
			Reason: "the image has no history to compare with"}
	}
	var tail []Step // built newest first
	j := len(steps) - 1
	for i := len(chain) - 1; i >= 0; i-- {
		in := chain[i]
		start, end := lines(in.cmd)
		s := Step{Line: start, EndLine: end, Instruction: text(in.cmd), Command: strings.ToUpper(in.cmd.Name()),
			Stage: in.stage, History: -1, Empty: true, Layer: -1}
		_, onbuild := in.cmd.(*instructions.OnbuildCommand)
		if j < 0 {
			if onbuild {
				tail = append(tail, s)
				continue
			}
			return nil, &MismatchError{Line: start, Instruction: s.Instruction, History: -1,
				Reason: fmt.Sprintf("the history has %d entries, too few for the Dockerfile's instructions", len(steps))}
		}
		ok, reason := matchInstruction(in.cmd, ParseCreatedBy(steps[j].CreatedBy))
		if !ok {
			if onbuild {
				tail = append(tail, s) // BuildKit writes no history for ONBUILD
				continue
			}
			return nil, &MismatchError{Line: start, Instruction: s.Instruction, History: steps[j].History,
				CreatedBy: steps[j].CreatedBy, Reason: reason}
		}
		h := steps[j]
		s.History, s.CreatedBy, s.Empty, s.Layer, s.DiffID = h.History, h.CreatedBy, h.Empty, h.Layer, h.DiffID
		tail = append(tail, s)
		j--
	}
	out := steps[: j+1 : j+1]
	for i := len(tail) - 1; i >= 0; i-- {
		out = append(out, tail[i])
	}
	return out, nil
}

// stageChain returns the instructions that build the target stage (the last one when target is ""): its
// own, after those of the stages it is built FROM.
func stageChain(df *parser.Result, target string) ([]instr, error) {
	stages, _, err := instructions.Parse(df.AST, nil)
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
	var chain []instr
	for k := len(idx) - 1; k >= 0; k-- {
		for _, c := range stages[idx[k]].Commands {
			chain = append(chain, instr{cmd: c, stage: idx[k]})
		}
	}
	return chain, nil
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
