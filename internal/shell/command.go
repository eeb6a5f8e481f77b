package shell

import (
	"path"
	"strings"
)

// keywords may precede a command's program without being it.
var keywords = map[string]bool{
	"then": true, "do": true, "else": true, "elif": true, "if": true, "while": true, "until": true,
	"!": true, "{": true, "}": true, "time": true,
}

// wrapper is a program that runs the command after its own options.
type wrapper struct {
	// values are its options that take a separate value.
	values map[string]bool
	// operands is how many operands it takes before the command (timeout's
	// duration, gosu's user).
	operands int
}

// wrappers run the command that follows their options: sudo apt-get ...,
// xargs rm -f, env A=b make.
var wrappers = map[string]wrapper{
	"sudo":      {values: flagSet("-u -g -C -D -h -p -r -t -U -T --user --group")},
	"env":       {values: flagSet("-u -C -S --unset --chdir --split-string")},
	"xargs":     {values: flagSet("-I -n -P -L -d -a -E -s --max-args --max-procs --max-lines --delimiter --arg-file --replace")},
	"nice":      {values: flagSet("-n --adjustment")},
	"ionice":    {values: flagSet("-c -n -p")},
	"nohup":     {},
	"exec":      {values: flagSet("-a")},
	"command":   {},
	"builtin":   {},
	"stdbuf":    {values: flagSet("-i -o -e")},
	"eatmydata": {},
	"fakeroot":  {},
	"chronic":   {},
	"timeout":   {values: flagSet("-s -k --signal --kill-after"), operands: 1},
	"gosu":      {operands: 1},
	"su-exec":   {operands: 1},
	"setpriv":   {values: flagSet("--reuid --regid --groups")},
}

// ProgramIndex returns the index of the program word, skipping keywords
// (then, if, !), variable assignments and the wrappers that run the command
// after them (sudo, env, xargs, nice, timeout, ...) with their options; -1
// when the command has no program. A wrapper with no command after it is the
// program.
func (c Command) ProgramIndex() int {
	if c.settled {
		return c.progIdx
	}
	return c.programIndex()
}

func (c Command) programIndex() int {
	last := -1
	i := 0
	for i < len(c.Words) {
		t := c.Words[i].Text
		if keywords[t] || isAssignment(t) {
			i++
			continue
		}
		w, ok := wrappers[path.Base(t)]
		if !ok || t == "command" && i+1 < len(c.Words) && (c.Words[i+1].Text == "-v" || c.Words[i+1].Text == "-V") {
			return i
		}
		last = i
		i++
		values := w.values
		for i < len(c.Words) {
			a := c.Words[i].Text
			if a == "--" {
				i++
				break
			}
			if !strings.HasPrefix(a, "-") || a == "-" {
				break
			}
			i++
			if values[a] && !strings.Contains(a, "=") {
				i++
			}
		}
		for n := 0; n < w.operands && i < len(c.Words); n++ {
			i++
		}
	}
	return last
}

// Program returns the base name of the command's program ("apt-get"), or "".
func (c Command) Program() string {
	i := c.ProgramIndex()
	if i < 0 {
		return ""
	}
	return path.Base(c.Words[i].Text)
}

// Wrappers returns the wrapper programs before the program ("sudo",
// "xargs"): after xargs, more arguments come from standard input.
func (c Command) Wrappers() []string {
	var out []string
	for _, w := range c.Words[:max(c.ProgramIndex(), 0)] {
		if _, ok := wrappers[path.Base(w.Text)]; ok {
			out = append(out, path.Base(w.Text))
		}
	}
	return out
}

// Args returns the words after the program.
func (c Command) Args() []Word {
	i := c.ProgramIndex()
	if i < 0 {
		return nil
	}
	return c.Words[i+1:]
}

// Assigns reports whether the command sets NAME=... before its program.
func (c Command) Assigns(name string) bool {
	for _, w := range c.Words[:max(c.ProgramIndex(), 0)] {
		if strings.HasPrefix(w.Text, name+"=") {
			return true
		}
	}
	return false
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

// Arg returns the first argument equal to text.
func (c Command) Arg(text string) (Word, bool) {
	for _, a := range c.Args() {
		if a.Text == text {
			return a, true
		}
	}
	return Word{}, false
}

// Operands returns the arguments that are neither options nor the values of
// options that take one (apt-get -o X, yarn --network-timeout 600000, tar -C
// DIR), as the program's documented options say. After "--" every argument
// is an operand.
func (c Command) Operands() []Word {
	if c.settled {
		return c.operands
	}
	return c.operandsOf()
}

func (c Command) operandsOf() []Word {
	args := c.Args()
	values := valueFlags(c.Program())
	var out []Word
	for i := 0; i < len(args); i++ {
		t := args[i].Text
		switch {
		case t == "--":
			return append(out, args[i+1:]...)
		case !strings.HasPrefix(t, "-") || t == "-":
			out = append(out, args[i])
		case strings.HasPrefix(t, "--"):
			if !strings.Contains(t, "=") && values[t] {
				i++
			}
		default:
			// A cluster of short options (-xzf): the last one may take the
			// next word; one inside the cluster takes the rest of it.
			if values[t] || len(t) > 2 && values["-"+t[len(t)-1:]] && !clusterTakesRest(t, values) {
				i++
			}
		}
	}
	return out
}

// clusterTakesRest reports whether an option inside a short cluster takes
// the rest of the cluster as its value (-ofile).
func clusterTakesRest(t string, values map[string]bool) bool {
	for k := 1; k < len(t)-1; k++ {
		if values["-"+t[k:k+1]] {
			return true
		}
	}
	return false
}

// Subcommand returns the first operand ("install" in apt-get -y -o X
// install curl), or "".
func (c Command) Subcommand() string {
	if ops := c.Operands(); len(ops) > 0 {
		return ops[0].Text
	}
	return ""
}

// FlagValue returns the value of the first of the named options present,
// written as "--name value", "--name=value" or, for a short name, "-nvalue".
func (c Command) FlagValue(names ...string) (Word, bool) {
	args := c.Args()
	for i, a := range args {
		for _, n := range names {
			switch {
			case a.Text == n && i+1 < len(args):
				return args[i+1], true
			case strings.HasPrefix(a.Text, n+"="):
				return Word{Text: a.Text[len(n)+1:], Start: a.Start + len(n) + 1, End: a.End}, true
			case len(n) == 2 && n[0] == '-' && n[1] != '-' && len(a.Text) > 2 && strings.HasPrefix(a.Text, n) && a.Text[1] != '-':
				return Word{Text: a.Text[2:], Start: a.Start + 2, End: a.End}, true
			}
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
