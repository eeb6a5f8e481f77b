package cache

import (
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerlint/layerlint/layerdiff/history"
)

// previous is the previous build's image lined up with the Dockerfile by history.AlignPrefix: the history
// entry (and layer) each instruction of the target stage is compared with.
type previous struct {
	hist    []v1.History
	builder history.Builder
	// entry and layer map an instruction's first line to its history entry and layer (-1 for none).
	entry, layer map[int]int
	// rebuild maps the lines from the first that differs on to history's reason ("new instruction", ...).
	rebuild map[int]string
	// fromChanged is the reason when the image was built FROM another base image, "" otherwise.
	fromChanged string
	// start is the first entry of the target stage's own build.
	start int
	// envAt is what the entries read so far set up, for the RUNs' comparisons (runEnvChange).
	envAt *setUp
}

// newPrevious takes the alignment's matched steps as they are. From the first instruction that differs on,
// it keeps pairing instructions with the entries that follow, one for one, as long as their keywords agree:
// an edited instruction sits where its old version was. That is what names the cause of the first rebuild
// ("instruction text changed", "build args changed"), and what lets a BuildKit build go on reusing RUN and
// COPY steps after an edited config step, which BuildKit writes no cache step for.
func newPrevious(a *history.Alignment, hist []v1.History) *previous {
	p := &previous{hist: hist, builder: a.Builder, entry: map[int]int{}, layer: map[int]int{}, rebuild: map[int]string{}, start: a.Start}
	layerOf := make([]int, len(hist))
	next := a.Start
	for _, s := range a.Steps {
		if s.History >= 0 {
			layerOf[s.History] = s.Layer
		}
		if s.Line > 0 && s.History >= 0 {
			p.entry[s.Line], p.layer[s.Line] = s.History, s.Layer
			next = s.History + 1
		}
	}
	if a.Diverged != nil && strings.HasPrefix(a.Diverged.Reason, "base image changed") {
		p.fromChanged = a.Diverged.Reason
		return p
	}
	// BuildKit caches only the steps that make a layer: config instructions and entries are skipped, so an
	// edited or inserted LABEL does not stop the pairing.
	buildkit := a.Builder == history.BuilderBuildKit
	layered := func(kw string) bool { return kw == "RUN" || kw == "COPY" || kw == "ADD" || kw == "WORKDIR" }
	pairing := true
	for _, s := range a.Steps {
		if s.Line == 0 || s.Rebuild == "" {
			continue
		}
		p.rebuild[s.Line] = s.Rebuild
		if !pairing || (buildkit && !layered(s.Command)) {
			continue
		}
		for buildkit && next < len(hist) && !layered(history.ParseCreatedBy(hist[next].CreatedBy).Command) {
			next++
		}
		if next >= len(hist) || history.ParseCreatedBy(hist[next].CreatedBy).Command != s.Command {
			pairing = false
			continue
		}
		p.entry[s.Line], p.layer[s.Line] = next, layerOf[next]
		next++
	}
	return p
}

// lookup returns the history entry and layer of the instruction at line; ok is false when it has none.
func (p *previous) lookup(line int) (entry, layer int, ok bool) {
	if p == nil {
		return -1, -1, false
	}
	e, ok := p.entry[line]
	if !ok {
		return -1, -1, false
	}
	return e, p.layer[line], true
}
