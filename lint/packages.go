package lint

import (
	"path"
	"strings"
)

// This file holds what the rules know about package managers and paths.

// runsIn returns the RUN instructions of a stage that have a shell script.
func runsIn(st *Stage) []*Instruction {
	var out []*Instruction
	for _, in := range st.Instructions {
		if in.Command == "run" && in.Script != nil {
			out = append(out, in)
		}
	}
	return out
}

// shippedStages returns the stages whose layers end up in the final image:
// the last stage and the stages it is built FROM, transitively.
func shippedStages(df *Dockerfile) []*Stage {
	byName := map[string]*Stage{}
	for _, st := range df.Stages {
		if st.Name != "" {
			byName[st.Name] = st
		}
	}
	var out []*Stage
	seen := map[*Stage]bool{}
	for st := df.FinalStage(); st != nil && !seen[st]; st = byName[strings.ToLower(st.Base)] {
		seen[st] = true
		out = append(out, st)
	}
	return out
}

// isAptProgram reports whether c runs apt-get, apt or aptitude.
func isAptProgram(c Command) bool {
	p := c.Program()
	return p == "apt-get" || p == "apt" || p == "aptitude"
}

// isApt reports whether c runs apt-get or apt with the given subcommand.
func isApt(c Command, subs ...string) bool {
	if !isAptProgram(c) {
		return false
	}
	sub := ""
	args := c.Args()
	for i := 0; i < len(args); i++ {
		t := args[i].Text
		if t == "-o" || t == "-c" || t == "-t" {
			i++ // option with a separate value
			continue
		}
		if !strings.HasPrefix(t, "-") {
			sub = t
			break
		}
	}
	for _, s := range subs {
		if sub == s {
			return true
		}
	}
	return false
}

// isPipInstall reports whether c is pip install (pip, pip3, python -m pip).
func isPipInstall(c Command) (install Word, ok bool) {
	args := c.Args()
	p := c.Program()
	switch {
	case p == "pip" || p == "pip3" || strings.HasPrefix(p, "pip3."):
	case strings.HasPrefix(p, "python") && len(args) >= 2 && args[0].Text == "-m" && args[1].Text == "pip":
		args = args[2:]
	default:
		return Word{}, false
	}
	for _, a := range args {
		if strings.HasPrefix(a.Text, "-") {
			continue
		}
		return a, a.Text == "install"
	}
	return Word{}, false
}

// isNodeInstall reports whether c installs node packages with npm, yarn,
// pnpm or bun, returning the word to report on.
func isNodeInstall(c Command) (Word, bool) {
	i := c.ProgramIndex()
	if i < 0 {
		return Word{}, false
	}
	switch c.Program() {
	case "npm":
		for _, a := range c.Args() {
			if a.Text == "install" || a.Text == "i" || a.Text == "ci" || a.Text == "add" {
				return a, true
			}
		}
	case "yarn":
		sub := c.Subcommand()
		if sub == "" {
			return c.Words[i], true
		}
		if a, ok := c.Arg("install"); ok {
			return a, sub == "install"
		}
		if a, ok := c.Arg("add"); ok {
			return a, sub == "add"
		}
	case "pnpm", "bun":
		for _, a := range c.Args() {
			if a.Text == "install" || a.Text == "i" || a.Text == "add" {
				return a, true
			}
		}
	}
	return Word{}, false
}

// resolvePath makes p absolute against dir, expanding ~ to /root, and drops
// a trailing slash or /* glob.
func resolvePath(dir, p string) string {
	if strings.HasPrefix(p, "~/") || p == "~" {
		p = "/root" + p[1:]
	} else if strings.HasPrefix(p, "$HOME") {
		p = "/root" + strings.TrimPrefix(p, "$HOME")
	}
	if !strings.HasPrefix(p, "/") {
		if dir == "" {
			dir = "/"
		}
		p = path.Join(dir, p)
	}
	p = strings.TrimSuffix(p, "/*")
	p = strings.TrimSuffix(p, "/.")
	return path.Clean(p)
}

