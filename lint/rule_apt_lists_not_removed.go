package lint

import "github.com/layerlint/layerlint/internal/shell"

// AptListsNotRemoved flags a RUN that fills /var/lib/apt/lists (apt-get
// update, or apt 3's install --update) without removing it, leaving tens of
// megabytes of index in the layer. A RUN that only installs does not write
// the index: an earlier RUN's update did, and is flagged instead. With an
// image, the finding carries the bytes the layer keeps in /var/lib/apt/lists:
// what its fix removes.
var AptListsNotRemoved = &Rule{
	Name:     "AptListsNotRemoved",
	Doc:      "apt-get update without rm -rf /var/lib/apt/lists/* (or apt-get dist-clean) in the same RUN",
	URL:      docURL("AptListsNotRemoved"),
	Why:      "`apt-get update` downloads the package index into /var/lib/apt/lists: 20 to 40 MB for Debian or Ubuntu, useless once the packages are installed. Deleting it in a later RUN does not help: the bytes stay in the earlier layer. With an image, the finding carries the bytes the layer keeps in /var/lib/apt/lists, which is what the fix removes.",
	Bad:      "FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
	Good:     "FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/*\n",
	HowToFix: "End the same RUN with `rm -rf /var/lib/apt/lists/*` (or `apt-get dist-clean` on apt 2.7 and later), or keep the lists in a cache mount (`RUN --mount=type=cache,target=/var/lib/apt/lists`). `--fix` appends the `rm` to a RUN whose script is its command line.",
	Hadolint: []string{"DL3009"},
	Severity: Warning,
	Run: func(p *Pass) {
		for _, st := range p.shippedStages() {
			for _, in := range runsIn(st) {
				var at *shell.Command
				for i, c := range in.Script.Commands {
					if isApt(c, "update") || isAptProgram(c) && c.HasArg("--update") {
						at = &in.Script.Commands[i]
						break
					}
				}
				if at == nil || removesCache(in.Script, "apt-lists") || mountsCache(in, "apt-lists") || aptDistCleans(in.Script) {
					continue
				}
				p.reportBytes(p.CommandRange(*at), appendCommandFix(p, in, "Remove /var/lib/apt/lists in the same RUN", "rm -rf /var/lib/apt/lists/*"),
					p.leftoverBytes(in.StartLine, "apt-lists"),
					"%s leaves the package index in this layer; add rm -rf /var/lib/apt/lists/* at the end of the same RUN", at.Program()+" "+at.Subcommand())
			}
		}
	},
}

// appendCommandFix appends "&& cmd" to a RUN whose script is its command
// line: after the last top-level command, when that command ends the script
// (no trailing ; or &). Heredoc RUNs get no automatic fix.
func appendCommandFix(p *Pass, in *Instruction, title, cmd string) *Fix {
	cmds := in.Script.Commands
	if len(in.Node.Heredocs) > 0 || len(cmds) == 0 {
		return nil
	}
	last := -1
	for i, c := range cmds {
		if c.Depth == 0 {
			last = i
		}
	}
	if last < 0 || cmds[last].Op != "" || len(cmds[last].Words) == 0 {
		return nil
	}
	// After the command's last word or redirection, whichever ends later.
	end := cmds[last].Words[len(cmds[last].Words)-1]
	for _, r := range cmds[last].Redirects {
		if r.Target.End > end.End {
			end = r.Target
		}
	}
	return &Fix{Title: title, Edits: []TextEdit{p.InsertAfter(end, " && "+cmd)}, Safe: true}
}

// aptDistCleans reports whether a script runs apt-get dist-clean (apt 2.7+),
// which removes the package lists along with the package cache.
func aptDistCleans(s *shell.Script) bool {
	for _, c := range s.Commands {
		if isApt(c, "dist-clean", "distclean") {
			return true
		}
	}
	return false
}
