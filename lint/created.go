package lint

import (
	"path"
	"strings"

	"github.com/layerlint/layerlint/internal/pkgcache"
	"github.com/layerlint/layerlint/internal/shell"
)

// created is a path an instruction puts into its layer.
type created struct {
	path string
	in   *Instruction
	// kind is what the path holds (see shell.PathKind); COPY and ADD give
	// shell.Written for a file and shell.Tree for a directory.
	kind shell.PathKind
	// word is where the RUN names the path; zero for COPY and ADD.
	word shell.Word
	// glob is true when path is a pattern (COPY package*.json ./): it
	// names the files that match it.
	glob bool
}

// matches reports whether the absolute path p is the created path, or one
// of the files a glob names.
func (c created) matches(p string) bool {
	if !c.glob {
		return p == c.path
	}
	ok, err := path.Match(c.path, p)
	return err == nil && ok
}

// download reports whether the path is a file fetched over the network.
func (c created) download() bool { return c.kind == shell.Download }

// walkStage calls visit for each instruction of st with the paths created by
// earlier instructions and the working directory. The walk is worked out
// once per stage and shared by the rules that need it.
func walkStage(st *Stage, visit func(in *Instruction, earlier []created, workdir string)) {
	w := st.df.stageWalk(st)
	for i, in := range st.Instructions {
		visit(in, w.made[:w.before[i]:w.before[i]], w.workdir[i])
	}
}

// stageWalk is what walkStage visits: every path the stage's instructions
// create in order, and for each instruction how many came before it and its
// working directory.
type stageWalk struct {
	made    []created
	before  []int
	workdir []string
}

// stageWalk returns the walk of st, working it out on first use.
func (df *Dockerfile) stageWalk(st *Stage) *stageWalk {
	df.mu.Lock()
	defer df.mu.Unlock()
	if w, ok := df.walks[st]; ok {
		return w
	}
	if df.walks == nil {
		df.walks = map[*Stage]*stageWalk{}
	}
	w := walk(st)
	df.walks[st] = w
	return w
}

// walk follows a stage's WORKDIR and records what each instruction creates.
func walk(st *Stage) *stageWalk {
	w := &stageWalk{}
	workdir := "/"
	for _, in := range st.Instructions {
		w.before = append(w.before, len(w.made))
		w.workdir = append(w.workdir, workdir)
		switch in.Command {
		case "workdir":
			if len(in.Args) > 0 {
				workdir = resolvePath(workdir, in.Args[0])
			}
		case "copy", "add":
			srcs, dest, _, ok := in.CopySources()
			if !ok {
				continue
			}
			d := resolvePath(workdir, dest)
			for _, s := range srcs {
				p := d
				kind := shell.Written
				if strings.Contains(s, "://") {
					kind = shell.Download
				}
				// A file copied into a directory (COPY a.txt /dir/) lands at
				// /dir/a.txt; a directory's contents (COPY src/ /dir/) at
				// /dir; the files a glob matches (COPY *.json ./) each in
				// the directory.
				isDir := strings.HasSuffix(s, "/") || s == "."
				glob := strings.ContainsAny(path.Base(s), "*?[")
				switch {
				case isDir:
					kind = shell.Tree
				case glob:
					p = path.Join(d, path.Base(s))
				case strings.HasSuffix(dest, "/"):
					p = path.Join(d, path.Base(s))
				}
				w.made = append(w.made, created{path: p, in: in, kind: kind, glob: glob && !isDir})
			}
		case "run":
			if in.Script != nil {
				w.made = append(w.made, runCreates(in, workdir)...)
			}
		}
	}
	return w
}

