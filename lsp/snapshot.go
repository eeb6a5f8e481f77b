package lsp

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"sync"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/zeebo/xxh3"
	"go.lsp.dev/protocol"

	"github.com/layerlint/layerlint/layerdiff/cache"
	"github.com/layerlint/layerlint/layerdiff/history"
	"github.com/layerlint/layerlint/lint"
)

// Snapshot is everything the server knows about one version of a Dockerfile, in the environment (settings,
// configuration, image, build context) of the moment it was made. It is immutable once built; features
// read it and return plain data. The image and the build context are shared by reference with other
// snapshots, never re-read.
type Snapshot struct {
	URI     protocol.DocumentURI
	Path    string // "" for documents that are not files
	Version int32
	Text    string
	lines   *lines
	gen     int // the server's environment generation it was built in

	Settings   Settings
	Config     *lint.Config
	ConfigFile string
	ConfigErr  error

	// ImageRef is the image the Dockerfile builds, "" when none is configured.
	ImageRef string
	Image    imageState
	// ContextDir is the build context; ContextErr says why it could not be listed.
	ContextDir string
	ContextErr error

	// AST is BuildKit's lenient parse, nil with ParseErr when even that fails.
	AST          *parser.Result
	ParseErr     error
	Instructions []Instr

	// Steps are the Dockerfile's aligned history steps by first line; Base are the base image's steps.
	Steps    map[int]history.Step
	Base     []history.Step
	Mismatch *history.MismatchError
	AlignErr error

	// Prediction is the cache prediction by first line, nil when there is none (image still loading or
	// failed, no build context).
	Prediction map[int]cache.Step
	PredictErr error
	// Carried reports that Prediction (and Steps, when aligned) come from an earlier version, for the
	// instructions above an edit that does not parse yet (see carryForward).
	Carried bool

	image *loadedImage // set when aligned
	steps []history.Step
	sizes *contextSizes // of the build context's files, for estimates
	logf  func(string, ...any)

	lintOnce    sync.Once // the linter's parse
	lintDF      *lint.Dockerfile
	lintErr     error
	lintParseEr *lint.ParseError
	rules       lintRun // layerlint's rules
	checks      lintRun // BuildKit's checks
}

// Instr is one instruction of the Dockerfile with its 1-based lines.
type Instr struct {
	Line, EndLine int
	// Keyword is the upper-case instruction keyword.
	Keyword string
	// Stage is the index of the stage, -1 for ARGs before the first FROM.
	Stage int
	Node  *parser.Node
}

// env is what a snapshot is built in: everything but the document's own text.
type env struct {
	settings   Settings
	config     *lint.Config
	configFile string
	configErr  error
	imageRef   string
	image      imageState
	contextDir string
	context    *cache.BuildContext
	contextGen int
	contextErr error
	sizes      *contextSizes
	memo       *predictionMemo
	logf       func(string, ...any) // the server's log, for panics
}

// buildSnapshot parses text (re-parsing what changed since prev, the parse of an earlier version) and
// aligns it with the image and the build context of e.
func buildSnapshot(ctx context.Context, uri protocol.DocumentURI, path string, version int32, text string, gen int, e env, prev parsed) *Snapshot {
	s := &Snapshot{
		URI: uri, Path: path, Version: version, Text: text, lines: newLines(text), gen: gen,
		Settings: e.settings, Config: e.config, ConfigFile: e.configFile, ConfigErr: e.configErr,
		ImageRef: e.imageRef, Image: e.image, ContextDir: e.contextDir, ContextErr: e.contextErr,
		logf: e.logf, sizes: e.sizes,
	}
	if s.logf == nil {
		s.logf = func(string, ...any) {}
	}
	s.AST, s.ParseErr = parseLenient(s.logf, prev, text)
	if s.AST == nil {
		return s
	}
	s.Instructions = instructionsOf(s.AST)
	key := instructionsKey(s.lines, s.Instructions)
	if li := e.image.image; li != nil && !e.image.loading {
		s.align(li, key)
	}
	s.predict(ctx, e, key)
	return s
}

