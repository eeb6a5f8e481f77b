package lsp

import (
	"fmt"
	"strings"
	"time"

	"go.lsp.dev/protocol"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/history"
)

// InlayHints returns, for each instruction whose first line is in rng, up to two hints at the end of that
// line: the size of its layer ("+81 MB", "0 B" for a step that made no layer) when the Dockerfile is
// aligned with its image, and its cache status ("cached", "rebuild: src/main.go changed") when there is a
// prediction. Settings turn each off.
func InlayHints(snap *Snapshot, rng protocol.Range) []InlayHint {
	hints := []InlayHint{}
	if snap == nil {
		return hints
	}
	baseFrom := snap.baseFromLine()
	image := snap.imageLine(time.Now())
	for _, in := range snap.Instructions {
		n := in.Line - 1
		if n < int(rng.Start.Line) || n > int(rng.End.Line) || n >= snap.lines.count() {
			continue
		}
		pos := snap.lines.lineEnd(n)
		if snap.Settings.SizeHints {
			if label, tip, ok := snap.sizeLabel(in, baseFrom); ok {
				hints = append(hints, InlayHint{Position: pos, Label: label, Tooltip: withLine(tip, image), PaddingLeft: true})
			}
		}
		if snap.Settings.CacheHints {
			if st, ok := snap.Prediction[in.Line]; ok {
				hints = append(hints, InlayHint{Position: pos, Label: cacheLabel(st.Cached, st.Reason),
					Tooltip: withLine(cacheTooltip(st.Cached, st.Reason, st.Sources), image), PaddingLeft: true})
			}
		}
	}
	return hints
}

// sizeLabel returns the size hint of an instruction: its layer's size, or for the FROM the base image's, or
// for a COPY no image has a layer for yet an estimate from the build context.
func (s *Snapshot) sizeLabel(in Instr, baseFrom int) (label, tooltip string, ok bool) {
	if _, aligned := s.Steps[in.Line]; !aligned {
		// No image has this step's layer: a COPY of context files can still say what it will add.
		if e, ok := s.copyEstimate(in); ok {
			return e.label(), e.tooltip(), true
		}
	}
	if s.Steps == nil {
		return "", "", false
	}
	if in.Line == baseFrom {
		size, layers := baseSize(s.Base)
		return "+" + layerdiff.FormatSize(size), fmt.Sprintf("base image: %s in %d layers", layerdiff.FormatSize(size), layers), true
	}
	st, ok := s.Steps[in.Line]
	if !ok {
		return "", "", false
	}
	return stepLabel(st), clip(strings.TrimSpace(st.CreatedBy), 300), true
}

// imageLine names the image the hints compare with: "Image: app:dev, built 3 min ago", and for an image
// found by itself where and how well it matched. "" when there is none.
func (s *Snapshot) imageLine(now time.Time) string {
	switch {
	case s.Found != nil && s.Found.ref != s.ImageRef:
		return fmt.Sprintf("Cache status compared with %s (found in the local image store: %s cannot be read)",
			s.Found.describe(now), s.ImageRef)
	case s.Found != nil:
		return fmt.Sprintf("Image: %s (found in the local image store: it holds %d of this Dockerfile's %d instructions)",
			s.Found.describe(now), s.Found.matched, s.Found.of)
	case s.ImageRef != "" && s.Image.image != nil:
		var created time.Time
		if cfg := s.Image.image.img.Config; cfg != nil {
			created = cfg.Created.Time
		}
		return fmt.Sprintf("Image: %s, built %s", s.ImageRef, ago(now, created))
	}
	return ""
}

// withLine adds line to text on a line of its own, when both are there.
func withLine(text, line string) string {
	if text == "" || line == "" {
		return text + line
	}
	return text + "\n" + line
}

// stepLabel is "+SIZE" for a step with a layer and "0 B" for a metadata-only step.
func stepLabel(st history.Step) string {
	if st.Empty || st.Layer < 0 {
		return "0 B"
	}
	return "+" + layerdiff.FormatSize(st.Size)
}

func cacheLabel(cached bool, reason string) string {
	if cached {
		return "cached"
	}
	if reason == "" {
		return "rebuild"
	}
	return "rebuild: " + reason
}

func cacheTooltip(cached bool, reason string, sources []string) string {
	var b strings.Builder
	if cached {
		b.WriteString("The next build takes this step from cache")
	} else {
		b.WriteString("The next build runs this step again")
	}
	if reason != "" {
		fmt.Fprintf(&b, " (%s)", reason)
	}
	if len(sources) > 0 {
		fmt.Fprintf(&b, "\nContext files it sends: %s", strings.Join(sources[:min(len(sources), 10)], ", "))
		if len(sources) > 10 {
			fmt.Fprintf(&b, " and %d more", len(sources)-10)
		}
	}
	return b.String()
}

// baseFromLine returns the line of the FROM whose base image the aligned history starts with: the FROM of
// the lowest aligned stage, 0 when the Dockerfile is not aligned.
func (s *Snapshot) baseFromLine() int {
	if s.Steps == nil {
		return 0
	}
	stage := -1
	for _, st := range s.Steps {
		if st.Stage >= 0 && (stage < 0 || st.Stage < stage) {
			stage = st.Stage
		}
	}
	if stage < 0 { // only a FROM: the image is its base
		stage = s.lastStage()
	}
	for _, in := range s.Instructions {
		if in.Keyword == "FROM" && in.Stage == stage {
			return in.Line
		}
	}
	return 0
}

func (s *Snapshot) lastStage() int {
	last := -1
	for _, in := range s.Instructions {
		last = max(last, in.Stage)
	}
	return last
}

// baseSize adds up the base image's layers.
func baseSize(base []history.Step) (size int64, layers int) {
	for _, st := range base {
		if st.Layer >= 0 {
			size += st.Size
			layers++
		}
	}
	return size, layers
}

// CodeLenses returns the same size and cache text as the hints, as one lens above each instruction, for
// clients without inlay hints.
func CodeLenses(snap *Snapshot) []protocol.CodeLens {
	lenses := []protocol.CodeLens{}
	if snap == nil {
		return lenses
	}
	all := InlayHints(snap, protocol.Range{End: protocol.Position{Line: uint32(snap.lines.count())}})
	byLine := map[uint32][]string{}
	var order []uint32
	for _, h := range all {
		if byLine[h.Position.Line] == nil {
			order = append(order, h.Position.Line)
		}
		byLine[h.Position.Line] = append(byLine[h.Position.Line], h.Label)
	}
	for _, line := range order {
		lenses = append(lenses, protocol.CodeLens{
			Range:   protocol.Range{Start: protocol.Position{Line: line}, End: protocol.Position{Line: line}},
			Command: &protocol.Command{Title: strings.Join(byLine[line], " · ")},
		})
	}
	return lenses
}
