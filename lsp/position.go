package lsp

import (
	"strings"
	"unicode/utf16"

	"go.lsp.dev/protocol"
)

// lines indexes a document's text by line. LSP positions count UTF-16 code units from 0; the linter counts
// bytes from 1. Lines end at "\n"; a "\r" before it is not part of the line's text.
type lines struct {
	text   string
	starts []int // byte offset of each line's start
}

func newLines(text string) *lines {
	starts := make([]int, 1, strings.Count(text, "\n")+1)
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &lines{text: text, starts: starts}
}

// count returns the number of lines (an empty text has one empty line).
func (l *lines) count() int { return len(l.starts) }

// line returns the text of 0-based line n without its line ending, "" when out of range.
func (l *lines) line(n int) string {
	if n < 0 || n >= len(l.starts) {
		return ""
	}
	end := len(l.text)
	if n+1 < len(l.starts) {
		end = l.starts[n+1] - 1
	}
	return strings.TrimSuffix(l.text[l.starts[n]:end], "\r")
}

// utf16Len returns the length of s in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r) // an invalid byte decodes as U+FFFD: one unit, as editors count it
	}
	return n
}

// lineEnd returns the position at the end of 0-based line n.
func (l *lines) lineEnd(n int) protocol.Position {
	return protocol.Position{Line: uint32(max(n, 0)), Character: uint32(utf16Len(l.line(n)))}
}

// position converts a 1-based line and 1-based byte column (as the linter reports them) to an LSP position.
// Columns past the end of the line are clamped to it.
func (l *lines) position(line1, col1 int) protocol.Position {
	n := line1 - 1
	if n < 0 {
		return protocol.Position{}
	}
	if n >= l.count() {
		return l.lineEnd(l.count() - 1)
	}
	text := l.line(n)
	b := min(max(col1-1, 0), len(text))
	return protocol.Position{Line: uint32(n), Character: uint32(utf16Len(text[:b]))}
}

// byteCol converts an LSP position to a 0-based byte column in its line, clamped to the line's text; ok is
// false when the line does not exist.
func (l *lines) byteCol(p protocol.Position) (col int, ok bool) {
	n := int(p.Line)
	if n >= l.count() {
		return 0, false
	}
	text := l.line(n)
	units := 0
	for i, r := range text {
		if units >= int(p.Character) {
			return i, true
		}
		units += utf16.RuneLen(r)
	}
	return len(text), true
}

// offset converts an LSP position to a byte offset in the text, clamped to the document.
func (l *lines) offset(p protocol.Position) int {
	if int(p.Line) >= l.count() {
		return len(l.text)
	}
	col, _ := l.byteCol(p)
	return l.starts[p.Line] + col
}
