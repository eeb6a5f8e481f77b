package lint

import (
	"path"
	"strings"
)

// Script is the shell of a RUN, split into simple commands.
type Script struct {
	// Commands in source order, heredoc scripts included.
	Commands []Command
	// ErrExit is true when the script runs with set -e (or set -o errexit,
	// or a shebang with -e), so a failing command stops it.
	ErrExit bool
}

// Command is one simple command: its words and the operator that joins it to
// the next command.
type Command struct {
	Words []Word
	// Op is the operator after the command: "&&", "||", ";", "|", "&",
	// "\n", "(", ")" or "" for the last command.
	Op string
}

// Word is one shell word with quotes removed. Start and End are byte offsets
// in the text given to the splitter (file offsets for a Dockerfile's RUN).
type Word struct {
	Text  string
	Start int
	End   int
}

// prefixWords may precede the program of a command without being it.
var prefixWords = map[string]bool{
	"sudo": true, "then": true, "do": true, "else": true, "elif": true, "if": true, "while": true,
	"until": true, "!": true, "{": true, "}": true, "time": true, "exec": true, "command": true,
	"nohup": true, "env": true, "xargs": false,
}

// ProgramIndex returns the index of the program word, skipping variable
// assignments and prefixes such as sudo, then and env; -1 if none.
func (c Command) ProgramIndex() int {
	for i, w := range c.Words {
		if prefixWords[w.Text] || isAssignment(w.Text) {
			continue
		}
		if strings.HasPrefix(w.Text, "-") && i > 0 && (c.Words[i-1].Text == "sudo" || c.Words[i-1].Text == "env") {
			continue
		}
		return i
	}
	return -1
}

// Program returns the base name of the command's program ("apt-get"), or "".
func (c Command) Program() string {
	i := c.ProgramIndex()
	if i < 0 {
		return ""
	}
	return path.Base(c.Words[i].Text)
}

// Args returns the words after the program.
func (c Command) Args() []Word {
	i := c.ProgramIndex()
	if i < 0 {
		return nil
	}
	return c.Words[i+1:]
}

// HasArg reports whether one of the arguments equals any of the given words.
func (c Command) HasArg(words ...string) bool {
	for _, a := range c.Args() {
		for _, w := range words {
			if a.Text == w {
				return true
			}
		}
	}
	return false
}

// Subcommand returns the first argument that is not a flag, or "".
func (c Command) Subcommand() string {
	for _, a := range c.Args() {
		if !strings.HasPrefix(a.Text, "-") {
			return a.Text
		}
	}
	return ""
}

// Arg returns the first argument equal to text.
func (c Command) Arg(text string) (Word, bool) {
	for _, a := range c.Args() {
		if a.Text == text {
			return a, true
		}
	}
	return Word{}, false
}

func isAssignment(s string) bool {
	i := strings.IndexByte(s, '=')
	if i <= 0 {
		return false
	}
	for j := 0; j < i; j++ {
		b := s[j]
		if !(b == '_' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || j > 0 && b >= '0' && b <= '9') {
			return false
		}
	}
	return true
}

// SplitShell splits a shell script into simple commands. It understands
// quotes, backslash escapes and line continuations, comments, the operators
// && || ; | & and newlines, subshell parentheses, redirections (whose targets
// are not words of the command) and $(...) or backquote substitutions (kept
// inside their word). Offsets are byte offsets into script.
func SplitShell(script string) *Script {
	offs := make([]int, len(script))
	for i := range offs {
		offs[i] = i
	}
	return splitShell(script, offs)
}

