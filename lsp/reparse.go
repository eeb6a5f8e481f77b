package lsp

import (
	"bytes"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/layerlint/layerlint/internal/bkparser"
)

// parsed is a text and BuildKit's lenient parse of it: what the next edit of the document re-parses from.
type parsed struct {
	text string
	res  *parser.Result
}

// reparse returns parser.Parse of text, re-parsing only the instructions an edit touched when prev, the
// parse of an earlier version, is given: BuildKit's parser takes tens of milliseconds on a 3,000-line file,
// most of it in a regular expression per line, and typing changes one instruction.
//
// The parser reads a Dockerfile instruction by instruction, and what it makes of one depends only on the
// escape character and on the comment lines just above it. So the instructions that end above the first
// changed line, and those that start after the last one, are taken over (the latter moved by the number of
// lines added); the text between them, from the end of the last instruction kept above to the end of the
// first instruction kept below, is parsed on its own, with the same escape character. Whenever that
// reasoning might not hold, reparse parses the whole text: no instruction to keep above, a window that does
// not end with an instruction (trailing comments belong to the instruction below), an instruction that
// continues past the window (a line continuation or an unterminated heredoc), or an error in the window.
// Its result equals parser.Parse(text); FuzzReparse checks that.
func reparse(prev parsed, text string) (*parser.Result, error) {
	if prev.res == nil || prev.res.AST == nil || len(prev.res.AST.Children) == 0 {
		return parseText(text)
	}
	if prev.text == text {
		return prev.res, nil
	}
	res, ok := reparseWindow(prev, text)
	if !ok {
		return parseText(text)
	}
	return res, nil
}

// parseText is BuildKit's parser.Parse, through internal/bkparser's copy of it (the same result, without
// the regular expression that took two thirds of its time).
func parseText(text string) (*parser.Result, error) {
	return bkparser.Parse(strings.NewReader(text))
}

// reparseWindow is reparse's splice; ok is false when the whole text must be parsed instead.
func reparseWindow(prev parsed, text string) (*parser.Result, bool) {
	oldLines, newLines := strings.Split(prev.text, "\n"), strings.Split(text, "\n")
	// first is the 1-based first line that differs; same counts the identical lines at the end, not
	// overlapping it.
	first := 1
	for first <= len(oldLines) && first <= len(newLines) && oldLines[first-1] == newLines[first-1] {
		first++
	}
	same := 0
	for same < len(oldLines)-first+1 && same < len(newLines)-first+1 &&
		oldLines[len(oldLines)-1-same] == newLines[len(newLines)-1-same] {
		same++
	}
	delta := len(newLines) - len(oldLines)
	escape := prev.res.EscapeToken
	if escape == 0 {
		escape = parser.DefaultEscapeToken
	}
	nodes := prev.res.AST.Children

	// above: the instructions kept above the window, which starts after the last of them.
	above := 0
	for above < len(nodes) && nodes[above].EndLine < first {
		above++
	}
	for above > 0 && continues(oldLines, nodes[above-1], 0, escape) {
		above-- // at the end of the file a continued line takes in what is appended to it
	}
	if above == 0 {
		return nil, false // the directives at the top may have changed: parse it all
	}
	start := nodes[above-1].EndLine // the window is lines start+1 .. end (old numbers)

	// below: the first instruction kept below the window, which ends with the instruction before it: the
	// first that ends on or after the last changed line (old lines after lastChanged are unchanged). With
	// none to keep, the window runs to the end of the file.
	lastChanged := len(oldLines) - same
	below := len(nodes)
	for i := above; i < len(nodes); i++ {
		if nodes[i].EndLine >= lastChanged {
			below = i + 1
			break
		}
	}
	end := len(oldLines)
	if below < len(nodes) {
		end = nodes[below-1].EndLine
	}
	newEnd := end + delta
	if newEnd <= start {
		return nil, false
	}

	// Parse the window after a line that ends the parser's directives (and one that sets the escape
	// character when it is not the default): a comment at the top of the window is not a directive.
	var window strings.Builder
	offset := 1
	if escape != parser.DefaultEscapeToken {
		window.WriteString("# escape=" + string(escape) + "\n")
		offset = 2
	}
	window.WriteString("\n")
	window.WriteString(strings.Join(newLines[start:newEnd], "\n"))
	if newEnd < len(newLines) {
		window.WriteString("\n")
	}
	got, err := parseText(window.String())
	if err != nil || got.EscapeToken != escape || len(got.AST.Children) == 0 {
		return nil, false
	}
	mid := got.AST.Children
	last := mid[len(mid)-1]
	lastEnd := last.EndLine - offset + start
	if below < len(nodes) && (lastEnd > newEnd || continues(newLines, last, start-offset, escape) ||
		!blank(newLines[lastEnd:newEnd])) {
		// The window's last instruction would go on below it, or comments at its end belong to the first
		// instruction below.
		return nil, false
	}

	if len(mid[0].PrevComment) == 0 {
		mid[0].PrevComment = nil // the escape directive the window starts with leaves an empty list
	}
	children := make([]*parser.Node, 0, above+len(mid)+len(nodes)-below)
	children = append(children, nodes[:above]...)
	shift := start - offset
	for _, n := range mid {
		n.StartLine += shift
		n.EndLine += shift
		children = append(children, n)
	}
	for _, n := range nodes[below:] {
		moved := *n
		moved.StartLine += delta
		moved.EndLine += delta
		children = append(children, &moved)
	}
	warnings := []parser.Warning{}
	for _, w := range prev.res.Warnings {
		if line := warningLine(w); line <= start {
			warnings = append(warnings, w)
		}
	}
	for _, w := range got.Warnings {
		warnings = append(warnings, movedWarning(w, shift))
	}
	for _, w := range prev.res.Warnings {
		if line := warningLine(w); line > end {
			warnings = append(warnings, movedWarning(w, delta))
		}
	}
	root := &parser.Node{Children: children, StartLine: children[0].StartLine, EndLine: children[len(children)-1].EndLine}
	return &parser.Result{AST: root, EscapeToken: escape, Warnings: warnings}, true
}

// continues reports whether node n (its lines moved by shift) ends with a line continuation: its last line
// that is not blank or a comment ends with the escape character, and the parser would take in the lines
// after it (blank lines and comments do not end a continued instruction).
func continues(lines []string, n *parser.Node, shift int, escape rune) bool {
	for i := n.EndLine + shift; i >= n.StartLine+shift && i >= 1; i-- {
		if i > len(lines) {
			continue
		}
		l := bytes.TrimSpace([]byte(lines[i-1]))
		if len(l) == 0 || l[0] == '#' {
			continue
		}
		return rune(l[len(l)-1]) == escape
	}
	return false
}

// blank reports whether every line is empty or white space.
func blank(lines []string) bool {
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			return false
		}
	}
	return true
}

func warningLine(w parser.Warning) int {
	if w.Location == nil {
		return 0
	}
	return w.Location.Start.Line
}

func movedWarning(w parser.Warning, by int) parser.Warning {
	if w.Location != nil {
		loc := *w.Location
		loc.Start.Line += by
		loc.End.Line += by
		w.Location = &loc
	}
	return w
}
