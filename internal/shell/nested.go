package shell

import "strings"

// parseNested parses a script found inside another (sh -c '...', a shell's
// here-document) and returns its commands, one level deeper.
func (p *parser) parseNested(text string, offs []int, depth int) []Command {
	if p.nesting > 8 {
		return nil
	}
	sub := parser{text: text, offs: offs, script: p.script, nesting: p.nesting + 1}
	// A shebang line is a comment; its -e still counts.
	if strings.HasPrefix(text, "#!") {
		first, _, _ := strings.Cut(text, "\n")
		p.script.ErrExit = p.script.ErrExit || shebangErrExit(first)
	}
	return sub.run(depth)
}

// delimiter reads a here-document's delimiter word and whether any of it
// was quoted.
func (p *parser) delimiter() (string, bool) {
	start := p.i
	w := p.word()
	raw := p.text[start:p.i]
	return w.Text, strings.ContainsAny(raw, `'"\`)
}

// readHeredoc reads the body of a pending here-document from p.i up to its
// delimiter line.
func (p *parser) readHeredoc(h *Heredoc) {
	t := p.text
	h.Start = p.off(p.i)
	var b strings.Builder
	var offs []int
	for p.i < len(t) {
		end := strings.IndexByte(t[p.i:], '\n')
		if end < 0 {
			end = len(t)
		} else {
			end += p.i
		}
		line := strings.TrimSuffix(t[p.i:end], "\r")
		lineStart := p.i
		if h.StripTabs {
			trimmed := strings.TrimLeft(line, "\t")
			lineStart += len(line) - len(trimmed)
			line = trimmed
		}
		p.i = min(end+1, len(t))
		if line == h.Delim {
			break
		}
		for k := lineStart; k < end; k++ {
			b.WriteByte(t[k])
			offs = append(offs, p.off(k))
		}
		b.WriteByte('\n')
		offs = append(offs, p.off(end))
	}
	h.Body = b.String()
	h.offs = offs
}

// nestScripts returns cmds with the commands of the scripts they run
// inserted after them: sh -c 'script', su -c 'script', and a shell reading a
// here-document.
func (p *parser) nestScripts(cmds []Command) []Command {
	var out []Command
	for _, c := range cmds {
		out = append(out, c)
		if text, offs, ok := p.nestedScript(c); ok {
			out = append(out, p.parseNested(text, offs, c.Depth+1)...)
		}
	}
	return out
}

// nestedScript returns the script a command runs in a shell, if any.
func (p *parser) nestedScript(c Command) (string, []int, bool) {
	prog := c.Program()
	if prog == "su" {
		if w, ok := c.FlagValue("-c", "--command"); ok {
			text, offs := p.unquoteMapped(w)
			return text, offs, true
		}
		return "", nil, false
	}
	if !Shells[prog] {
		return "", nil, false
	}
	args := c.Args()
	for k := 0; k < len(args); k++ {
		a := args[k].Text
		short := (a[0:min(len(a), 1)] == "-" || a[0:min(len(a), 1)] == "+") && !strings.HasPrefix(a, "--")
		switch {
		case short && strings.HasSuffix(a, "c"):
			if k+1 < len(args) {
				text, offs := p.unquoteMapped(args[k+1])
				return text, offs, true
			}
			return "", nil, false
		case short && (strings.HasSuffix(a, "o") || strings.HasSuffix(a, "O")):
			k++ // set -o pipefail's option name
		case a == "--rcfile" || a == "--init-file":
			k++
		case !strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "+"):
			return "", nil, false // a script file
		}
	}
	if len(c.Heredocs) > 0 {
		h := c.Heredocs[0]
		return h.Body, h.offs, true
	}
	return "", nil, false
}

// unquoteMapped returns a word's text again with the source offset of each
// byte, for parsing a script passed as one word (sh -c '...'). Offsets are
// exact for single-quoted and unquoted text; inside double quotes an escape's
// offset is that of the escaped byte.
func (p *parser) unquoteMapped(w Word) (string, []int) {
	// Find the word's bytes in the parser's text by its source offsets.
	start := -1
	for i := range p.text {
		if p.off(i) == w.Start {
			start = i
			break
		}
	}
	if start < 0 {
		offs := make([]int, len(w.Text))
		for i := range offs {
			offs[i] = w.Start
		}
		return w.Text, offs
	}
	var b []byte
	var offs []int
	t := p.text
	i := start
	for i < len(t) && p.off(i) < w.End {
		c := t[i]
		switch {
		case c == '\'':
			i++
			for i < len(t) && t[i] != '\'' {
				b, offs = append(b, t[i]), append(offs, p.off(i))
				i++
			}
			i++
		case c == '"':
			i++
			for i < len(t) && t[i] != '"' {
				if t[i] == '\\' && i+1 < len(t) && strings.IndexByte("\"\\$`", t[i+1]) >= 0 {
					i++
				}
				b, offs = append(b, t[i]), append(offs, p.off(i))
				i++
			}
			i++
		case c == '\\' && i+1 < len(t):
			b, offs = append(b, t[i+1]), append(offs, p.off(i+1))
			i += 2
		default:
			b, offs = append(b, c), append(offs, p.off(i))
			i++
		}
	}
	return string(b), offs
}
