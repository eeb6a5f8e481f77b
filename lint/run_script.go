package lint

import (
	"strings"
)

// shells read a here-document on standard input as a script.
var shells = map[string]bool{"sh": true, "bash": true, "ash": true, "dash": true, "zsh": true, "ksh": true}

// runScript parses the shell of a shell-form RUN straight from the source
// text so that every word keeps its file offset. Dockerfile line
// continuations and comment lines inside them are removed first, as BuildKit
// does; heredoc bodies that are scripts are split too.
func (df *Dockerfile) runScript(in *Instruction) *Script {
	src := df.Source
	i := df.lineStarts[in.StartLine-1]
	// Skip indentation and the RUN keyword.
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	for i < len(src) && isWordByte(src[i]) {
		i++
	}
	text, offs, next := df.logicalLine(i)
	// Drop flags (--mount=..., --network=...).
	j := 0
	for {
		for j < len(text) && (text[j] == ' ' || text[j] == '\t') {
			j++
		}
		if !strings.HasPrefix(text[j:], "--") {
			break
		}
		for j < len(text) && text[j] != ' ' && text[j] != '\t' {
			j++
		}
	}
	text, offs = text[j:], offs[j:]
	if strings.HasPrefix(text, "[") {
		return nil // exec form: no shell
	}
	script := splitShell(text, offs)
	if len(in.Node.Heredocs) == 0 {
		return script
	}
	// The first heredoc is the script when the command line holds nothing
	// else; a heredoc fed to a shell is a script too. Others are data.
	onlyHeredoc := len(script.Commands) == 0
	lineStart := next
	for k, h := range in.Node.Heredocs {
		body, bodyOffs, after := df.heredocBody(lineStart, h.Name, h.Chomp)
		lineStart = after
		isScript := onlyHeredoc && k == 0
		for _, c := range script.Commands {
			if shells[c.Program()] && k == 0 {
				isScript = true
			}
		}
		if !isScript {
			continue
		}
		sub := splitShell(body, bodyOffs)
		for n, c := range sub.Commands {
			// A shebang line's words are a comment; set -e in it still counts.
			if n == 0 && len(c.Words) > 0 && strings.HasPrefix(c.Words[0].Text, "#!") {
				continue
			}
			script.Commands = append(script.Commands, c)
		}
		if strings.HasPrefix(body, "#!") {
			first, _, _ := strings.Cut(body, "\n")
			if strings.Contains(first, " -e") || strings.Contains(first, " -xe") || strings.Contains(first, " -eux") {
				script.ErrExit = true
			}
		}
		script.ErrExit = script.ErrExit || sub.ErrExit
	}
	return script
}

// logicalLine reads from offset i to the end of the logical line, removing
// escape-newline continuations and the comment or blank lines BuildKit drops
// inside them. It returns the text, the source offset of each byte and the
// offset where the next physical line starts.
func (df *Dockerfile) logicalLine(i int) (string, []int, int) {
	src := df.Source
	var b []byte
	var offs []int
	for i < len(src) {
		c := src[i]
		if c == '\n' {
			return string(b), offs, i + 1
		}
		if c == df.Escape && df.continues(i) {
			// Skip to the next line, then skip comment and blank lines.
			for i < len(src) && src[i] != '\n' {
				i++
			}
			i++
			for i < len(src) {
				end := i
				for end < len(src) && src[end] != '\n' {
					end++
				}
				t := strings.TrimSpace(string(src[i:end]))
				if t != "" && !strings.HasPrefix(t, "#") {
					break
				}
				i = end + 1
			}
			b = append(b, ' ')
			offs = append(offs, i-1)
			continue
		}
		b = append(b, c)
		offs = append(offs, i)
		i++
	}
	return string(b), offs, len(src)
}

// continues reports whether the escape at offset i ends its line (only
// blanks follow it).
func (df *Dockerfile) continues(i int) bool {
	for j := i + 1; j < len(df.Source); j++ {
		switch df.Source[j] {
		case ' ', '\t', '\r':
		case '\n':
			return true
		default:
			return false
		}
	}
	return true
}

// heredocBody returns the body of a heredoc starting at offset start, the
// offsets of its bytes and where the line after its terminator starts.
func (df *Dockerfile) heredocBody(start int, name string, chomp bool) (string, []int, int) {
	src := df.Source
	var b []byte
	var offs []int
	i := start
	for i < len(src) {
		end := i
		for end < len(src) && src[end] != '\n' {
			end++
		}
		line := strings.TrimRight(string(src[i:end]), "\r")
		if chomp {
			line = strings.TrimLeft(line, "\t")
		}
		if line == name {
			return string(b), offs, min(end+1, len(src))
		}
		for k := i; k <= end && k < len(src); k++ {
			b = append(b, src[k])
			offs = append(offs, k)
		}
		if end == len(src) {
			b = append(b, '\n')
			offs = append(offs, end)
		}
		i = end + 1
	}
	return string(b), offs, len(src)
}