// recovered turns a panic into an error saying what was being done, and logs it with its stack: a panic
// is a bug, and the log is where a user finds what to report (and the fuzz target what to fail on).
func recovered(logf func(string, ...any), what string, p any) error {
	logf("panic %s: %v\n%s", what, p, debug.Stack())
	return fmt.Errorf("%s: internal error: %v", what, p)
}

// parseLenient runs BuildKit's first, lenient parse, re-parsing only what changed since prev.
func parseLenient(logf func(string, ...any), prev parsed, text string) (res *parser.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, recovered(logf, "parsing the Dockerfile", p)
		}
	}()
	return reparse(prev, text)
}

func instructionsOf(ast *parser.Result) []Instr {
	var out []Instr
	stage := -1
	for _, n := range ast.AST.Children {
		kw := strings.ToUpper(n.Value)
		if kw == "FROM" {
			stage++
		}
		out = append(out, Instr{Line: n.StartLine, EndLine: n.EndLine, Keyword: kw, Stage: stage, Node: n})
	}
	return out
}

// instructionsKey identifies what alignment and prediction depend on: the instructions' text and lines, as
// a hash (a memo of a 3,000-line file must not keep its text once per entry). Edits of comments and blank
// lines after the last instruction keep it.
func instructionsKey(l *lines, ins []Instr) string {
	h := xxh3.New()
	var num [8]byte
	for _, in := range ins {
		binary.LittleEndian.PutUint64(num[:], uint64(in.Line))
		h.Write(num[:])
		for n := in.Line; n <= in.EndLine; n++ {
			h.WriteString(l.line(n - 1))
			h.Write([]byte{'\n'})
		}
		h.Write([]byte{0})
	}
	sum := h.Sum128().Bytes()
	return string(sum[:])
}

// align lines the image's history up with the instructions, once per image and instruction text.
func (s *Snapshot) align(li *loadedImage, key string) {
	li.memoMu.Lock()
	a, ok := li.align[key]
	li.memoMu.Unlock()
	if !ok {
		a.steps, a.err = alignSafely(s.logf, li, s.AST)
		li.memoMu.Lock()
		if len(li.align) >= 32 {
			clear(li.align)
		}
		li.align[key] = a
		li.memoMu.Unlock()
	}
	if a.err != nil {
		if !errors.As(a.err, &s.Mismatch) {
			s.AlignErr = a.err
		}
		return
	}
	s.image, s.steps = li, a.steps
	s.Steps = map[int]history.Step{}
	for _, st := range a.steps {
		switch {
		case st.Base:
			s.Base = append(s.Base, st)
		case st.Line > 0:
			s.Steps[st.Line] = st
		}
	}
}

func alignSafely(logf func(string, ...any), li *loadedImage, ast *parser.Result) (steps []history.Step, err error) {
	defer func() {
		if p := recover(); p != nil {
			steps, err = nil, recovered(logf, "aligning "+li.ref+" with the Dockerfile", p)
		}
	}()
	return history.Align(li.img, ast, history.WithMeasurements(li.measured))
}

// predictionMemo keeps recent predictions: a prediction depends only on the instructions, the build
// context's generation and the image.
type predictionMemo struct {
	mu sync.Mutex
	m  map[string]predictionResult
}

type predictionResult struct {
	steps []cache.Step
	err   error
}

