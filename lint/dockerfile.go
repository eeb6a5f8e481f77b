package lint

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/layerlint/layerlint/internal/bkparser"
	"github.com/layerlint/layerlint/internal/shell"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Dockerfile is a parsed Dockerfile with source positions on everything. It is
// shared by the rules, the language server and history alignment.
type Dockerfile struct {
	// Name is the file name used in findings.
	Name string
	// Source is the file's text.
	Source []byte
	// Escape is the line-continuation character (\ or `).
	Escape byte
	// Stages lists the build stages in order.
	Stages []*Stage
	// Instructions lists every instruction in order, including ARGs before
	// the first FROM (whose Stage is nil).
	Instructions []*Instruction

	lineStarts []int
	// parsed is BuildKit's first parse of Source.
	parsed *parser.Result
	// args holds the global ARGs' defaults.
	args argEnv
	// buildKitEarly holds the warnings BuildKit's checks gave while parsing.
	buildKitEarly []buildKitWarning
	// mu guards walks, the stages' walks worked out on first use.
	mu    sync.Mutex
	walks map[*Stage]*stageWalk
}

// Stage is one FROM and the instructions that follow it.
type Stage struct {
	// Index is the stage's position, from 0.
	Index int
	// Name is the name given with AS, lowercased, or "".
	Name string
	// Base is the image or stage the stage starts from, with the global
	// ARGs' defaults substituted (FROM ${BASE} after ARG BASE=debian).
	Base string
	// From is the FROM instruction.
	From *Instruction
	// Instructions are the stage's instructions after FROM.
	Instructions []*Instruction

	df *Dockerfile
}

// Instruction is one Dockerfile instruction with its source range.
type Instruction struct {
	// Command is the lowercased instruction keyword (run, copy, ...).
	Command string
	// StartLine and EndLine are 1-based and include heredoc bodies.
	StartLine int
	EndLine   int
	// Flags are the instruction's flags as written (--from=build).
	Flags []string
	// Args are the parser's argument values.
	Args []string
	// Node is BuildKit's parse node.
	Node *parser.Node
	// Parsed is BuildKit's typed command (for example *instructions.CopyCommand),
	// or nil for FROM and for instructions BuildKit keeps elsewhere.
	Parsed instructions.Command
	// Stage is the enclosing stage, nil for global ARGs.
	Stage *Stage
	// Script is the parsed shell of a shell-form RUN (including heredoc
	// scripts) in a stage whose shell is a POSIX one, nil otherwise.
	Script *shell.Script
}

// ParseDockerfile parses src with BuildKit's parser (bkparser's copy), then with
// instructions.Parse (the first pass alone is lenient), and builds the model.
// Errors are *ParseError.
func ParseDockerfile(name string, src []byte) (*Dockerfile, error) {
	// BuildKit's parser, node for node, without the regular expression
	// that made it half of layerlint's time.
	return parseDockerfile(name, src, func() (*parser.Result, error) { return bkparser.Parse(bytes.NewReader(src)) })
}

// ParseDockerfileFrom is ParseDockerfile for a caller that has parsed src
// with BuildKit's parser already (parser.Parse or internal/bkparser): res is
// that parse, which must not change afterwards. A language server that
// re-parses only the instructions an edit touched saves the linter a
// parse of the whole file.
func ParseDockerfileFrom(name string, src []byte, res *parser.Result) (*Dockerfile, error) {
	return parseDockerfile(name, src, func() (*parser.Result, error) {
		if res == nil || res.AST == nil {
			return nil, errors.New("no parse given")
		}
		return res, nil
	})
}

