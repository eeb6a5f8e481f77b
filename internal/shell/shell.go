// Package shell reads POSIX shell the way a Dockerfile's RUN runs it: simple
// commands joined by operators, quoted words, redirections, here-documents,
// and the commands that run other commands (sudo, env, xargs, sh -c, a shell
// reading a here-document). It knows which options of common programs take a
// separate value, and which files common commands create or delete.
//
// It is the one shell model of the project: lint's rules read RUN scripts
// through it, and layerdiff/history splits the words of history entries with
// it. It sits below both and imports neither.
package shell

import "strings"

// Script is a shell script split into simple commands.
type Script struct {
	// Commands in the order the shell meets them. The commands of a nested
	// script (sh -c '...', bash <<EOF) follow the command that runs them, one
	// Depth deeper.
	Commands []Command
	// ErrExit is true when the script runs with set -e (or set -o errexit, or
	// a shebang with -e): a failing command stops it.
	ErrExit bool
}

// Command is one simple command.
type Command struct {
	// Words are the command's words with quotes removed, redirections and
	// here-document bodies left out.
	Words []Word
	// Op is the operator after the command: "&&", "||", ";", "|", "&", "\n",
	// or "" for the last command.
	Op string
	// Redirects are the command's redirections in source order.
	Redirects []Redirect
	// Heredocs are the here-documents the command reads, in source order.
	Heredocs []Heredoc
	// Depth counts the subshells, command substitutions of a whole command
	// and nested scripts around the command: a cd at one depth does not move
	// the commands outside it.
	Depth int

	// Rules ask for the program and the operands many times: the parser
	// works them out once (see settle).
	settled  bool
	progIdx  int
	operands []Word
}

// settle works out the program's index and the operands once.
func (c *Command) settle() {
	c.progIdx = c.programIndex()
	c.operands = c.operandsOf()
	c.settled = true
}

// Word is one shell word with quotes and escapes removed. Start and End are
// source offsets (see ParseMapped) of its first byte and one past its last.
type Word struct {
	Text  string
	Start int
	End   int
}

// Redirect is a redirection such as "> /log", "2>&1" or "< in".
type Redirect struct {
	// Op is the operator as written without a descriptor number: ">", ">>",
	// "<", "<>", ">|", "&>", "&>>", ">&" or "<&".
	Op string
	// Target is the file or descriptor redirected to.
	Target Word
}

// Writes reports whether the redirection writes to a file (not a descriptor
// and not /dev/null or another device).
func (r Redirect) Writes() bool {
	if !strings.Contains(r.Op, ">") || r.Op == ">&" && isDigits(r.Target.Text) || r.Target.Text == "-" {
		return false
	}
	t := r.Target.Text
	return t != "" && !strings.HasPrefix(t, "/dev/") && !strings.HasPrefix(t, "/proc/")
}

// Heredoc is a here-document (<<EOF ... EOF) a command reads.
type Heredoc struct {
	// Delim is the delimiter with quotes removed.
	Delim string
	// Body is the document's text, each line ending in a newline.
	Body string
	// Start is the source offset of the body's first byte.
	Start int
	// StripTabs is true for <<-, which strips leading tabs.
	StripTabs bool
	// Quoted is true when the delimiter was quoted: the body is not expanded.
	Quoted bool
	offs   []int
}

// Parse splits the body as a script, with the body's source offsets.
func (h Heredoc) Parse() *Script {
	offs := h.offs
	if len(offs) != len(h.Body) {
		offs = make([]int, len(h.Body))
		for i := range offs {
			offs[i] = h.Start + i
		}
	}
	s := ParseMapped(h.Body, offs)
	if strings.HasPrefix(h.Body, "#!") {
		first, _, _ := strings.Cut(h.Body, "\n")
		s.ErrExit = s.ErrExit || shebangErrExit(first)
	}
	return s
}

// shebangErrExit reports whether a shebang line passes -e to its shell.
func shebangErrExit(line string) bool {
	f := strings.Fields(line)
	for _, a := range f[min(1, len(f)):] {
		if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "e") {
			return true
		}
	}
	return false
}

// Shells are the programs that run a script given with -c or read on
// standard input.
var Shells = map[string]bool{"sh": true, "bash": true, "ash": true, "dash": true, "zsh": true, "ksh": true, "mksh": true}

// Parse splits a script; word offsets are byte offsets into script.
func Parse(script string) *Script {
	offs := make([]int, len(script))
	for i := range offs {
		offs[i] = i
	}
	return ParseMapped(script, offs)
}

