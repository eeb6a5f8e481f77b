// Package cache predicts which steps of the next build of a Dockerfile reuse the layers of the previous build
// and which rebuild, and why. It predicts for the builder that made the previous image, as its history's
// dialect tells (history.DetectBuilder), and is checked against two real builders' own records: buildah's
// "Using cache" and BuildKit's "#N CACHED".
//
// The instructions are lined up with the previous image's history by history.AlignPrefix, the alignment
// layerdiff history and the language server use: where the base image's entries end, and which entry each
// instruction above the first difference wrote.
//
// buildah 1.28 (`bud --layers`) and the legacy Docker builder: a step is reused only when its parent step
// is; the instruction must match the previous image's history entry for the step (RUN by its text and the
// build arguments it sees, ARG by names only — a new default value alone keeps an ARG step cached —, other
// config steps by their text as written, with variables unexpanded); COPY and ADD also need their sources
// unchanged. Sources are compared with the files the image holds at their destinations: type, content and
// mode (buildah digests a tar of the sources with mtimes zeroed, so a touched file stays cached and a chmod
// rebuilds). The owner of a context file is invisible in a layer (COPY writes root-owned files).
//
// BuildKit differs (checked with Docker 20.10's BuildKit): only RUN, COPY, ADD and WORKDIR are cache steps.
// A config instruction (ENV, LABEL, ARG, EXPOSE, CMD, ...) runs no step, so editing, adding or removing one
// never rebuilds the steps after it by itself; but a RUN's cache key holds the environment, user and shell
// it runs with, so a RUN after a changed ENV, USER or SHELL rebuilds (and so does every step after it), and
// a RUN whose build arguments changed rebuilds as with buildah. BuildKit records exec-form RUNs as their
// arguments joined by spaces.
//
// COPY --from a stage, both builders (checked with real builds): reused when its parent is and the files it
// copies are the same as last time, even when the other stage rebuilt. The previous image holds only the
// target stage, so the other stage's files are known only where they landed, in the COPY --from's layer:
// files the other stage copies from the context after its last RUN are compared with that layer; files a
// RUN may have made are taken to change when a context file the stage copies before that RUN was modified
// after the previous image was created. A file only touched (same content) is thus predicted to rebuild the
// COPY --from, where both builders reuse it.
package cache

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/layerlint/layerlint/internal/instrmemo"
	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/history"
)

// Step is the prediction for one instruction.
type Step struct {
	// Line and EndLine are the 1-based Dockerfile lines of the instruction.
	Line    int `json:"line"`
	EndLine int `json:"end_line"`
	// Instruction is the upper-case keyword.
	Instruction string `json:"instruction"`
	// Cached reports that the builder would reuse the previous build's layer.
	Cached bool `json:"cached"`
	// Reason names the cause: "src/main.go changed", "instruction text changed", "after line 5", "no previous
	// build"; for cached steps "unchanged" or "sources unchanged".
	Reason string `json:"reason"`
	// Sources are the context paths a COPY or ADD sends (files and symlinks), nil for other instructions.
	Sources []string `json:"sources,omitempty"`
}

// Prediction is the prediction for every instruction of a Dockerfile, in file order.
type Prediction struct {
	Steps []Step `json:"steps"`

	// What a later prediction needs to take steps over (WithKept).
	context *BuildContext
	image   *layerdiff.Image
	kept    map[int]keptStep
	taken   int
}

// Kept returns how many steps were taken over from the earlier prediction given WithKept.
func (p *Prediction) Kept() int { return p.taken }

// Option configures Predict.
type Option func(*options)

type options struct {
	buildArgs map[string]string
	target    string
	aligned   *history.Alignment
	instrs    *instrmemo.Memo
	earlier   *Prediction
}

// WithBuildArgs sets the --build-arg values of the next build.
func WithBuildArgs(args map[string]string) Option { return func(o *options) { o.buildArgs = args } }

// WithTarget predicts the stage named target (as in --target) instead of the last one.
func WithTarget(stage string) Option { return func(o *options) { o.target = stage } }

// WithAlignment gives Predict the alignment of the previous image with the Dockerfile, which it would
// otherwise make itself: history.AlignPrefix's result for the same image and Dockerfile, with the same target
// and build arguments (measured or not). A caller that has it saves aligning twice.
func WithAlignment(a *history.Alignment) Option { return func(o *options) { o.aligned = a } }

// WithInstructionMemo takes the typed instructions from m instead of parsing every node again: a caller that
// predicts version after version of one Dockerfile (the language server) keeps one.
func WithInstructionMemo(m *instrmemo.Memo) Option { return func(o *options) { o.instrs = m } }

