package lint

import (
	"strings"

	"github.com/layerlint/layerlint/internal/shell"
)

// RemovedInLaterLayer flags a RUN that deletes files an earlier instruction
// of the stage created: the delete hides them but their bytes stay in the
// earlier layer. Created means copied (COPY, ADD), downloaded, cloned,
// written (dd of=, >, tee, cp, mv, install), extracted (tar -x, unzip), or a
// package manager's cache; deleted means rm, find -delete, unlink or mv away.
var RemovedInLaterLayer = &Rule{
	Name:     "RemovedInLaterLayer",
	Doc:      "RUN deletes files an earlier instruction created; the bytes stay in the earlier layer",
	URL:      docURL("RemovedInLaterLayer"),
	Why:      "Each instruction's layer is stored and shipped whole. Deleting a file in a later RUN only hides it: its bytes stay in the layer that created it. layerlint follows what COPY, ADD and the shell create (downloads, clones, `dd of=`, `cp`, `mv`, redirections, `tee`, archives extracted by `tar -x` or `unzip`, package caches) and what later RUNs delete (`rm`, `find -delete`, `mv` away). With an image, the finding carries the bytes of the deleted files: what deleting them where they are created saves.",
	Bad:      "FROM debian:bookworm\nRUN curl -fsSLo /tmp/tool.tgz https://example.com/tool.tgz\nRUN tar -xzf /tmp/tool.tgz -C /opt && rm /tmp/tool.tgz\n",
	Good:     "FROM debian:bookworm\nRUN curl -fsSLo /tmp/tool.tgz https://example.com/tool.tgz \\\n && tar -xzf /tmp/tool.tgz -C /opt && rm /tmp/tool.tgz\n",
	HowToFix: "Delete the files in the same instruction that creates them, or create them in an earlier stage and copy only what is kept.",
	Severity: Warning,
	Run: func(p *Pass) {
		for _, st := range p.shippedStages() {
			walkStage(st, func(in *Instruction, earlier []created, workdir string) {
				if in.Script == nil || len(earlier) == 0 {
					return
				}
				// Directories where an install or a build of this RUN ran
				// before the deletion: it may have made what is deleted
				// there (npm ci's node_modules in a copied directory).
				var generated []string
				shell.Walk(in.Script, workdir, func(c shell.Command, cwd string) {
					if _, ok := dependencyInstall(c); ok || builders[c.Program()] {
						generated = append(generated, cwd)
					}
					for _, d := range c.Deletes() {
						target := shell.Resolve(cwd, d.Text)
						if target == "" || strings.Contains(d.Text, "$") || underMount(in, target) {
							continue
						}
						e, ok := lastCreated(earlier, st, target, generated)
						if !ok {
							continue
						}
						p.reportBytes(p.WordRange(d.Word), nil, p.wastedBy(e.in.StartLine, in.StartLine, target),
							"%s deletes %s, created by %s on line %d: the bytes stay in that layer; delete it in the same instruction that creates it (or use a multi-stage build)",
							c.Program(), d.Text, strings.ToUpper(e.in.Command), e.in.StartLine)
					}
				})
			})
		}
	},
}

// lastCreated returns the latest earlier path of the stage that a deletion of
// target removes files of: the path itself, a path inside target, or, for a
// directory the instruction filled itself (a clone, a copied directory, a
// download), a path inside it. Empty files and directories (touch, mkdir)
// hold no bytes, and what lies below an archive's extraction directory is
// not known.
func lastCreated(earlier []created, st *Stage, target string, generated []string) (created, bool) {
	for i := len(earlier) - 1; i >= 0; i-- {
		e := earlier[i]
		if e.in.Stage != st || e.kind == shell.Empty {
			continue
		}
		if e.matches(target) || holds(target, e.path) ||
			(e.kind == shell.Tree || e.kind == shell.Download) && holds(e.path, target) && !underAny(target, generated) {
			return e, true
		}
	}
	return created{}, false
}

// underAny reports whether p is at or below one of dirs.
func underAny(p string, dirs []string) bool {
	for _, d := range dirs {
		if d != "" && (p == d || strings.HasPrefix(p, d+"/") || d == "/") {
			return true
		}
	}
	return false
}

// builders are programs that write build output where they run.
var builders = map[string]bool{
	"make": true, "cmake": true, "ninja": true, "go": true, "cargo": true, "mvn": true, "mvnw": true, "gradle": true,
	"gradlew": true, "npm": true, "yarn": true, "pnpm": true, "bun": true, "npx": true, "pip": true, "pip3": true,
	"python": true, "python3": true, "composer": true, "bundle": true, "dotnet": true, "tsc": true, "configure": true,
}