// ParseMapped splits text whose byte i sits at source offset offs[i] (a
// Dockerfile RUN with its line continuations removed), so that every word
// keeps its place in the source. len(offs) must be len(text).
func ParseMapped(text string, offs []int) *Script {
	s := &Script{}
	p := parser{text: text, offs: offs, script: s}
	s.Commands = p.run(0)
	for _, c := range s.Commands {
		if c.Program() == "set" {
			for _, a := range c.Args() {
				if strings.HasPrefix(a.Text, "-") && !strings.HasPrefix(a.Text, "--") && strings.Contains(a.Text, "e") || a.Text == "errexit" {
					s.ErrExit = true
				}
			}
		}
	}
	return s
}

type parser struct {
	text    string
	offs    []int
	i       int
	script  *Script
	nesting int
}

func (p *parser) off(i int) int {
	if i < len(p.offs) {
		return p.offs[i]
	}
	if len(p.offs) == 0 {
		return 0
	}
	return p.offs[len(p.offs)-1] + 1
}

// pendingDoc is a here-document whose body starts after the next newline.
type pendingDoc struct{ cmd, doc int }

// run splits the text from p.i and returns its commands, the commands of
// nested scripts right after the command that runs them.
func (p *parser) run(depth int) []Command {
	var cmds []Command
	var cur Command
	cur.Depth = depth
	var pending []pendingDoc
	var curDocs []int
	redirect := ""
	flush := func(op string) {
		if len(cur.Words) > 0 || len(cur.Redirects) > 0 || len(cur.Heredocs) > 0 {
			cur.Op = op
			cur.settle()
			cmds = append(cmds, cur)
			for _, d := range curDocs {
				pending = append(pending, pendingDoc{len(cmds) - 1, d})
			}
		} else if op != "\n" && op != "" && len(cmds) > 0 && cmds[len(cmds)-1].Op == "\n" {
			cmds[len(cmds)-1].Op = op
		}
		cur = Command{Depth: depth}
		curDocs = nil
		redirect = ""
	}
	t := p.text
	for p.i < len(t) {
		c := t[p.i]
		switch {
		case c == '\\' && p.i+1 < len(t) && t[p.i+1] == '\n':
			p.i += 2
		case c == ' ' || c == '\t' || c == '\r':
			p.i++
		case c == '\n':
			p.i++
			flush("\n")
			for _, pd := range pending {
				p.readHeredoc(&cmds[pd.cmd].Heredocs[pd.doc])
			}
			pending = pending[:0]
		case c == '#':
			for p.i < len(t) && t[p.i] != '\n' {
				p.i++
			}
		case c == '&' && p.i+1 < len(t) && t[p.i+1] == '>':
			start := p.i
			p.i += 2
			if p.i < len(t) && t[p.i] == '>' {
				p.i++
			}
			redirect = t[start:p.i]
		case c == '&' || c == '|' || c == ';':
			op := string(c)
			if p.i+1 < len(t) && t[p.i+1] == c && c != ';' {
				op += string(c)
			} else if c == ';' && p.i+1 < len(t) && t[p.i+1] == ';' {
				op = ";;"
			}
			p.i += len(op)
			flush(op)
		case c == '(':
			p.i++
			flush("(")
			depth++
			cur.Depth = depth
		case c == ')':
			p.i++
			flush(")")
			if depth > 0 {
				depth--
			}
			cur.Depth = depth
		case c == '<' || c == '>':
			start := p.i
			for p.i < len(t) && strings.IndexByte("<>&|-", t[p.i]) >= 0 && p.i-start < 3 {
				p.i++
			}
			op := t[start:p.i]
			switch {
			case op == "<<<":
				// A here-string: its word is data for the command.
				p.skipSpaces()
				p.word()
			case strings.HasPrefix(op, "<<"):
				p.skipSpaces()
				w, quoted := p.delimiter()
				cur.Heredocs = append(cur.Heredocs, Heredoc{Delim: w, StripTabs: op == "<<-", Quoted: quoted})
				curDocs = append(curDocs, len(cur.Heredocs)-1)
			default:
				redirect = strings.TrimSuffix(op, "-")
			}
		default:
			w := p.word()
			if redirect != "" {
				cur.Redirects = append(cur.Redirects, Redirect{Op: redirect, Target: w})
				redirect = ""
				continue
			}
			// A descriptor number before a redirection (2>) is not a word.
			if p.i < len(t) && (t[p.i] == '>' || t[p.i] == '<') && isDigits(w.Text) {
				continue
			}
			cur.Words = append(cur.Words, w)
		}
	}
	flush("")
	for _, pd := range pending {
		p.readHeredoc(&cmds[pd.cmd].Heredocs[pd.doc])
	}
	return p.nestScripts(cmds)
}
