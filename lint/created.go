package lint

import (
	"path"
	"strings"
)

// created is a path an instruction puts into its layer.
type created struct {
	path string
	in   *Instruction
	// download is true for files fetched by curl, wget or ADD <url>.
	download bool
}

// stageWalk follows a stage's WORKDIR and the cd commands of each RUN, and
// collects the paths each instruction creates.
type stageWalk struct {
	workdir string
	made    []created
}

// walkStage calls visit for each instruction of st with the paths created by
// earlier instructions and the working directory, then records what the
// instruction itself creates.
func walkStage(st *Stage, visit func(in *Instruction, earlier []created, workdir string)) {
	w := &stageWalk{workdir: "/"}
	for _, in := range st.Instructions {
		visit(in, w.made, w.workdir)
		switch in.Command {
		case "workdir":
			if len(in.Args) > 0 {
				w.workdir = resolvePath(w.workdir, in.Args[0])
			}
		case "copy", "add":
			srcs, dest, _, ok := in.CopySources()
			if !ok {
				continue
			}
			d := resolvePath(w.workdir, dest)
			for _, s := range srcs {
				p := d
				remote := strings.Contains(s, "://")
				// COPY a.txt /dir/ lands at /dir/a.txt.
				// A file copied into a directory (COPY a.txt /dir/) lands at
				// /dir/a.txt; a directory's contents (COPY src/ /dir/) at /dir.
				isDir := strings.HasSuffix(s, "/") || s == "." || strings.ContainsAny(s, "*?")
				if strings.HasSuffix(dest, "/") && !isDir {
					p = path.Join(d, path.Base(s))
				}
				w.made = append(w.made, created{path: p, in: in, download: remote})
			}
		case "run":
			if in.Script != nil {
				w.made = append(w.made, runCreates(in, w.workdir)...)
			}
		}
	}
}

// runCreates lists the paths a RUN's commands visibly create.
func runCreates(in *Instruction, workdir string) []created {
	var out []created
	cwd := workdir
	add := func(p string, download bool) {
		if p != "" && !strings.Contains(p, "$") {
			out = append(out, created{path: resolvePath(cwd, p), in: in, download: download})
		}
	}
	for _, c := range in.Script.Commands {
		args := c.Args()
		switch c.Program() {
		case "cd":
			if len(args) > 0 && !strings.Contains(args[0].Text, "$") {
				cwd = resolvePath(cwd, args[0].Text)
			}
		case "curl":
			for i, a := range args {
				if (a.Text == "-o" || a.Text == "--output") && i+1 < len(args) {
					add(args[i+1].Text, true)
				}
			}
		case "wget":
			named := false
			for i, a := range args {
				if (a.Text == "-O" || a.Text == "--output-document") && i+1 < len(args) {
					add(args[i+1].Text, true)
					named = true
				} else if v, ok := strings.CutPrefix(a.Text, "--output-document="); ok {
					add(v, true)
					named = true
				}
			}
			if !named {
				for _, a := range args {
					if strings.Contains(a.Text, "://") {
						add(path.Base(strings.SplitN(a.Text, "?", 2)[0]), true)
					}
				}
			}
		case "git":
			if c.Subcommand() == "clone" {
				var pos []string
				for _, a := range args[1:] {
					if !strings.HasPrefix(a.Text, "-") {
						pos = append(pos, a.Text)
					}
				}
				if len(pos) == 2 {
					add(pos[1], false)
				} else if len(pos) == 1 {
					add(strings.TrimSuffix(path.Base(pos[0]), ".git"), false)
				}
			}
		case "apt-get", "apt":
			if isApt(c, "update", "install") {
				add(aptLists, false)
			}
		case "apk":
			if c.Subcommand() == "add" && !c.HasArg("--no-cache") || c.Subcommand() == "update" {
				add("/var/cache/apk", false)
			}
		case "yum", "dnf":
			if c.Subcommand() == "install" {
				add("/var/cache/"+c.Program(), false)
			}
		}
		if _, ok := isPipInstall(c); ok && !c.HasArg("--no-cache-dir") {
			add("/root/.cache/pip", false)
		}
		if _, ok := isNodeInstall(c); ok && c.Program() == "npm" {
			add("/root/.npm", false)
		}
	}
	// What the same RUN deletes again never reaches the layer.
	kept := out[:0]
	for _, c := range out {
		if !scriptRemoves(in.Script, c.path) && !hasCacheMountAt(in, c.path) {
			kept = append(kept, c)
		}
	}
	return kept
}
