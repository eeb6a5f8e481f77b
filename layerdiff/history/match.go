package history

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/layerlint/layerlint/internal/shell"
)

// matchInstruction reports whether the history entry cb can have been written for the instruction cmd, and
// when not, why not. It compares what every builder keeps: RUN by its command text, COPY and ADD by
// destination (builders hash or rewrite the sources), ENV, LABEL and ARG by their keys (and values where no
// variable could have been expanded), the rest by value.
func matchInstruction(cmd instructions.Command, cb CreatedBy) (bool, string) {
	kw := strings.ToUpper(cmd.Name())
	if cb.Command != kw {
		if cb.Command == "" {
			return false, fmt.Sprintf("want %s, history entry is not an instruction builders write", kw)
		}
		return false, fmt.Sprintf("want %s, history entry is %s", kw, cb.Command)
	}
	switch c := cmd.(type) {
	case *instructions.RunCommand:
		return matchRun(c, cb)
	case *instructions.CopyCommand:
		return matchDest(c.DestPath, cb)
	case *instructions.AddCommand:
		return matchDest(c.DestPath, cb)
	case *instructions.EnvCommand:
		return matchPairs(c.Env, cb.Body)
	case *instructions.LabelCommand:
		return matchPairs(c.Labels, cb.Body)
	case *instructions.ArgCommand:
		var want, got []string
		for _, a := range c.Args {
			want = append(want, a.Key)
		}
		for _, kv := range shell.Fields(cb.Body) {
			k, _, _ := strings.Cut(kv, "=")
			got = append(got, k)
		}
		return sameList("ARG names", want, got)
	case *instructions.WorkdirCommand:
		return matchPath("WORKDIR", c.Path, cb.Body)
	case *instructions.UserCommand:
		if hasVar(c.User) || c.User == strings.TrimSpace(cb.Body) {
			return true, ""
		}
		return false, fmt.Sprintf("USER %s, history entry says %s", c.User, cb.Body)
	case *instructions.ExposeCommand:
		return matchPorts(c.Ports, cb.Body)
	case *instructions.VolumeCommand:
		return matchVolumes(c.Volumes, cb.Body)
	case *instructions.CmdCommand:
		return matchCmdLine(kw, c.ShellDependantCmdLine, cb.Body)
	case *instructions.EntrypointCommand:
		return matchCmdLine(kw, c.ShellDependantCmdLine, cb.Body)
	}
	// STOPSIGNAL, SHELL, HEALTHCHECK, MAINTAINER, ONBUILD: the keyword is enough to align them.
	return true, ""
}

// matchRun compares a RUN's command with the one a history entry recorded.
func matchRun(c *instructions.RunCommand, cb CreatedBy) (bool, string) {
	if !c.PrependShell {
		// Exec form: buildah writes the JSON as written, BuildKit and the legacy builder the arguments joined
		// by spaces (behind a shell prefix if the first arguments are a shell).
		if list, ok := parseList(cb.Body); ok && slices.Equal(list, c.CmdLine) {
			return true, ""
		}
		joined := collapse(strings.Join(append(slices.Clone(cb.Shell), cb.Body), " "))
		if joined == collapse(strings.Join(c.CmdLine, " ")) {
			return true, ""
		}
		_, g := quotePair(collapse(strings.Join(c.CmdLine, " ")), joined)
		return false, fmt.Sprintf("RUN command differs: history entry runs %s", g)
	}
	// The shell form's command line is one string: compared word by word, nothing is built unless it
	// differs (alignment compares every RUN of a long Dockerfile on each edit).
	cmdLine := strings.Join(c.CmdLine, " ")
	if SameWords(cmdLine, cb.Body) {
		return true, ""
	}
	if len(c.Files) > 0 {
		// BuildKit runs a lone heredoc's contents; with more around it, the command line and the documents.
		var b strings.Builder
		b.WriteString(cmdLine)
		for _, f := range c.Files {
			b.WriteString("\n" + f.Data + f.Name)
		}
		if SameWords(c.Files[0].Data, cb.Body) || SameWords(b.String(), cb.Body) {
			return true, ""
		}
	}
	w, g := quotePair(collapse(cmdLine), collapse(cb.Body))
	return false, fmt.Sprintf("RUN command differs: Dockerfile runs %s, history entry %s", w, g)
}