// Predict predicts, for every instruction of df, whether building it in bc would reuse the layer of prev, the
// image the previous build of the same Dockerfile produced. prev may be nil: then every step rebuilds, and
// COPY and ADD still list the context paths they send. Only the target stage is in prev; instructions of
// other stages are reported as not cached, with the reason "not checked".
func Predict(ctx context.Context, df *parser.Result, bc *BuildContext, prev *layerdiff.Image, opts ...Option) (*Prediction, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if df == nil || df.AST == nil {
		return nil, fmt.Errorf("predicting cache: no Dockerfile")
	}
	stages, meta, err := splitStages(df, o.buildArgs, o.instrs)
	if err != nil {
		return nil, err
	}
	target, err := targetStage(stages, o.target)
	if err != nil {
		return nil, err
	}
	var pv *previous
	if prev != nil && prev.Config != nil && len(prev.Config.History) > 0 {
		a := o.aligned
		if a == nil {
			a, err = history.AlignPrefix(prev, df, history.WithTarget(o.target), history.WithBuildArgs(o.buildArgs), history.WithoutMeasure())
			if err != nil {
				return nil, fmt.Errorf("predicting cache: %w", err)
			}
		}
		pv = newPrevious(a, prev.Config.History)
	}
	src := newStageSources(stages, bc, prev, meta, o.buildArgs)
	k := newKeeper(df, stages, target, &o, pv, bc, prev)
	pred := &Prediction{context: bc, image: prev}
	for si, st := range stages {
		if si == target {
			steps, err := predictStage(ctx, st, bc, prev, pv, src, meta, o.buildArgs, k)
			if err != nil {
				return nil, err
			}
			pred.Steps = append(pred.Steps, steps...)
			pred.kept, pred.taken = k.kept, k.taken
			continue
		}
		for _, in := range st {
			pred.Steps = append(pred.Steps, newStep(in, false, "not checked: the image is another stage's"))
		}
	}
	return pred, nil
}

func newStep(in instruction, cached bool, reason string) Step {
	return Step{Line: in.node.StartLine, EndLine: in.node.EndLine, Instruction: in.keyword(), Cached: cached, Reason: reason}
}