// predict fills Prediction once what is known of the previous build is settled: the image loaded, failed
// to load (the prediction is then the one without an image, and a diagnostic says why), or none configured.
func (s *Snapshot) predict(ctx context.Context, e env, key string) {
	if e.context == nil {
		return
	}
	prev := e.image.image
	if e.imageRef != "" && e.image.loading {
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
		r.steps, r.err = predictSafely(ctx, s.logf, s.AST, e.context, prev)
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
	s.Prediction = map[int]cache.Step{}
	for _, st := range r.steps {
		s.Prediction[st.Line] = st
	}
}

func predictSafely(ctx context.Context, logf func(string, ...any), ast *parser.Result, bc *cache.BuildContext, prev *loadedImage) (steps []cache.Step, err error) {
	defer func() {
		if p := recover(); p != nil {
			steps, err = nil, recovered(logf, "predicting the build cache", p)
		}
	}()
	var p *cache.Prediction
	if prev != nil {
		p, err = cache.Predict(ctx, ast, bc, prev.img)
	} else {
		p, err = cache.Predict(ctx, ast, bc, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("predicting the build cache: %w", err)
	}
	return p.Steps, nil
}

// instructionAt returns the instruction covering 0-based line n.
func (s *Snapshot) instructionAt(n int) (Instr, bool) {
	for _, in := range s.Instructions {
		if n+1 >= in.Line && n+1 <= in.EndLine {
			return in, true
		}
	}
	return Instr{}, false
}

// stepLine maps a layer index to the first line of the instruction that made it, 0 when none.
func (s *Snapshot) stepLine(layer int) int {
	for line, st := range s.Steps {
		if st.Layer == layer {
			return line
		}
	}
	return 0
}

// lintRun is one run of the linter over a snapshot, done once.
type lintRun struct {
	once     sync.Once
	findings []lint.Finding
	err      error
}

// lintParse parses the document with the linter's full parser, once per snapshot.
func (s *Snapshot) lintParse() (*lint.Dockerfile, *lint.ParseError, error) {
	s.lintOnce.Do(func() {
		defer func() {
			if p := recover(); p != nil {
				s.lintErr = recovered(s.logf, "linting "+s.Path, p)
			}
		}()
		name := s.Path
		if name == "" {
			name = string(s.URI)
		}
		df, err := lint.ParseDockerfile(name, []byte(s.Text))
		if err != nil {
			if !errors.As(err, &s.lintParseEr) {
				s.lintErr = err
			}
			return
		}
		s.lintDF = df
	})
	return s.lintDF, s.lintParseEr, s.lintErr
}

// lintRules runs layerlint's own rules (buildkit false) or BuildKit's checks (true), once per snapshot.
// The two are apart because BuildKit's checks take most of the time on a long file: the server publishes
// a file's first diagnostics without waiting for them.
func (s *Snapshot) lintRules(ctx context.Context, buildkit bool) ([]lint.Finding, error) {
	df, _, err := s.lintParse()
	if df == nil {
		return nil, err
	}
	run := &s.rules
	opts := []lint.Option{lint.WithConfig(s.Config), lint.WithBuildKitChecks(buildkit)}
	if buildkit {
		run = &s.checks
		opts = append(opts, lint.WithRules())
	} else {
		opts = append(opts, s.evidence()...)
	}
	run.once.Do(func() {
		defer func() {
			if p := recover(); p != nil {
				run.err = recovered(s.logf, "linting "+s.Path, p)
			}
		}()
		run.findings, run.err = lint.Run(ctx, df, opts...)
	})
	return run.findings, run.err
}

// lint parses the document with the linter's full parser and runs layerlint's rules and BuildKit's checks
// (unless the settings turn them off), once per snapshot: the findings in order of position, the parse
// error, or why linting failed.
func (s *Snapshot) lint(ctx context.Context) ([]lint.Finding, *lint.ParseError, error) {
	if _, perr, err := s.lintParse(); perr != nil || err != nil {
		return nil, perr, err
	}
	rules, err := s.lintRules(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	if !s.Settings.BuildKitChecks {
		return rules, nil, nil
	}
	checks, err := s.lintRules(ctx, true)
	if err != nil {
		return nil, nil, err
	}
	return mergeFindings(rules, checks), nil, nil
}

// mergeFindings merges two lists sorted as lint.Run sorts: by line, column and rule.
func mergeFindings(a, b []lint.Finding) []lint.Finding {
	out := make([]lint.Finding, 0, len(a)+len(b))
	out = append(append(out, a...), b...)
	sort.SliceStable(out, func(i, j int) bool {
		x, y := out[i], out[j]
		if x.Line != y.Line {
			return x.Line < y.Line
		}
		if x.Col != y.Col {
			return x.Col < y.Col
		}
		return x.Rule < y.Rule
	})
	return out
}

// evidence gives the rules the measured layers when the Dockerfile is aligned with its image. The image's
// wasted files, which take a walk over its whole listing, are computed once per image and shared with hover.
func (s *Snapshot) evidence() []lint.Option {
	if s.image == nil {
		return nil
	}
	return []lint.Option{lint.WithEvidence(lint.NewImageEvidence(s.steps, s.image.wastedFiles()))}
}
