package cache

import (
	"maps"
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/layerlint/layerlint/layerdiff/history"
)

// BuildKit runs no cache step for ENV, USER or SHELL, but a RUN after them runs in the environment, as the
// user and with the shell they set, and those are part of the RUN's cache key: a RUN is reused only when
// they are the same as last time. runEnvChange compares them at the RUN in, whose history entry is h, with
// what the previous image's own entries set up to h (expanded, as BuildKit records them). It returns "" when
// they agree.
func (p *previous) runEnvChange(in instruction, st *stageState, h int) string {
	if _, ok := in.cmd.(*instructions.RunCommand); !ok {
		return ""
	}
	old := p.setUpTo(h)
	if k := firstEnvChange(old.env, st.env); k != "" {
		return "ENV " + k + " changed"
	}
	if old.user != st.user {
		return "USER changed"
	}
	if old.shell != st.shell {
		return "SHELL changed"
	}
	return ""
}

// setUp is what the previous image's own entries before one set up: environment, user and shell.
type setUp struct {
	next  int // the first entry not read yet
	env   map[string]string
	user  string
	shell string
}

// setUpTo returns what the entries from p.start up to (not including) h set up. The RUNs of a stage are
// compared in order, so it reads on from where the previous call stopped: each entry once per prediction.
func (p *previous) setUpTo(h int) *setUp {
	if p.envAt == nil || p.envAt.next > h {
		p.envAt = &setUp{next: p.start, env: map[string]string{}}
	}
	s := p.envAt
	for ; s.next < h && s.next < len(p.hist); s.next++ {
		cb := history.ParseCreatedBy(p.hist[s.next].CreatedBy)
		switch cb.Command {
		case "ENV":
			maps.Copy(s.env, parseEnvBody(cb.Body))
		case "USER":
			s.user = strings.TrimSpace(cb.Body)
		case "SHELL":
			s.shell = collapse(cb.Body)
		}
	}
	return s
}

// firstEnvChange returns the first variable, in name order, whose value differs between the environment the
// previous image's entries set up and the one the Dockerfile sets up now (quotes aside), "" when none does.
func firstEnvChange(old, now map[string]string) string {
	differs := func(k string) bool { return old[k] != strings.Trim(now[k], `"'`) }
	same := true
	for k := range old {
		same = same && !differs(k)
	}
	for k := range now {
		same = same && !differs(k)
	}
	if same {
		return ""
	}
	for _, k := range sortedKeys(old, now) {
		if differs(k) {
			return k
		}
	}
	return ""
}

// envKey finds where "NAME=" starts a pair in BuildKit's "ENV A=1 B=two words" (values unquoted).
var envKey = regexp.MustCompile(`(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=`)

func parseEnvBody(body string) map[string]string {
	out := map[string]string{}
	ms := envKey.FindAllStringSubmatchIndex(body, -1)
	for i, m := range ms {
		end := len(body)
		if i+1 < len(ms) {
			end = ms[i+1][0]
		}
		out[body[m[2]:m[3]]] = strings.TrimSpace(body[m[1]:end])
	}
	return out
}

func sortedKeys(a, b map[string]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]string{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	slicesSort(out)
	return out
}