// matchDest compares a COPY's or ADD's destination with the last word of the history entry: BuildKit writes
// "COPY src... dest", the legacy builder and buildah "COPY file:<hash> in dest ".
func matchDest(want string, cb CreatedBy) (bool, string) {
	body := strings.TrimSpace(cb.Body)
	got := body
	if i := strings.LastIndex(body, " in "); i >= 0 && strings.Contains(body[:i], ":") {
		got = strings.TrimSpace(body[i+4:])
	} else if f := strings.Fields(body); len(f) > 0 {
		got = f[len(f)-1]
	}
	return matchPath(cb.Command+" destination", want, got)
}

// matchPath compares two paths, allowing a relative one to be resolved against a working directory.
func matchPath(what, want, got string) (bool, string) {
	w, g := cleanPath(want), cleanPath(got)
	switch {
	case hasVar(want) || w == g:
		return true, ""
	case !path.IsAbs(w) && w != "." && strings.HasSuffix(g, "/"+w):
		return true, ""
	case w == "." && path.IsAbs(g):
		return true, ""
	}
	return false, fmt.Sprintf("%s %s, history entry has %s", what, want, got)
}

func cleanPath(p string) string {
	p = strings.TrimSpace(p)
	if p == "" {
		return "."
	}
	return path.Clean(p)
}

// matchPairs compares ENV or LABEL pairs: keys in order, values where the Dockerfile's has no variable (BuildKit
// records expanded values unquoted, buildah the text as written). It finds each key where the body has "KEY="
// after the previous one, so unquoted values with spaces do not split a pair.
func matchPairs(want instructions.KeyValuePairs, body string) (bool, string) {
	body = strings.TrimSpace(body)
	if len(want) == 1 && want[0].NoDelim {
		// The legacy "ENV KEY value" form.
		k, v := cutToken(body)
		k, _, _ = strings.Cut(k, "=")
		if k != want[0].Key {
			return false, fmt.Sprintf("key %s, history entry has %s", want[0].Key, quoteShort(body))
		}
		return matchValue(want[0], v)
	}
	starts := make([]int, len(want))
	pos := 0
	for i, kv := range want {
		at := keyAt(body[pos:], kv.Key)
		if at < 0 {
			return false, fmt.Sprintf("key %s is not in history entry %s", kv.Key, quoteShort(body))
		}
		starts[i] = pos + at
		pos += at + len(kv.Key) + 1
	}
	for i, kv := range want {
		from := starts[i] + len(kv.Key) + 1
		to := len(body)
		if i+1 < len(want) {
			to = starts[i+1]
		}
		if ok, reason := matchValue(kv, body[from:to]); !ok {
			return false, reason
		}
	}
	return true, ""
}

// keyAt returns where "key=" starts in s at the start of a word, or -1.
func keyAt(s, key string) int {
	for off := 0; off < len(s); {
		i := strings.Index(s[off:], key+"=")
		if i < 0 {
			return -1
		}
		i += off
		if i == 0 || s[i-1] == ' ' || s[i-1] == '\t' || s[i-1] == '\n' {
			return i
		}
		off = i + 1
	}
	return -1
}

func matchValue(kv instructions.KeyValuePair, got string) (bool, string) {
	got = strings.TrimSpace(got)
	if hasVar(kv.Value) || hasVar(got) || collapse(shell.Unquote(kv.Value)) == collapse(shell.Unquote(got)) {
		return true, ""
	}
	return false, fmt.Sprintf("%s=%s, history entry has %s=%s", kv.Key, kv.Value, kv.Key, got)
}

