package lsp

import (
	"context"
	"encoding/binary"
	"fmt"
	"runtime/debug"
	"strings"

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

	// ImageRef is the image the Dockerfile builds, "" when none is configured or found. Found is the image
	// found in the local stores when none is configured (it is then ImageRef) or the configured one cannot be
	// read (the cache status then compares with it), nil otherwise.
	ImageRef string
	Image    imageState
	Found    *foundImage
	// ContextDir is the build context; ContextErr says why it could not be listed.
	ContextDir string
	ContextErr error

	// AST is BuildKit's lenient parse, nil with ParseErr when even that fails.
	AST          *parser.Result
	ParseErr     error
	Instructions []Instr

	// Alignment is the image's history lined up with the instructions as far as they match, nil without an
	// image (or while it loads). Steps are its steps of the instructions the image holds, by first line; Base
	// the base image's steps. Diverged names the first instruction that differs from the image (or the
	// image's extra steps), nil when the image holds exactly the Dockerfile.
	Alignment *history.Alignment
	Steps     map[int]history.Step
	Base      []history.Step
	Diverged  *history.MismatchError
	AlignErr  error
	// Edited are the 1-based first and last lines of the latest edit, zero before the first.
	Edited [2]int

	// Prediction is the cache prediction by first line, nil when there is none (image still loading or
	// failed, no build context).
	Prediction map[int]cache.Step
	PredictErr error
	predicted  *cache.Prediction // Prediction as cache.Predict made it: the next version's takes steps over
	// Carried reports that Prediction (and Steps, when aligned) come from an earlier version, for the
	// instructions above an edit that does not parse yet (see carryForward).
	Carried bool

	image   *loadedImage   // set when aligned
	steps   []history.Step // the base's and the aligned instructions', for the rules
	rebuild map[int]string // why an instruction the image does not hold will rebuild, by first line
	sizes   *contextSizes  // of the build context's files, for estimates
	logf    func(string, ...any)

	lintParsed *lintParsed // the linter's parse of Text
	rules      lintRun     // layerlint's rules
	checks     lintRun     // BuildKit's checks
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
	found      *foundImage // the image found by itself, when none is configured (or it cannot be read)
	finding    bool        // it is being looked for
	fallback   imageState  // the found image, when the configured one cannot be read
	sizes      *contextSizes
	lintParsed *lintParsed // the linter's parse of the text, when a snapshot of the same text has one
	memo       *predictionMemo
	logf       func(string, ...any) // the server's log, for panics
}

// buildSnapshot parses text (re-parsing what changed since prev, the parse of an earlier version) and
// aligns it with the image and the build context of e.
func buildSnapshot(ctx context.Context, uri protocol.DocumentURI, path string, version int32, text string, gen int, e env, prev parsed, earlier *Snapshot) *Snapshot {
	s := &Snapshot{
		URI: uri, Path: path, Version: version, Text: text, lines: newLines(text), gen: gen,
		Settings: e.settings, Config: e.config, ConfigFile: e.configFile, ConfigErr: e.configErr,
		ImageRef: e.imageRef, Image: e.image, ContextDir: e.contextDir, ContextErr: e.contextErr,
		logf: e.logf, sizes: e.sizes, Found: e.found,
	}
	if s.logf == nil {
		s.logf = func(string, ...any) {}
	}
	s.lintParsed = e.lintParsed
	if s.lintParsed == nil || s.lintParsed.text != text {
		s.lintParsed = newLintParsed(lintName(path, uri), text, s.logf)
	}
	s.AST, s.ParseErr = parseLenient(s.logf, prev, text)
	if s.AST == nil {
		return s
	}
	s.lintParsed.useParse(s.AST)
	s.Instructions = instructionsOf(s.AST)
	key := instructionsKey(s.lines, s.Instructions)
	// The prediction takes the alignment over, and the steps of the earlier version's prediction whose
	// inputs did not change (the instructions above an edit).
	if li := e.image.image; li != nil && !e.image.loading {
		s.align(li, key, e.memo.instrs)
	}
	var kept *cache.Prediction
	if earlier != nil {
		kept = earlier.predicted
	}
	s.predict(ctx, e, key, kept)
	return s
}

// lintName is the file name the linter's findings carry: the path, or the URI of a document that is no
// file.
func lintName(path string, uri protocol.DocumentURI) string {
	if path != "" {
		return path
	}
	return string(uri)
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
