package lint

import (
	"path"
	"strings"

	"github.com/layerlint/layerlint/internal/shell"
)

// runScript parses the shell of a shell-form RUN straight from the source
// text so that every word keeps its file offset. Dockerfile line
// continuations and comment lines inside them are removed from the command
// line first, as BuildKit does; heredoc bodies follow it verbatim, so the
// shell reads them the way the shell BuildKit starts does. A RUN that is only
// a heredoc runs the heredoc as its script, unless a shebang names another
// interpreter.
func (df *Dockerfile) runScript(in *Instruction) *shell.Script {
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
	if len(in.Node.Heredocs) == 0 {
		return shell.ParseMapped(text, offs)
	}
	end := len(src)
	if in.EndLine < len(df.lineStarts) {
		end = df.lineStarts[in.EndLine]
	}
	full := make([]int, 0, len(offs)+1+end-next)
	full = append(full, offs...)
	full = append(full, max(next-1, 0))
	for k := next; k < end; k++ {
		full = append(full, k)
	}
	script := shell.ParseMapped(text+"\n"+string(src[next:end]), full)
	if len(script.Commands) == 0 || len(script.Commands[0].Words) > 0 || len(script.Commands[0].Heredocs) == 0 {
		return script
	}
	// RUN <<EOF: BuildKit runs the heredoc itself.
	h := script.Commands[0].Heredocs[0]
	if first, _, _ := strings.Cut(h.Body, "\n"); strings.HasPrefix(first, "#!") {
		f := strings.Fields(strings.TrimPrefix(first, "#!"))
		interp := ""
		if len(f) > 0 {
			interp = path.Base(f[0])
		}
		if interp == "env" && len(f) > 1 {
			interp = path.Base(f[1])
		}
		if !shell.Shells[interp] {
			return nil
		}
	}
	return h.Parse()
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
