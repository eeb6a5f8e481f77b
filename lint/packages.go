package lint

import (
	"strings"

	"github.com/layerlint/layerlint/internal/pkgcache"
	"github.com/layerlint/layerlint/internal/shell"
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

// isAptProgram reports whether c runs apt-get, apt or aptitude.
func isAptProgram(c shell.Command) bool {
	p := c.Program()
	return p == "apt-get" || p == "apt" || p == "aptitude"
}

// isApt reports whether c runs apt-get, apt or aptitude with one of the
// given subcommands.
func isApt(c shell.Command, subs ...string) bool {
	if !isAptProgram(c) {
		return false
	}
	sub := c.Subcommand()
	for _, s := range subs {
		if sub == s {
			return true
		}
	}
	return false
}

// isPipInstall reports whether c is pip install (pip, pip3, python -m pip,
// uv pip), returning the install word.
func isPipInstall(c shell.Command) (install shell.Word, ok bool) {
	ops := c.Operands()
	p := c.Program()
	switch {
	case p == "pip" || p == "pip3" || strings.HasPrefix(p, "pip3."):
	case strings.HasPrefix(p, "python"):
		args := c.Args()
		if len(args) < 3 || args[0].Text != "-m" || args[1].Text != "pip" {
			return shell.Word{}, false
		}
		ops = nil
		for _, a := range args[2:] {
			if !strings.HasPrefix(a.Text, "-") {
				ops = append(ops, a)
			}
		}
	default:
		return shell.Word{}, false
	}
	if len(ops) == 0 {
		return shell.Word{}, false
	}
	return ops[0], ops[0].Text == "install"
}

// isNodeInstall reports whether c installs node packages with npm, yarn,
// pnpm or bun, returning the word to report on.
func isNodeInstall(c shell.Command) (shell.Word, bool) {
	i := c.ProgramIndex()
	if i < 0 {
		return shell.Word{}, false
	}
	ops := c.Operands()
	sub := shell.Word{}
	if len(ops) > 0 {
		sub = ops[0]
	}
	switch c.Program() {
	case "npm":
		switch sub.Text {
		case "install", "i", "ci", "add", "isntall", "in":
			return sub, true
		}
	case "yarn":
		switch {
		case sub.Text == "":
			return c.Words[i], true
		case sub.Text == "install" || sub.Text == "add":
			return sub, true
		case sub.Text == "global" && len(ops) > 1 && ops[1].Text == "add":
			return ops[1], true
		}
	case "pnpm", "bun":
		switch sub.Text {
		case "install", "i", "add":
			return sub, true
		}
	}
	return shell.Word{}, false
}

// resolvePath makes p absolute against dir ("/" when unknown), expanding ~
// to /root, and drops a trailing slash or /* glob.
func resolvePath(dir, p string) string {
	if dir == "" {
		dir = "/"
	}
	return shell.Resolve(dir, p)
}

// holds reports whether the directory parent holds child; the root and the
// system directories that hold everything never count.
func holds(parent, child string) bool {
	switch parent {
	case "/", "/usr", "/var", "/etc", "/opt", "/usr/local", "/home", "/srv":
		return false
	}
	return strings.HasPrefix(child, parent+"/")
}

// scriptRemoves reports whether a script deletes a path at, under or above
// one of the given absolute paths (rm -rf /var/lib/apt/lists/*, find
// /var/lib/apt/lists -type f -delete, or cd /root && rm -rf .cache).
func scriptRemoves(s *shell.Script, prefixes ...string) bool {
	found := false
	shell.Walk(s, "/", func(c shell.Command, cwd string) {
		for _, d := range c.Deletes() {
			p := shell.Resolve(cwd, d.Text)
			if p == "" {
				continue
			}
			for _, pre := range prefixes {
				if p == pre || strings.HasPrefix(p, pre+"/") || strings.HasPrefix(pre, p+"/") && p != "/" {
					found = true
				}
			}
		}
	})
	return found
}

// removesCache reports whether a script deletes a cache of one of the kinds
// (see internal/pkgcache).
func removesCache(s *shell.Script, kinds ...string) bool {
	return scriptRemoves(s, pkgcache.Paths(kinds...)...)
}

// mountTargets returns the targets of a RUN's --mount flags: whatever the
// RUN writes below them stays out of its layer.
func mountTargets(in *Instruction) []string {
	var out []string
	for _, f := range in.Flags {
		if !strings.HasPrefix(f, "--mount=") {
			continue
		}
		for _, kv := range strings.Split(strings.TrimPrefix(f, "--mount="), ",") {
			k, v, _ := strings.Cut(kv, "=")
			if k == "target" || k == "dst" || k == "destination" {
				out = append(out, resolvePath("/", v))
			}
		}
	}
	return out
}

// hasMountAt reports whether a RUN mounts something (a cache, a tmpfs, a
// bind mount, a secret) at, above or below one of the targets.
func hasMountAt(in *Instruction, targets ...string) bool {
	for _, v := range mountTargets(in) {
		for _, t := range targets {
			if v == t || strings.HasPrefix(t, v+"/") || strings.HasPrefix(v, t+"/") {
				return true
			}
		}
	}
	return false
}

// mountsCache reports whether a RUN mounts over a cache of one of the kinds.
func mountsCache(in *Instruction, kinds ...string) bool {
	return hasMountAt(in, pkgcache.Paths(kinds...)...)
}

// underMount reports whether the absolute path p lies at or under one of a
// RUN's mount targets, so that what the RUN writes there is not kept.
func underMount(in *Instruction, p string) bool {
	for _, v := range mountTargets(in) {
		if p == v || strings.HasPrefix(p, v+"/") {
			return true
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