// splitShell splits text whose byte i sits at source offset offs[i].
func splitShell(text string, offs []int) *Script {
	s := &Script{}
	sp := splitter{text: text, offs: offs}
	sp.run(s)
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

type splitter struct {
	text string
	offs []int
	i    int
}

func (sp *splitter) off(i int) int {
	if i < len(sp.offs) {
		return sp.offs[i]
	}
	if len(sp.offs) == 0 {
		return 0
	}
	return sp.offs[len(sp.offs)-1] + 1
}

func (sp *splitter) run(s *Script) {
	var cur Command
	redirect := false
	flush := func(op string) {
		if len(cur.Words) > 0 {
			cur.Op = op
			s.Commands = append(s.Commands, cur)
		} else if op != "\n" && op != "" && len(s.Commands) > 0 && s.Commands[len(s.Commands)-1].Op == "\n" {
			s.Commands[len(s.Commands)-1].Op = op
		}
		cur = Command{}
		redirect = false
	}
	t := sp.text
	for sp.i < len(t) {
		c := t[sp.i]
		switch {
		case c == '\\' && sp.i+1 < len(t) && t[sp.i+1] == '\n':
			sp.i += 2
		case c == ' ' || c == '\t' || c == '\r':
			sp.i++
		case c == '\n':
			sp.i++
			flush("\n")
		case c == '#':
			for sp.i < len(t) && t[sp.i] != '\n' {
				sp.i++
			}
		case c == '&' || c == '|' || c == ';':
			op := string(c)
			if sp.i+1 < len(t) && (t[sp.i+1] == c && c != ';') {
				op += string(c)
			}
			sp.i += len(op)
			flush(op)
		case c == '(' || c == ')':
			sp.i++
			flush(string(c))
		case c == '<' || c == '>':
			start := sp.i
			for sp.i < len(t) && strings.IndexByte("<>&-", t[sp.i]) >= 0 {
				sp.i++
			}
			op := t[start:sp.i]
			// Here-documents and descriptor duplication (2>&1) take a word
			// that is not a command argument.
			if strings.HasPrefix(op, "<<") || strings.HasSuffix(op, "&") {
				if sp.i < len(t) && t[sp.i] != ' ' || strings.HasPrefix(op, "<<") {
					sp.skipSpaces()
					sp.word()
				}
				continue
			}
			redirect = true
		default:
			w := sp.word()
			if redirect {
				redirect = false
				continue
			}
			// A descriptor number before a redirection (2>) is not a word.
			if sp.i < len(t) && (t[sp.i] == '>' || t[sp.i] == '<') && isDigits(w.Text) {
				continue
			}
			cur.Words = append(cur.Words, w)
		}
	}
	flush("")
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func (sp *splitter) skipSpaces() {
	for sp.i < len(sp.text) && (sp.text[sp.i] == ' ' || sp.text[sp.i] == '\t') {
		sp.i++
	}
}

// word reads one word at sp.i, removing quotes and escapes.
func (sp *splitter) word() Word {
	t := sp.text
	start := sp.i
	var b strings.Builder
	for sp.i < len(t) {
		c := t[sp.i]
		switch {
		case strings.IndexByte(" \t\r\n;&|()<>", c) >= 0:
			return Word{Text: b.String(), Start: sp.off(start), End: sp.off(sp.i-1) + 1}
		case c == '\\':
			if sp.i+1 < len(t) {
				if t[sp.i+1] != '\n' {
					b.WriteByte(t[sp.i+1])
				}
				sp.i += 2
			} else {
				sp.i++
			}
		case c == '\'':
			end := strings.IndexByte(t[sp.i+1:], '\'')
			if end < 0 {
				end = len(t) - sp.i - 1
			}
			b.WriteString(t[sp.i+1 : sp.i+1+end])
			sp.i += end + 2
		case c == '"':
			sp.i++
			for sp.i < len(t) && t[sp.i] != '"' {
				if t[sp.i] == '\\' && sp.i+1 < len(t) && strings.IndexByte("\"\\$`\n", t[sp.i+1]) >= 0 {
					if t[sp.i+1] != '\n' {
						b.WriteByte(t[sp.i+1])
					}
					sp.i += 2
					continue
				}
				b.WriteByte(t[sp.i])
				sp.i++
			}
			sp.i++
		case c == '`':
			end := strings.IndexByte(t[sp.i+1:], '`')
			if end < 0 {
				end = len(t) - sp.i - 1
			}
			stop := min(sp.i+end+2, len(t))
			b.WriteString(t[sp.i:stop])
			sp.i = stop
		case c == '$' && sp.i+1 < len(t) && t[sp.i+1] == '(':
			depth := 0
			j := sp.i + 1
			for ; j < len(t); j++ {
				if t[j] == '(' {
					depth++
				} else if t[j] == ')' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			end := min(j+1, len(t))
			b.WriteString(t[sp.i:end])
			sp.i = end
		default:
			b.WriteByte(c)
			sp.i++
		}
	}
	if sp.i > len(t) {
		sp.i = len(t)
	}
	return Word{Text: b.String(), Start: sp.off(start), End: sp.off(max(start, sp.i-1)) + 1}
}