// splitStages parses every instruction and groups them by stage (each group starts with its FROM); global
// ARGs give the meta argument values (build args override defaults).
func splitStages(df *parser.Result, buildArgs map[string]string, memo *instrmemo.Memo) ([][]instruction, map[string]string, error) {
	meta := map[string]string{}
	var stages [][]instruction
	for _, n := range df.AST.Children {
		cmd, err := memo.Instruction(n)
		if err != nil {
			return nil, nil, fmt.Errorf("parsing Dockerfile: %w", err)
		}
		in := instruction{node: n, cmd: cmd}
		if _, ok := cmd.(*instructions.Stage); ok {
			stages = append(stages, []instruction{in})
			continue
		}
		if len(stages) == 0 {
			if a, ok := cmd.(*instructions.ArgCommand); ok {
				for _, kv := range a.Args {
					if v, ok := buildArgs[kv.Key]; ok {
						meta[kv.Key] = v
					} else if kv.Value != nil {
						meta[kv.Key] = *kv.Value
					}
				}
				continue
			}
			return nil, nil, fmt.Errorf("parsing Dockerfile: line %d: %s before the first FROM", n.StartLine, in.keyword())
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
	}
	if len(stages) == 0 {
		return nil, nil, fmt.Errorf("parsing Dockerfile: no FROM instruction")
	}
	return stages, meta, nil
}

func targetStage(stages [][]instruction, name string) (int, error) {
	if name == "" {
		return len(stages) - 1, nil
	}
	for i, st := range stages {
		if s := st[0].cmd.(*instructions.Stage); strings.EqualFold(s.Name, name) {
			return i, nil
		}
	}
	return 0, fmt.Errorf("target stage %q not found in the Dockerfile", name)
}

// predictStage predicts one stage's instructions (the first is its FROM), the builder's way: buildah's (and
// the legacy builder's) chain, where any changed step rebuilds every step after it, or BuildKit's, where only
// the steps that make a layer are cached and a config step (ENV, LABEL, ...) costs nothing by itself.
func predictStage(ctx context.Context, stage []instruction, bc *BuildContext, prev *layerdiff.Image, pv *previous, src *stageSources, meta, buildArgs map[string]string, k *keeper) ([]Step, error) {
	st := &stageState{args: map[string]string{}, env: map[string]string{}, workdir: "/"}
	steps := make([]Step, 0, len(stage))
	first := "" // the reason of every step after the first rebuilt one
	switch {
	case prev == nil:
		first = "no previous build"
		steps = append(steps, newStep(stage[0], false, first))
	case pv == nil:
		first = "previous image has no history"
		steps = append(steps, newStep(stage[0], false, first))
	case pv.fromChanged != "":
		steps = append(steps, newStep(stage[0], false, pv.fromChanged))
		first = fmt.Sprintf("after line %d", stage[0].node.StartLine)
	default:
		steps = append(steps, newStep(stage[0], true, "base image (not checked)"))
	}
	buildkit := pv != nil && pv.builder == history.BuilderBuildKit
	for _, in := range stage[1:] {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		layered := makesLayer(in)
		key, step, kept := k.next(in, pv)
		if !kept {
			var err error
			if step, err = predictInstruction(ctx, in, st, bc, prev, pv, src, first, buildkit && !layered); err != nil {
				return nil, err
			}
		}
		k.record(key, step)
		if first == "" && !step.Cached && !(buildkit && !layered) {
			first = fmt.Sprintf("after line %d", in.node.StartLine)
		}
		st.apply(in.cmd, buildArgs, meta)
		steps = append(steps, step)
	}
	return steps, nil
}

// predictInstruction predicts one instruction of the target stage in state st: first is the reason of every
// step after the first rebuilt one ("" while none has), configOnly says BuildKit runs no step for it.
func predictInstruction(ctx context.Context, in instruction, st *stageState, bc *BuildContext, prev *layerdiff.Image, pv *previous, src *stageSources, first string, configOnly bool) (Step, error) {
	step := newStep(in, false, "")
	plan, planErr := copyPlanFor(in, bc, st, nil)
	if plan != nil {
		step.Sources = plan.sources(bc)
	}
	switch {
	case configOnly:
		// BuildKit runs no step for it: it is reused whatever it says; what it changes shows in the RUNs
		// after it.
		step.Cached, step.Reason = true, "config only: BuildKit runs no step for it"
		if _, ok := pv.entry[in.node.StartLine]; ok {
			step.Reason = "unchanged"
		}
	case first != "":
		step.Reason = first
	default:
		var err error
		if step.Reason, err = predictStep(ctx, in, st, bc, prev, pv, src, planErr, &step); err != nil {
			return Step{}, err
		}
		if step.Reason == "" || strings.HasPrefix(step.Reason, "sources unchanged") || strings.HasPrefix(step.Reason, "unchecked") {
			step.Cached = true
			if step.Reason == "" {
				step.Reason = "unchanged"
			}
		}
	}
	return step, nil
}

// predictStep compares one instruction with its history entry (and a COPY's sources with its layer); ""
// means unchanged.
func predictStep(ctx context.Context, in instruction, st *stageState, bc *BuildContext, prev *layerdiff.Image, pv *previous, src *stageSources, planErr error, step *Step) (string, error) {
	h, k, ok := pv.lookup(in.node.StartLine)
	if !ok {
		if r := pv.rebuild[in.node.StartLine]; r != "" && r != "instruction changed" {
			return r, nil
		}
		return "new step", nil
	}
	reason := compareHistory(in, st, pv.hist[h])
	if reason == "" && pv.builder == history.BuilderBuildKit {
		reason = pv.runEnvChange(in, st, h)
	}
	if reason != "" || !isCopy(in) {
		return reason, nil
	}
	reason, sources, err := compareSources(ctx, in, bc, st, prev, k, planErr, src)
	if sources != nil {
		step.Sources = sources
	}
	return reason, err
}

// makesLayer reports whether BuildKit runs a cache step for the instruction: RUN, COPY, ADD and WORKDIR.
func makesLayer(in instruction) bool {
	switch in.keyword() {
	case "RUN", "COPY", "ADD", "WORKDIR":
		return true
	}
	return false
}

func isCopy(in instruction) bool {
	switch in.cmd.(type) {
	case *instructions.CopyCommand, *instructions.AddCommand:
		return true
	}
	return false
}

// compareSources compares what a COPY or ADD would send with what the image's layer k holds. It returns a
// reason starting with "sources unchanged" or "unchecked" when the step stays cached.
func compareSources(ctx context.Context, in instruction, bc *BuildContext, st *stageState, prev *layerdiff.Image, k int, planErr error, src *stageSources) (string, []string, error) {
	if c, ok := in.cmd.(*instructions.CopyCommand); ok && c.From != "" {
		if k < 0 || k >= len(prev.Layers) {
			return "no layer for this step in the image", nil, nil
		}
		reason, err := src.compareFrom(ctx, c, st, prev, k)
		return reason, nil, err
	}
	if planErr != nil {
		return "build would fail: " + planErr.Error(), nil, nil
	}
	if k < 0 || k >= len(prev.Layers) {
		return "no layer for this step in the image", nil, nil
	}
	var lookupErr error
	isDir := func(p string) bool {
		below, err := layerdiff.LookupPaths(ctx, prev.Layers[:k], []string{p})
		lookupErr = cmp.Or(lookupErr, err)
		n, ok := below[p]
		return ok && n.IsDir()
	}
	plan, err := copyPlanFor(in, bc, st, isDir)
	if lookupErr != nil {
		return "", nil, fmt.Errorf("%s: %w", prev.Name, lookupErr)
	}
	if err != nil {
		return "build would fail: " + err.Error(), nil, nil
	}
	if plan == nil {
		return "unchecked: sources are not in the build context", nil, nil
	}
	checkMode := true
	switch c := in.cmd.(type) {
	case *instructions.CopyCommand:
		checkMode = c.Chmod == ""
	case *instructions.AddCommand:
		checkMode = c.Chmod == ""
	}
	reason, err := compareCopy(ctx, bc, plan, prev.Layers[:k+1], checkMode)
	if err != nil {
		return "", nil, err
	}
	if reason == "" {
		reason = "sources unchanged"
	}
	return reason, plan.sources(bc), nil
}