// pathOverlaps reports whether a and b name the same path or one holds the
// other. The root and a few system directories never count as holding.
func pathOverlaps(a, b string) bool {
	if a == b {
		return true
	}
	within := func(child, parent string) bool {
		if parent == "/" || parent == "/usr" || parent == "/var" || parent == "/etc" || parent == "/opt" {
			return false
		}
		return strings.HasPrefix(child, parent+"/")
	}
	return within(a, b) || within(b, a)
}

// removedPaths returns the path words that an rm command deletes.
func removedPaths(c Command) []Word {
	if c.Program() != "rm" {
		return nil
	}
	var out []Word
	for _, a := range c.Args() {
		if strings.HasPrefix(a.Text, "-") || a.Text == "" {
			continue
		}
		out = append(out, a)
	}
	return out
}

// findDeletes returns the start paths of a find that deletes what it finds
// (-delete, or -exec rm).
func findDeletes(c Command) []Word {
	if c.Program() != "find" {
		return nil
	}
	var starts []Word
	deletes := false
	for i, a := range c.Args() {
		switch {
		case a.Text == "-delete":
			deletes = true
		case (a.Text == "-exec" || a.Text == "-execdir") && i+1 < len(c.Args()) && c.Args()[i+1].Text == "rm":
			deletes = true
		case strings.HasPrefix(a.Text, "-") || a.Text == "!" || a.Text == "(" || a.Text == ")":
		case !deletes && len(starts) == i:
			// Start points come first, before any expression.
			starts = append(starts, a)
		}
	}
	if !deletes {
		return nil
	}
	return starts
}

// scriptRemoves reports whether a script deletes a path at or under one of
// the given prefixes (rm -rf /var/lib/apt/lists/*, or find
// /var/lib/apt/lists -type f -delete).
func scriptRemoves(s *Script, prefixes ...string) bool {
	for _, c := range s.Commands {
		for _, w := range append(removedPaths(c), findDeletes(c)...) {
			p := resolvePath("/", w.Text)
			for _, pre := range prefixes {
				if p == pre || strings.HasPrefix(p, pre+"/") || strings.HasPrefix(pre, p+"/") && p != "/" {
					return true
				}
			}
		}
	}
	return false
}

// hasCacheMountAt reports whether a RUN mounts a cache at or above target.
func hasCacheMountAt(in *Instruction, targets ...string) bool {
	for _, f := range in.Flags {
		if !strings.HasPrefix(f, "--mount=") || !strings.Contains(f, "type=cache") {
			continue
		}
		for _, kv := range strings.Split(strings.TrimPrefix(f, "--mount="), ",") {
			k, v, _ := strings.Cut(kv, "=")
			if k != "target" && k != "dst" && k != "destination" {
				continue
			}
			v = resolvePath("/", v)
			for _, t := range targets {
				if v == t || strings.HasPrefix(t, v+"/") || strings.HasPrefix(v, t+"/") {
					return true
				}
			}
		}
	}
	return false
}

// stageEnv returns the value of an ENV set earlier in the stage.
func stageEnv(st *Stage, before *Instruction, name string) (string, bool) {
	val, found := "", false
	for _, in := range st.Instructions {
		if in == before {
			break
		}
		if in.Command != "env" {
			continue
		}
		for i := 0; i+1 < len(in.Args); i += 2 {
			if in.Args[i] == name {
				val, found = in.Args[i+1], true
			}
		}
	}
	return val, found
}

// assigns reports whether a command sets NAME=... before its program.
func assigns(c Command, name string) bool {
	for _, w := range c.Words[:max(c.ProgramIndex(), 0)] {
		if strings.HasPrefix(w.Text, name+"=") {
			return true
		}
	}
	return false
}
