package history

import (
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Dialect is the way a builder writes the created_by field of an image's history.
type Dialect uint8

// The dialects found in the wild.
const (
	// DialectUnknown is text that none of the known builders writes.
	DialectUnknown Dialect = iota
	// DialectBuildKit is BuildKit's: "RUN /bin/sh -c make # buildkit", "COPY . . # buildkit", "WORKDIR /app",
	// "EXPOSE map[8080/tcp:{}]", "CMD [\"a\" \"b\"]".
	DialectBuildKit
	// DialectLegacy is the legacy Docker builder's and buildah's: "/bin/sh -c #(nop) COPY dir:<hash> in /app ",
	// "/bin/sh -c #(nop)  CMD [\"sh\"]", and a bare "/bin/sh -c make" for RUN.
	DialectLegacy
	// DialectKaniko is kaniko's: the instruction as written, "RUN chmod +x /x", "ADD README.md /f", with no
	// shell prefix and no marker. Config steps ("ENV A=b") read the same as BuildKit's and parse as
	// DialectBuildKit; only RUN, COPY and ADD without BuildKit's marker are told apart.
	DialectKaniko
)

// String returns "buildkit", "legacy" or "unknown".
func (d Dialect) String() string {
	switch d {
	case DialectBuildKit:
		return "buildkit"
	case DialectLegacy:
		return "legacy"
	case DialectKaniko:
		return "kaniko"
	}
	return "unknown"
}

// CreatedBy is a history entry's created_by text taken apart.
type CreatedBy struct {
	Dialect Dialect
	// Command is the upper-case instruction keyword (RUN, COPY, ENV, ...), or "" when the text names none.
	Command string
	// Body is the text after the keyword. For RUN it is the command that ran, without build arguments, the
	// shell prefix and any flags buildah keeps (--mount=...); for exec-form RUN it is the argument list as the
	// builder wrote it.
	Body string
	// BuildArgs are the NAME=value pairs of a "|N NAME=value ..." prefix (RUN only).
	BuildArgs []string
	// Shell is the shell prefix of a RUN ("/bin/sh", "-c"), nil when none was recognised.
	Shell []string
}

const (
	buildkitMarker = " # buildkit"
	nopMarker      = "#(nop)"
)

// keywords are the instructions that can appear in a history entry.
var keywords = map[string]bool{
	"ADD": true, "ARG": true, "CMD": true, "COPY": true, "ENTRYPOINT": true, "ENV": true, "EXPOSE": true,
	"HEALTHCHECK": true, "LABEL": true, "MAINTAINER": true, "ONBUILD": true, "RUN": true, "SHELL": true,
	"STOPSIGNAL": true, "USER": true, "VOLUME": true, "WORKDIR": true,
}

// shells are the base names of programs that start a RUN's shell prefix.
var shells = map[string]bool{
	"sh": true, "bash": true, "ash": true, "dash": true, "zsh": true, "ksh": true, "mksh": true,
	"busybox": true, "cmd": true, "cmd.exe": true, "powershell": true, "powershell.exe": true, "pwsh": true,
}

// ParseCreatedBy takes apart the created_by text of a history entry written by BuildKit, the legacy builder,
// buildah or kaniko. Text it does not recognise gives a CreatedBy with DialectUnknown and the whole text as
// Body.
func ParseCreatedBy(s string) CreatedBy {
	s = strings.TrimSpace(s)
	if s == "" {
		return CreatedBy{}
	}
	if rest, ok := strings.CutSuffix(s, buildkitMarker); ok {
		cb := parseKeyword(strings.TrimSpace(rest))
		if cb.Command == "" {
			return CreatedBy{Body: s}
		}
		cb.Dialect = DialectBuildKit
		return cb
	}
	if i := strings.Index(s, nopMarker); i >= 0 {
		cb := parseKeyword(strings.TrimSpace(s[i+len(nopMarker):]))
		if cb.Command == "" {
			return CreatedBy{Body: s}
		}
		cb.Dialect = DialectLegacy
		return cb
	}
	// BuildKit writes config-only steps as "KEYWORD args" with no marker; kaniko writes every step as the
	// instruction itself, so a RUN, COPY or ADD without BuildKit's marker is kaniko's.
	if kw, _ := cutToken(s); keywords[kw] {
		cb := parseKeyword(s)
		cb.Dialect = DialectBuildKit
		if kw == "RUN" || kw == "COPY" || kw == "ADD" {
			cb.Dialect = DialectKaniko
		}
		return cb
	}
	// The legacy builder and buildah write a RUN as the command line alone.
	cb := parseRun(s)
	if cb.Shell != nil || cb.BuildArgs != nil {
		cb.Dialect = DialectLegacy
	}
	return cb
}

// parseKeyword parses "KEYWORD body".
func parseKeyword(s string) CreatedBy {
	kw, rest := cutToken(s)
	if !keywords[kw] {
		return CreatedBy{}
	}
	if kw == "RUN" {
		return parseRun(rest)
	}
	return CreatedBy{Command: kw, Body: rest}
}

// parseRun parses the command line of a RUN: "[|N A=b ...] [SHELL -c] [--mount=...] command".
func parseRun(s string) CreatedBy {
	cb := CreatedBy{Command: "RUN"}
	if n, rest, ok := cutArgCount(s); ok {
		s = rest
		for range n {
			tok, rest := cutToken(s)
			if !strings.Contains(tok, "=") {
				break
			}
			cb.BuildArgs = append(cb.BuildArgs, tok)
			s = rest
		}
		if cb.BuildArgs == nil {
			cb.BuildArgs = []string{}
		}
	}
	if shell, rest, ok := cutShell(s); ok {
		cb.Shell, s = shell, rest
	}
	// buildah keeps RUN's flags after the shell prefix.
	for strings.HasPrefix(s, "--") {
		tok, rest := cutToken(s)
		name, _, _ := strings.Cut(tok[2:], "=")
		if !isFlagName(name) {
			break
		}
		s = rest
	}
	cb.Body = s
	return cb
}

// cutArgCount cuts the "|N " prefix BuildKit and the legacy builder put before RUNs that see build arguments.
func cutArgCount(s string) (int, string, bool) {
	if !strings.HasPrefix(s, "|") {
		return 0, s, false
	}
	tok, rest := cutToken(s[1:])
	n, err := strconv.Atoi(tok)
	if err != nil || n < 0 || n > 1<<16 {
		return 0, s, false
	}
	return n, rest, true
}

// cutShell cuts a shell prefix: a known shell followed by up to three options, the last of which makes it
// run a command string (-c, -ec, /C, -Command).
func cutShell(s string) ([]string, string, bool) {
	tok, rest := cutToken(s)
	if !shells[strings.ToLower(path.Base(tok))] {
		return nil, s, false
	}
	shell := []string{tok}
	for range 3 {
		opt, r := cutToken(rest)
		if opt == "" || (opt[0] != '-' && opt[0] != '/' && (len(shell) < 2 || shell[len(shell)-1] != "-o")) {
			return nil, s, false
		}
		shell = append(shell, opt)
		rest = r
		lower := strings.ToLower(opt)
		if lower == "/c" || lower == "-command" || (lower[0] == '-' && len(lower) > 1 && strings.HasSuffix(lower, "c") &&
			isLetters(lower[1:])) {
			return shell, rest, true
		}
	}
	return nil, s, false
}

func isLetters(s string) bool {
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

func isFlagName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '-' {
			return false
		}
	}
	return true
}