// parseDockerfile builds the model of src from BuildKit's first parse of it, which parse returns.
func parseDockerfile(name string, src []byte, parse func() (*parser.Result, error)) (df *Dockerfile, err error) {
	defer func() {
		// The model is built from parser output we trust, but a Dockerfile
		// must never crash the linter.
		if r := recover(); r != nil {
			df, err = nil, &ParseError{File: name, Message: fmt.Sprintf("internal error parsing: %v", r), Err: ErrInternal}
		}
	}()
	if i := binaryAt(src); i >= 0 {
		return nil, &ParseError{File: name, Message: fmt.Sprintf("not a Dockerfile: binary data at byte %d", i), Err: ErrBinary}
	}
	res, err := parse()
	if err != nil {
		pe := newParseError(name, err)
		if strings.Contains(err.Error(), "file with no instructions") {
			pe.Line = 0
			pe.Message = "no instructions (the file is empty, holds only comments, or ends inside a heredoc)"
			pe.Err = fmt.Errorf("%w: %w", ErrNoInstructions, err)
		}
		return nil, pe
	}
	// Record the warnings BuildKit's checks give before converting the file,
	// in DockerfileLint's order: empty continuation lines, then the checks
	// instructions.Parse runs. runBuildKitChecks needs no more on most files.
	var early []buildKitWarning
	lint := linter.New(&linter.Config{Warn: recordWarning(&early)})
	for _, w := range res.Warnings {
		if w.URL == linter.RuleNoEmptyContinuation.URL {
			lint.Run(&linter.RuleNoEmptyContinuation, []parser.Range{*w.Location}, linter.RuleNoEmptyContinuation.Format())
		}
	}
	stages, metaArgs, err := instructions.Parse(res.AST, lint)
	if err != nil {
		return nil, newParseError(name, err)
	}
	if len(stages) == 0 {
		return nil, &ParseError{File: name, Message: "no FROM instruction", Err: errors.New("no stages")}
	}
	df = &Dockerfile{Name: name, Source: src, Escape: byte(res.EscapeToken), lineStarts: lineStarts(src), buildKitEarly: early, parsed: res}
	if df.Escape == 0 {
		df.Escape = '\\'
	}
	df.args = globalArgs(df.Escape, metaArgs)
	parsed := map[int]instructions.Command{}
	for _, a := range metaArgs {
		a := a
		parsed[firstLine(a.Location())] = &a
	}
	for _, st := range stages {
		for _, c := range st.Commands {
			parsed[firstLine(c.Location())] = c
		}
	}
	var cur *Stage
	// posix tells, per stage, whether RUN runs a POSIX shell: not after
	// SHELL ["powershell", ...] or on a Windows base image.
	posix := map[string]bool{}
	curPosix := true
	for _, n := range res.AST.Children {
		in := &Instruction{
			Command:   strings.ToLower(n.Value),
			StartLine: n.StartLine,
			EndLine:   n.EndLine,
			Flags:     n.Flags,
			Node:      n,
			Parsed:    parsed[n.StartLine],
		}
		for a := n.Next; a != nil; a = a.Next {
			in.Args = append(in.Args, a.Value)
		}
		switch {
		case in.Command == "from":
			st := stages[len(df.Stages)]
			base := df.expandArgs(st.BaseName)
			cur = &Stage{Index: len(df.Stages), Name: strings.ToLower(st.Name), Base: base, From: in, df: df}
			df.Stages = append(df.Stages, cur)
			p, ok := posix[strings.ToLower(base)]
			curPosix = ok && p || !ok && !isWindowsImage(base)
			if cur.Name != "" {
				posix[cur.Name] = curPosix
			}
		case cur != nil:
			cur.Instructions = append(cur.Instructions, in)
		}
		in.Stage = cur
		switch in.Command {
		case "shell":
			if len(in.Args) > 0 {
				curPosix = shell.Shells[strings.ToLower(path.Base(strings.ReplaceAll(in.Args[0], "\\", "/")))]
			}
			if cur != nil && cur.Name != "" {
				posix[cur.Name] = curPosix
			}
		case "run":
			if curPosix {
				in.Script = df.runScript(in)
			}
		}
		df.Instructions = append(df.Instructions, in)
	}
	return df, nil
}

// binaryAt returns the offset of the first NUL byte or invalid UTF-8
// sequence in the first 8 KiB of src, or -1: text editors and BuildKit see
// such a file as binary.
func binaryAt(src []byte) int {
	head := src[:min(len(src), 8<<10)]
	if i := bytes.IndexByte(head, 0); i >= 0 {
		return i
	}
	for i := 0; i < len(head); {
		r, n := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && n == 1 && len(head)-i >= utf8.UTFMax {
			return i
		}
		i += n
	}
	return -1
}

// isWindowsImage reports whether a base image is a Windows one, whose RUN
// runs cmd.exe.
func isWindowsImage(ref string) bool {
	r := strings.ToLower(ref)
	return strings.Contains(r, "windows/") || strings.Contains(r, "nanoserver") || strings.Contains(r, "servercore") ||
		strings.Contains(r, "windowsservercore")
}

func firstLine(r []parser.Range) int {
	if len(r) == 0 {
		return -1
	}
	return r[0].Start.Line
}

