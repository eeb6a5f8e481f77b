package lsp

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/layerlint/layerlint/internal/instrmemo"
	"github.com/layerlint/layerlint/layerdiff/cache"
	"github.com/layerlint/layerlint/layerdiff/history"
	"github.com/layerlint/layerlint/lint"
)

// The snapshot's analysis: the image's history aligned with the instructions as far as they match, and the
// build-cache prediction, each memoized by the instructions' text.

// alignment is history.AlignPrefix's result for one Dockerfile text.
type alignment struct {
	a   *history.Alignment
	err error
}

// align lines the image's history up with the instructions down to the first one that differs (see
// history.AlignPrefix), once per image and instruction text. The instructions above it get their steps;
// those from it on get the reason they will rebuild, and no size: the image has no layer of theirs.
func (s *Snapshot) align(li *loadedImage, key string, instrs *instrmemo.Memo) {
	li.memoMu.Lock()
	a, ok := li.align[key]
	li.memoMu.Unlock()
	if !ok {
		a.a, a.err = alignSafely(s.logf, li, s.AST, instrs)
		li.memoMu.Lock()
		if len(li.align) >= 32 {
			clear(li.align)
		}
		li.align[key] = a
		li.memoMu.Unlock()
	}
	if a.err != nil {
		s.AlignErr = a.err
		return
	}
	s.image, s.Alignment = li, a.a
	s.Steps, s.rebuild = map[int]history.Step{}, map[int]string{}
	for _, st := range a.a.Steps {
		switch {
		case st.Base:
			s.Base = append(s.Base, st)
			s.steps = append(s.steps, st)
		case st.Line > 0 && st.Rebuild != "":
			s.rebuild[st.Line] = st.Rebuild
		case st.Line > 0:
			s.Steps[st.Line] = st
			s.steps = append(s.steps, st)
		}
	}
	if err := a.a.Err(); err != nil {
		errors.As(err, &s.Diverged)
	}
}

func alignSafely(logf func(string, ...any), li *loadedImage, ast *parser.Result, instrs *instrmemo.Memo) (a *history.Alignment, err error) {
	defer func() {
		if p := recover(); p != nil {
			a, err = nil, recovered(logf, "aligning "+li.ref+" with the Dockerfile", p)
		}
	}()
	return history.AlignPrefix(li.img, ast, history.WithMeasurements(li.measured), history.WithMatches(li.matches), history.WithInstructionMemo(instrs))
}

// predictionMemo keeps recent predictions: a prediction depends only on the instructions, the build
// context's generation and the image. instrs keeps the typed instructions alignment and prediction make of
// the parse: on a keystroke, only the instruction typed into is new.
type predictionMemo struct {
	mu     sync.Mutex
	m      map[string]predictionResult
	instrs *instrmemo.Memo
}

type predictionResult struct {
	steps []cache.Step // not the *cache.Prediction: it holds the image, which the memo must not keep alive
	err   error
}

// predict fills Prediction once what is known of the previous build is settled: the image loaded, failed
// to load (the prediction is then the one without an image, and a diagnostic says why), or none configured.
func (s *Snapshot) predict(ctx context.Context, e env, key string, earlier *cache.Prediction) {
	if e.context == nil {
		return
	}
	prev := e.image.image
	if e.found != nil && e.found.ref != e.imageRef {
		prev = e.fallback.image // the configured image cannot be read
		if e.fallback.loading {
			return
		}
	}
	if e.imageRef != "" && e.image.loading || e.finding {
		return // wait for the image: "no previous build" may be wrong
	}
	var prevID uint64
	if prev != nil {
		prevID = prev.id
	}
	memoKey := fmt.Sprintf("%d|%s|%d|%x", prevID, e.contextDir, e.contextGen, key)
	e.memo.mu.Lock()
	r, ok := e.memo.m[memoKey]
	e.memo.mu.Unlock()
	if !ok {
		var aligned *history.Alignment
		if s.image != nil && s.image == prev {
			aligned = s.Alignment
		}
		var p *cache.Prediction
		p, r.err = predictSafely(ctx, s.logf, s.AST, e.context, prev, aligned, earlier, e.memo.instrs)
		if p != nil {
			r.steps, s.predicted = p.Steps, p
		}
		e.memo.mu.Lock()
		if len(e.memo.m) >= 64 {
			clear(e.memo.m)
		}
		e.memo.m[memoKey] = r
		e.memo.mu.Unlock()
	}
	if r.err != nil {
		s.PredictErr = r.err
		return
	}
	s.Prediction = make(map[int]cache.Step, len(r.steps))
	for _, st := range r.steps {
		s.Prediction[st.Line] = st
	}
}

func predictSafely(ctx context.Context, logf func(string, ...any), ast *parser.Result, bc *cache.BuildContext, prev *loadedImage, aligned *history.Alignment, earlier *cache.Prediction, instrs *instrmemo.Memo) (p *cache.Prediction, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, recovered(logf, "predicting the build cache", r)
		}
	}()
	opts := []cache.Option{cache.WithKept(earlier), cache.WithInstructionMemo(instrs)}
	if aligned != nil {
		opts = append(opts, cache.WithAlignment(aligned))
	}
	if prev != nil {
		p, err = cache.Predict(ctx, ast, bc, prev.img, opts...)
	} else {
		p, err = cache.Predict(ctx, ast, bc, nil, opts...)
	}
	if err != nil {
		return nil, fmt.Errorf("predicting the build cache: %w", err)
	}
	return p, nil
}

// evidence gives the rules the measured layers of the instructions the image holds (and of its base). The
// image's wasted files, which take a walk over its whole listing, are computed once per image and shared
// with hover; only those written and hidden by layers of these steps count.
func (s *Snapshot) evidence() []lint.Option {
	if s.image == nil {
		return nil
	}
	layers := map[int]bool{}
	for _, st := range s.steps {
		if st.Layer >= 0 {
			layers[st.Layer] = true
		}
	}
	var wasted []history.WastedFile
	for _, w := range s.image.wastedFiles() {
		if layers[w.Layer] && layers[w.By] {
			wasted = append(wasted, w)
		}
	}
	return []lint.Option{lint.WithEvidence(lint.NewImageEvidence(s.steps, wasted))}
}