// cutToken splits s at its first run of white space.
func cutToken(s string) (tok, rest string) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeftFunc(s[i:], unicode.IsSpace)
}

// collapse replaces every run of white space in s by one space and trims it: builders join continuation
// lines differently, but never change the words.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// SameWords reports whether a and b are the same text but for white space — collapse(a) == collapse(b),
// the way instructions are compared with history entries — without building either: alignment compares
// every RUN script of a long Dockerfile with its entry on each edit.
func SameWords(a, b string) bool {
	i, j := 0, 0
	for {
		for i < len(a) && asciiSpace(a[i]) {
			i++
		}
		for j < len(b) && asciiSpace(b[j]) {
			j++
		}
		for i < len(a) && j < len(b) && a[i] == b[j] && !asciiSpace(a[i]) {
			if a[i] >= utf8.RuneSelf {
				return collapse(a) == collapse(b) // Unicode white space: let strings.Fields decide
			}
			i, j = i+1, j+1
		}
		endA, endB := i == len(a) || asciiSpace(a[i]), j == len(b) || asciiSpace(b[j])
		switch {
		case i < len(a) && a[i] >= utf8.RuneSelf, j < len(b) && b[j] >= utf8.RuneSelf:
			return collapse(a) == collapse(b)
		case !endA || !endB:
			return false
		case i == len(a) || j == len(b):
			// One ran out: the other must hold only white space from here.
			for i < len(a) && asciiSpace(a[i]) {
				i++
			}
			for j < len(b) && asciiSpace(b[j]) {
				j++
			}
			return i == len(a) && j == len(b)
		}
	}
}

// asciiSpace is strings.Fields' test for ASCII bytes.
func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