// matchPorts compares EXPOSE ports as sets, "/tcp" being the default protocol. BuildKit writes
// "map[8080/tcp:{}]", buildah the ports as written.
func matchPorts(want []string, body string) (bool, string) {
	body = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(body), "map["), "]")
	var w, g []string
	for _, p := range want {
		for _, f := range strings.Fields(p) {
			if hasVar(f) || strings.Contains(f, "-") {
				return true, "" // expanded or a range: BuildKit lists each port
			}
			w = append(w, normPort(f))
		}
	}
	for _, f := range strings.Fields(body) {
		g = append(g, normPort(strings.TrimSuffix(f, ":{}")))
	}
	return sameSet("EXPOSE ports", w, g)
}

func normPort(p string) string {
	p = strings.ToLower(shell.Unquote(p))
	if !strings.Contains(p, "/") {
		p += "/tcp"
	}
	return p
}

// matchVolumes compares VOLUME paths as sets: BuildKit writes "[/a /b]", buildah the text as written.
func matchVolumes(want []string, body string) (bool, string) {
	got, ok := parseList(body)
	if !ok {
		got = strings.Fields(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(body), "["), "]"))
	}
	for _, v := range want {
		if hasVar(v) {
			return true, ""
		}
	}
	return sameSet("VOLUME paths", want, got)
}

// matchCmdLine compares a CMD or ENTRYPOINT. BuildKit and the legacy builder record the final argument list
// (["/bin/sh" "-c" "x"] for the shell form), buildah the text as written.
func matchCmdLine(kw string, want instructions.ShellDependantCmdLine, body string) (bool, string) {
	got, isList := parseList(body)
	if want.PrependShell {
		w := collapse(strings.Join(want.CmdLine, " "))
		if (!isList && collapse(body) == w) || (isList && len(got) > 0 && collapse(got[len(got)-1]) == w) {
			return true, ""
		}
		return false, fmt.Sprintf("%s %s, history entry has %s", kw, quoteShort(w), quoteShort(body))
	}
	if isList && slices.Equal(got, want.CmdLine) {
		return true, ""
	}
	return false, fmt.Sprintf("%s %q, history entry has %s", kw, want.CmdLine, quoteShort(body))
}

// parseList parses a JSON array of strings or Go's %q of a []string ("[\"a\" \"b\"]").
func parseList(s string) ([]string, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return nil, false
	}
	var list []string
	if json.Unmarshal([]byte(s), &list) == nil {
		return list, true
	}
	rest := strings.TrimSpace(s[1 : len(s)-1])
	list = nil
	for rest != "" {
		q, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return nil, false
		}
		u, err := strconv.Unquote(q)
		if err != nil {
			return nil, false
		}
		list = append(list, u)
		rest = strings.TrimSpace(rest[len(q):])
	}
	return list, true
}

func hasVar(s string) bool { return strings.Contains(s, "$") }

func sameList(what string, want, got []string) (bool, string) {
	if slices.Equal(want, got) {
		return true, ""
	}
	return false, fmt.Sprintf("%s %s, history entry has %s", what, strings.Join(want, " "), strings.Join(got, " "))
}

func sameSet(what string, want, got []string) (bool, string) {
	w, g := slices.Clone(want), slices.Clone(got)
	slices.Sort(w)
	slices.Sort(g)
	return sameList(what, slices.Compact(w), slices.Compact(g))
}

// quoteShort quotes s for a message, shortened to 60 characters.
func quoteShort(s string) string {
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "..."
	}
	return strconv.Quote(s)
}

// quotePair quotes two texts that differ for a message, each shortened to about 60 characters around the
// first place where they differ, so that the quotes never read alike.
func quotePair(a, b string) (string, string) {
	ra, rb := []rune(a), []rune(b)
	if len(ra) <= 60 && len(rb) <= 60 {
		return strconv.Quote(a), strconv.Quote(b)
	}
	d := 0
	for d < len(ra) && d < len(rb) && ra[d] == rb[d] {
		d++
	}
	from := max(d-20, 0)
	cut := func(r []rune) string {
		s := string(r[min(from, len(r)):min(from+57, len(r))])
		if from > 0 {
			s = "..." + s
		}
		if from+57 < len(r) {
			s += "..."
		}
		return strconv.Quote(s)
	}
	return cut(ra), cut(rb)
}
