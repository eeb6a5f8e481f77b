package lint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/layerlint/layerlint/internal/bkparser"
	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/history"
	"github.com/layerlint/layerlint/layerdiff/load"
	"github.com/layerlint/layerlint/layerdiff/source"
)

// WasteSource is a later instruction that deletes or overwrites files of a
// layer.
type WasteSource struct {
	// Line is the first line of the later instruction, 0 when it is not one of
	// the Dockerfile's (a base image step).
	Line int
	// Bytes is the size of the layer's files it hides.
	Bytes int64
	// Files are those files, largest first; their paths have no leading
	// slash.
	Files []history.WastedFile
	// Deleted reports that at least one of them is deleted rather than
	// overwritten.
	Deleted bool
}

// imageEvidence answers LayerForLine from the steps history.Align returned.
type imageEvidence struct {
	steps []history.Step
	// wasted maps a layer index to the later instructions hiding its files;
	// nil when built without the image's file listing.
	wasted map[int][]WasteSource
	// prefix is the alignment LoadImageEvidence made, nil otherwise.
	prefix *history.Alignment
}

// NewImageEvidence returns evidence measured by history.Align: every step of
// the Dockerfile that produced a layer gives its size, package-manager
// leftovers and wasted bytes. wasted, history.WastedFiles of the image the
// steps were aligned with, tells which later instruction deletes or
// overwrites each layer's files (LayerFacts.WastedBy); with nil that stays
// unknown. Callers that keep the image compute wasted once for it.
func NewImageEvidence(steps []history.Step, wasted []history.WastedFile) Evidence {
	ev := &imageEvidence{steps: steps}
	if wasted == nil {
		return ev
	}
	ev.wasted = map[int][]WasteSource{}
	lineOfLayer := map[int]int{}
	for _, s := range steps {
		if s.Layer >= 0 {
			lineOfLayer[s.Layer] = s.Line
		}
	}
	type key struct{ layer, by int }
	sums := map[key]*WasteSource{}
	var order []key
	for _, w := range wasted {
		k := key{w.Layer, w.By}
		src := sums[k]
		if src == nil {
			src = &WasteSource{Line: lineOfLayer[w.By]}
			sums[k] = src
			order = append(order, k)
		}
		src.Bytes += w.Size
		src.Files = append(src.Files, w)
		src.Deleted = src.Deleted || w.Deleted
	}
	for _, k := range order {
		ev.wasted[k.layer] = append(ev.wasted[k.layer], *sums[k])
	}
	for layer, srcs := range ev.wasted {
		sort.SliceStable(srcs, func(i, j int) bool { return srcs[i].Bytes > srcs[j].Bytes })
		ev.wasted[layer] = srcs
	}
	return ev
}

// LayerForLine implements Evidence. Any line of an instruction (continuation
// lines included) finds the instruction's layer; instructions that made no
// layer (ENV, WORKDIR, ...) and base image steps have none.
func (e *imageEvidence) LayerForLine(line int) (LayerFacts, bool) {
	for _, s := range e.steps {
		if s.Base || s.Empty || s.Layer < 0 || line < s.Line || line > max(s.EndLine, s.Line) {
			continue
		}
		f := LayerFacts{
			Size: s.Size, WastedBytes: s.Wasted, Layer: s.Layer, DiffID: s.DiffID, Files: s.Files,
			Line: s.Line, EndLine: s.EndLine, Leftovers: s.Leftovers, Measured: true,
		}
		for kind, n := range s.Leftovers {
			if kind != "tmp" {
				f.CacheBytes += n
			}
		}
		if e.wasted != nil {
			f.WastedBy = e.wasted[s.Layer]
		}
		return f, true
	}
	return LayerFacts{}, false
}

// ImageError says that an image could not be read or does not fit the
// Dockerfile; Error names both.
type ImageError struct {
	// Image is the reference as the user wrote it.
	Image string
	// File is the Dockerfile.
	File string
	Err  error
}

// Error implements error. Credentials pasted into the reference are not repeated.
func (e *ImageError) Error() string {
	return source.Redact(e.message())
}

func (e *ImageError) message() string {
	var mm *history.MismatchError
	if errors.As(e.Err, &mm) {
		return fmt.Sprintf("%s:%d: image %s was not built from this Dockerfile (%v); rebuild the image or drop --image",
			e.File, mm.Line, e.Image, mm)
	}
	if strings.Contains(e.Err.Error(), e.Image) {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s: image %s: %v", e.File, e.Image, e.Err)
}

// Unwrap returns the underlying error.
func (e *ImageError) Unwrap() error { return e.Err }

// LoadImageEvidence opens the image ref (any reference layerdiff/load
// opens: an archive, a layout, a registry, daemon or containers-storage
// image), reads its layers, aligns its history with df's target stage (the
// last one when target is "") as far as they match, and returns the evidence
// and the image. An image built from an earlier version of the Dockerfile
// measures the instructions above the first that differs; the evidence says
// where that is (see ImageOutOfDate). An image that matches none of the
// Dockerfile's instructions gives an *ImageError wrapping the
// *history.MismatchError.
func LoadImageEvidence(ctx context.Context, ref string, df *Dockerfile, target string, opts ...load.Option) (Evidence, *layerdiff.Image, error) {
	wrap := func(err error) error { return &ImageError{Image: ref, File: df.Name, Err: err} }
	img, err := load.Image(ctx, ref, opts...)
	if err != nil {
		return nil, nil, wrap(err)
	}
	res := df.parsed
	if res == nil { // a Dockerfile not made by ParseDockerfile
		if res, err = bkparser.Parse(bytes.NewReader(df.Source)); err != nil {
			return nil, nil, wrap(fmt.Errorf("parsing dockerfile: %w", err))
		}
	}
	m, err := history.Measure(ctx, img)
	if err != nil {
		return nil, nil, wrap(err)
	}
	aopts := []history.Option{history.WithMeasurements(m)}
	if target != "" {
		aopts = append(aopts, history.WithTarget(target))
	}
	a, err := history.AlignPrefix(img, res, aopts...)
	if err != nil {
		return nil, nil, wrap(err)
	}
	if a.Matched == 0 && !a.Complete() {
		return nil, nil, wrap(a.Err())
	}
	ev := NewImageEvidence(a.Steps, m.WastedFiles()).(*imageEvidence)
	ev.prefix = a
	return ev, img, nil
}

// ImagePrefix is what evidence from an image built from an earlier version
// of the Dockerfile knows about where the two part.
type ImagePrefix struct {
	// Matched counts the instructions at the head of the Dockerfile that the
	// image holds, of Instructions; LastMatched is the last one's line.
	Matched, Instructions, LastMatched int
	// Diverged is the first instruction that differs, nil when all match.
	Diverged *history.MismatchError
	// Stale counts the image's own steps that no instruction matches.
	Stale int
}

// Prefix returns where an image and the Dockerfile part, when evidence came
// from an image that does not match the whole Dockerfile.
func Prefix(ev Evidence) (ImagePrefix, bool) {
	e, ok := ev.(*imageEvidence)
	if !ok || e.prefix == nil || e.prefix.Complete() {
		return ImagePrefix{}, false
	}
	p := ImagePrefix{Matched: e.prefix.Matched, Instructions: e.prefix.Instructions, Diverged: e.prefix.Diverged, Stale: e.prefix.Stale}
	for _, s := range e.prefix.Steps {
		if s.Line > 0 && s.Rebuild == "" && s.Line > p.LastMatched {
			p.LastMatched = s.Line
		}
	}
	return p, true
}