// runCreates lists the paths a RUN's commands create and leave in its layer:
// files the shell writes (see shell.Command.Creates) and the caches package
// managers fill, less what a later command of the same RUN deletes and what
// lands under a --mount.
func runCreates(in *Instruction, workdir string) []created {
	var out []created
	add := func(p string, kind shell.PathKind, w shell.Word) {
		if p != "" && !strings.Contains(p, "$") && !underMount(in, p) {
			out = append(out, created{path: p, in: in, kind: kind, word: w})
		}
	}
	drop := func(p string) {
		kept := out[:0]
		for _, o := range out {
			if o.path != p && !strings.HasPrefix(o.path, p+"/") {
				kept = append(kept, o)
			}
		}
		out = kept
	}
	shell.Walk(in.Script, workdir, func(c shell.Command, cwd string) {
		// What this command deletes is gone from the layer, whichever
		// command of the RUN made it.
		for _, d := range c.Deletes() {
			if p := shell.Resolve(cwd, d.Text); p != "" {
				drop(p)
			}
		}
		for _, dir := range cacheCleans(c) {
			drop(dir)
		}
		for _, p := range c.Creates() {
			add(shell.Resolve(cwd, p.Text), p.Kind, p.Word)
		}
		for _, dir := range cacheFills(c) {
			add(dir, shell.Written, shell.Word{})
		}
	})
	return out
}

// cacheFills returns the cache directories a package-manager command fills
// (see internal/pkgcache).
func cacheFills(c shell.Command) []string {
	var kinds []string
	switch c.Program() {
	case "apt-get", "apt", "aptitude":
		if isApt(c, "update") || c.HasArg("--update") {
			kinds = append(kinds, "apt-lists")
		}
		if isApt(c, "install", "upgrade", "dist-upgrade", "full-upgrade", "reinstall") {
			kinds = append(kinds, "apt")
		}
	case "apk":
		if sub := c.Subcommand(); (sub == "add" || sub == "update" || sub == "upgrade") && !c.HasArg("--no-cache", "--no-network") {
			kinds = append(kinds, "apk")
		}
	case "yum", "dnf", "microdnf", "dnf5", "tdnf":
		if c.Subcommand() == "install" {
			kinds = append(kinds, "yum", "dnf")
		}
	case "zypper":
		if sub := c.Subcommand(); sub == "install" || sub == "in" {
			kinds = append(kinds, "zypper")
		}
	}
	if _, ok := isPipInstall(c); ok && !c.HasArg("--no-cache-dir") && !c.Assigns("PIP_NO_CACHE_DIR") {
		kinds = append(kinds, "pip")
	}
	if _, ok := isNodeInstall(c); ok {
		switch c.Program() {
		case "npm":
			kinds = append(kinds, "npm")
		case "yarn":
			kinds = append(kinds, "yarn")
		}
	}
	if len(kinds) == 0 {
		return nil
	}
	return pkgcache.Paths(kinds...)
}

// cacheCleans returns the cache directories a package manager's clean
// command empties: apt-get clean and dist-clean, apk cache clean, yum/dnf/
// zypper clean, npm/yarn cache clean, pip cache purge.
func cacheCleans(c shell.Command) []string {
	var kinds []string
	ops := c.Operands()
	has := func(words ...string) bool {
		for i, w := range words {
			if i >= len(ops) || ops[i].Text != w {
				return false
			}
		}
		return true
	}
	switch c.Program() {
	case "apt-get", "apt", "aptitude":
		switch {
		case isApt(c, "clean", "autoclean"):
			kinds = append(kinds, "apt")
		case isApt(c, "dist-clean", "distclean"):
			kinds = append(kinds, "apt", "apt-lists")
		}
	case "apk":
		if has("cache", "clean") || has("cache", "purge") {
			kinds = append(kinds, "apk")
		}
	case "yum", "dnf", "microdnf", "dnf5", "tdnf":
		if has("clean") {
			kinds = append(kinds, "yum", "dnf")
		}
	case "zypper":
		if has("clean") || has("cc") {
			kinds = append(kinds, "zypper")
		}
	case "npm":
		if has("cache", "clean") {
			kinds = append(kinds, "npm")
		}
	case "yarn":
		if has("cache", "clean") {
			kinds = append(kinds, "yarn")
		}
	case "pip", "pip3":
		if has("cache", "purge") {
			kinds = append(kinds, "pip")
		}
	}
	if len(kinds) == 0 {
		return nil
	}
	return pkgcache.Paths(kinds...)
}
