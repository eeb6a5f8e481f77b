package cache

import (
	"fmt"
	"maps"
	"os"
	"path"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/layerlint/layerlint/layerdiff/history"
)

// instruction is one Dockerfile instruction: its node (for the text as written) and its parsed command.
type instruction struct {
	node *parser.Node
	cmd  any // *instructions.Stage for FROM, an instructions.Command otherwise
}

// keyword returns the upper-case instruction keyword.
func (in instruction) keyword() string { return strings.ToUpper(in.node.Value) }

// body returns the instruction text after its keyword, white space collapsed; for RUN, COPY and ADD the
// leading --flags are dropped too (builders record them elsewhere or not at all).
func (in instruction) body() string { return collapse(in.rawBody()) }

// rawBody is body with its white space as written.
func (in instruction) rawBody() string {
	_, rest := cutWord(strings.TrimSpace(in.node.Original))
	switch in.keyword() {
	case "RUN", "COPY", "ADD":
		for strings.HasPrefix(rest, "--") {
			_, rest = cutWord(rest)
		}
	}
	return rest
}

func cutWord(s string) (string, string) {
	i := strings.IndexAny(s, " \t\r\n")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// stageState is what a builder knows at a step: build arguments declared so far, environment and workdir.
type stageState struct {
	args    map[string]string // declared ARGs that have a value
	env     map[string]string
	workdir string
	user    string // as USER set it in this stage, expanded
	shell   string // as BuildKit records SHELL: "[/bin/sh -ec]", "" when not set in this stage
}

// clone returns a copy of the state.
func (s *stageState) clone() *stageState {
	c := *s
	c.args, c.env = maps.Clone(s.args), maps.Clone(s.env)
	return &c
}

func slicesSort(s []string) { slices.Sort(s) }

// expand substitutes $VAR and ${VAR} from the environment and build arguments (ENV wins, as in builders).
func (s *stageState) expand(v string) string {
	return os.Expand(v, func(k string) string {
		if e, ok := s.env[k]; ok {
			return e
		}
		return s.args[k]
	})
}

// runArgs returns the NAME=value pairs a builder records before a RUN: every declared build argument with a
// value, the environment's value when an ENV of the same name exists; sorted.
func (s *stageState) runArgs() []string {
	out := make([]string, 0, len(s.args))
	for k, v := range s.args {
		if e, ok := s.env[k]; ok {
			v = e
		}
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// apply updates the state with a step's ARG, ENV or WORKDIR.
func (s *stageState) apply(cmd any, buildArgs, meta map[string]string) {
	switch c := cmd.(type) {
	case *instructions.ArgCommand:
		for _, a := range c.Args {
			switch v, ok := buildArgs[a.Key]; {
			case ok:
				s.args[a.Key] = v
			case a.Value != nil:
				s.args[a.Key] = s.expand(*a.Value)
			default:
				if m, ok := meta[a.Key]; ok {
					s.args[a.Key] = m
				}
			}
		}
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			s.env[kv.Key] = s.expand(kv.Value)
		}
	case *instructions.UserCommand:
		s.user = s.expand(c.User)
	case *instructions.ShellCommand:
		s.shell = "[" + strings.Join(c.Shell, " ") + "]"
	case *instructions.WorkdirCommand:
		p := s.expand(c.Path)
		if !path.IsAbs(p) {
			p = path.Join(s.workdir, p)
		}
		s.workdir = path.Clean(p)
	}
}

// compareHistory decides whether a history entry can have been written for the instruction in state st, the
// way buildah 1.28 compares them: RUN by command text and the build arguments it sees, ARG by names only,
// COPY and ADD by destination (their sources are compared separately), everything else by its text as
// written. It returns "" when they match, else the cause.
func compareHistory(in instruction, st *stageState, h v1.History) string {
	cb := history.ParseCreatedBy(h.CreatedBy)
	kw := in.keyword()
	if cb.Command != kw {
		return "instruction text changed"
	}
	switch kw {
	case "RUN":
		if !history.SameWords(cb.Body, in.rawBody()) && !sameExecForm(in, cb) {
			return "instruction text changed"
		}
		want := st.runArgs()
		got := slices.Clone(cb.BuildArgs)
		slices.Sort(got)
		if !slices.Equal(want, got) {
			return "build args changed: " + argChange(want, got)
		}
		return ""
	case "ARG":
		var names []string
		for _, w := range strings.Fields(in.body()) {
			k, _, _ := strings.Cut(w, "=")
			names = append(names, k)
		}
		var had []string
		for _, w := range strings.Fields(cb.Body) {
			k, _, _ := strings.Cut(w, "=")
			had = append(had, k)
		}
		if !slices.Equal(names, had) {
			return "instruction text changed"
		}
		return ""
	case "COPY", "ADD":
		words := strings.Fields(in.body())
		had := strings.Fields(cb.Body)
		if len(words) == 0 || len(had) == 0 || words[len(words)-1] != had[len(had)-1] {
			return "instruction text changed"
		}
		return ""
	}
	if cb.Dialect == history.DialectBuildKit {
		// BuildKit records config steps with variables expanded and values re-quoted: compare only what is
		// certain, the keyword.
		return ""
	}
	if !history.SameWords(cb.Body, in.rawBody()) {
		return "instruction text changed"
	}
	return ""
}

// argChange names the first build argument that differs between two sorted NAME=value lists.
func argChange(want, got []string) string {
	w, g := pairs(want), pairs(got)
	for _, kv := range want {
		k, v, _ := strings.Cut(kv, "=")
		if old, ok := g[k]; !ok {
			return k + " added"
		} else if *old != v {
			return fmt.Sprintf("%s=%s, was %s", k, v, *old)
		}
	}
	for _, kv := range got {
		if k, _, _ := strings.Cut(kv, "="); w[k] == nil {
			return k + " removed"
		}
	}
	return "changed"
}

func pairs(kvs []string) map[string]*string {
	m := make(map[string]*string, len(kvs))
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = &v
	}
	return m
}

// sameExecForm reports whether an exec-form RUN is the one BuildKit recorded: it writes the arguments joined
// by spaces ("RUN /bin/busybox sh -c make # buildkit"), a leading shell taken for a shell prefix.
func sameExecForm(in instruction, cb history.CreatedBy) bool {
	run, ok := in.cmd.(*instructions.RunCommand)
	if !ok || run.PrependShell {
		return false
	}
	got := collapse(strings.Join(append(slices.Clone(cb.Shell), cb.Body), " "))
	return got == collapse(strings.Join(run.CmdLine, " "))
}
