package lint

import (
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	bkshell "github.com/moby/buildkit/frontend/dockerfile/shell"
)

// shippedStages returns the stages whose layers end up in an image someone
// ships: for each leaf stage (one that no other stage builds on or copies
// from), the stage and the stages it is built FROM, transitively. With a
// target (--target, or target: in .layerlint.yaml) it is the target's chain
// alone: that is the image the build makes. Stages are in Dockerfile order.
func (p *Pass) shippedStages() []*Stage {
	return shippedStages(p.Dockerfile, p.Target)
}

func shippedStages(df *Dockerfile, target string) []*Stage {
	in := map[*Stage]bool{}
	if st := df.StageNamed(target); target != "" && st != nil {
		for _, s := range df.chain(st) {
			in[s] = true
		}
	} else {
		for _, leaf := range df.LeafStages() {
			for _, s := range df.chain(leaf) {
				in[s] = true
			}
		}
	}
	var out []*Stage
	for _, st := range df.Stages {
		if in[st] {
			out = append(out, st)
		}
	}
	return out
}

// StageNamed returns the stage with the name (case-insensitive) or the index
// given as a number, or nil.
func (df *Dockerfile) StageNamed(name string) *Stage {
	name = strings.ToLower(name)
	for _, st := range df.Stages {
		if st.Name != "" && st.Name == name {
			return st
		}
	}
	for _, st := range df.Stages {
		if name == strconv.Itoa(st.Index) {
			return st
		}
	}
	return nil
}

// chain returns st and the stages it is built FROM, transitively. A base
// named with a variable that has no default (FROM base-${TARGETARCH}) may be
// any earlier stage its pattern matches: all of them are in the chain.
func (df *Dockerfile) chain(st *Stage) []*Stage {
	var out []*Stage
	seen := map[*Stage]bool{}
	todo := []*Stage{st}
	for len(todo) > 0 {
		s := todo[0]
		todo = todo[1:]
		if seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
		todo = append(todo, df.stagesBefore(s, s.Base)...)
	}
	return out
}

// stagesBefore returns the stages defined before st that ref names: one by
// name or index, or, when ref holds a variable without a default, every
// stage whose name fits the rest of it.
func (df *Dockerfile) stagesBefore(st *Stage, ref string) []*Stage {
	ref = strings.ToLower(ref)
	pattern := ""
	if strings.Contains(ref, "$") {
		pattern = varPattern.ReplaceAllString(ref, "*")
	}
	var out []*Stage
	for _, s := range df.Stages[:st.Index] {
		switch {
		case pattern != "":
			if ok, _ := path.Match(pattern, s.Name); ok && s.Name != "" {
				out = append(out, s)
			}
		case s.Name != "" && s.Name == ref || ref == strconv.Itoa(s.Index):
			return []*Stage{s}
		}
	}
	return out
}

// varPattern matches a variable reference in a stage name.
var varPattern = regexp.MustCompile(`\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*`)

// LeafStages returns the stages no other stage builds on (FROM), copies from
// (COPY --from) or mounts (RUN --mount=from=): the images a Dockerfile can
// publish with --target, the last stage among them.
func (df *Dockerfile) LeafStages() []*Stage {
	used := map[*Stage]bool{}
	for _, st := range df.Stages {
		for _, b := range df.stagesBefore(st, st.Base) {
			used[b] = true
		}
		for _, in := range st.Instructions {
			for _, f := range in.Flags {
				var from string
				if v, ok := strings.CutPrefix(f, "--from="); ok {
					from = v
				} else if v, ok := strings.CutPrefix(f, "--mount="); ok {
					for _, kv := range strings.Split(v, ",") {
						if k, val, _ := strings.Cut(kv, "="); k == "from" {
							from = val
						}
					}
				}
				if from == "" {
					continue
				}
				for _, b := range df.stagesBefore(st, df.expandArgs(from)) {
					used[b] = true
				}
			}
		}
	}
	var out []*Stage
	for _, st := range df.Stages {
		if !used[st] {
			out = append(out, st)
		}
	}
	return out
}

// argEnv is the global ARGs' defaults, as BuildKit sees them in FROM lines.
type argEnv map[string]string

func (e argEnv) Get(k string) (string, bool) { v, ok := e[k]; return v, ok }

func (e argEnv) Keys() []string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	return keys
}

// globalArgs returns the global ARGs' defaults, which BuildKit substitutes
// into FROM lines (ARG BASE=python:3.12 ... FROM ${BASE}) when no
// --build-arg overrides them.
func globalArgs(escape byte, metaArgs []instructions.ArgCommand) argEnv {
	env := argEnv{}
	lex := bkshell.NewLex(rune(escape))
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			if kv.Value == nil {
				continue
			}
			if v, _, err := lex.ProcessWord(*kv.Value, env); err == nil {
				env[kv.Key] = v
			}
		}
	}
	return env
}

// expandArgs substitutes the global ARGs' defaults into s, or returns s
// unchanged when one of its variables has none.
func (df *Dockerfile) expandArgs(s string) string {
	if !strings.Contains(s, "$") || df.args == nil {
		return s
	}
	res, err := bkshell.NewLex(rune(df.Escape)).ProcessWordWithMatches(s, df.args)
	if err != nil || len(res.Unmatched) > 0 {
		return s
	}
	return res.Result
}
