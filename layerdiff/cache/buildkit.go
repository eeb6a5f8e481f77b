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
	oldEnv := map[string]string{}
	oldUser, oldShell := "", ""
	for j := p.start; j < h && j < len(p.hist); j++ {
		cb := history.ParseCreatedBy(p.hist[j].CreatedBy)
		switch cb.Command {
		case "ENV":
			maps.Copy(oldEnv, parseEnvBody(cb.Body))
		case "USER":
			oldUser = strings.TrimSpace(cb.Body)
		case "SHELL":
			oldShell = collapse(cb.Body)
		}
	}
	for _, k := range sortedKeys(oldEnv, st.env) {
		if oldEnv[k] != strings.Trim(st.env[k], `"'`) {
			return "ENV " + k + " changed"
		}
	}
	if oldUser != st.user {
		return "USER changed"
	}
	if oldShell != st.shell {
		return "SHELL changed"
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