func lineStarts(src []byte) []int {
	starts := []int{0}
	for i, b := range src {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// LineCount returns the number of lines in the source.
func (df *Dockerfile) LineCount() int { return len(df.lineStarts) }

// Line returns the text of 1-based line n without its line ending, or "".
func (df *Dockerfile) Line(n int) string {
	if n < 1 || n > len(df.lineStarts) {
		return ""
	}
	start := df.lineStarts[n-1]
	end := len(df.Source)
	if n < len(df.lineStarts) {
		end = df.lineStarts[n] - 1
	}
	return strings.TrimSuffix(string(df.Source[start:end]), "\r")
}

// Offset returns the byte offset of a position.
func (df *Dockerfile) Offset(p Position) int {
	if p.Line < 1 {
		return 0
	}
	if p.Line > len(df.lineStarts) {
		return len(df.Source)
	}
	return min(df.lineStarts[p.Line-1]+p.Col-1, len(df.Source))
}

// Pos returns the position of a byte offset.
func (df *Dockerfile) Pos(off int) Position {
	i := sort.Search(len(df.lineStarts), func(i int) bool { return df.lineStarts[i] > off }) - 1
	if i < 0 {
		i = 0
	}
	return Position{Line: i + 1, Col: off - df.lineStarts[i] + 1}
}

// LinesRange returns the range from the first non-blank character of line
// start to the end of the text on line end.
func (df *Dockerfile) LinesRange(start, end int) Range {
	first := df.Line(start)
	last := df.Line(end)
	return Range{
		Start: Position{Line: start, Col: len(first) - len(strings.TrimLeft(first, " \t")) + 1},
		End:   Position{Line: end, Col: len(strings.TrimRight(last, " \t")) + 1},
	}
}

// FindInLine finds word on a line as a whole word (not inside a longer word).
func (df *Dockerfile) FindInLine(line int, word string) (Range, bool) {
	text := df.Line(line)
	for from := 0; from < len(text); {
		i := strings.Index(text[from:], word)
		if i < 0 {
			break
		}
		i += from
		j := i + len(word)
		if (i == 0 || !isWordByte(text[i-1])) && (j == len(text) || !isWordByte(text[j])) {
			return Range{Start: Position{line, i + 1}, End: Position{line, j + 1}}, true
		}
		from = i + 1
	}
	return Range{}, false
}

func isWordByte(b byte) bool {
	return b == '_' || b == '-' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// InstructionAt returns the instruction covering a 1-based line.
func (df *Dockerfile) InstructionAt(line int) *Instruction {
	for _, in := range df.Instructions {
		if line >= in.StartLine && line <= in.EndLine {
			return in
		}
	}
	return nil
}

// FinalStage returns the last stage.
func (df *Dockerfile) FinalStage() *Stage { return df.Stages[len(df.Stages)-1] }

// Range returns the instruction's source range, heredoc bodies included.
func (in *Instruction) Range(df *Dockerfile) Range { return df.LinesRange(in.StartLine, in.EndLine) }

// FirstLineRange returns the range of the instruction's first line, a compact
// place to put a finding about the whole instruction.
func (in *Instruction) FirstLineRange(df *Dockerfile) Range {
	return df.LinesRange(in.StartLine, in.StartLine)
}

// Flag returns the value of --name=value (or "true" for a bare --name) and
// whether the flag is present.
func (in *Instruction) Flag(name string) (string, bool) {
	for _, f := range in.Flags {
		f = strings.TrimPrefix(f, "--")
		if f == name {
			return "true", true
		}
		if v, ok := strings.CutPrefix(f, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// HasCacheMount reports whether a RUN mounts a cache (--mount=type=cache).
func (in *Instruction) HasCacheMount() bool {
	for _, f := range in.Flags {
		if strings.HasPrefix(f, "--mount=") && strings.Contains(f, "type=cache") {
			return true
		}
	}
	return false
}

// CopySources returns the sources and destination of a COPY or ADD, and
// whether it copies from another stage or image (--from).
func (in *Instruction) CopySources() (srcs []string, dest string, fromOther bool, ok bool) {
	switch c := in.Parsed.(type) {
	case *instructions.CopyCommand:
		return c.SourcePaths, c.DestPath, c.From != "", true
	case *instructions.AddCommand:
		return c.SourcePaths, c.DestPath, false, true
	}
	return nil, "", false, false
}
