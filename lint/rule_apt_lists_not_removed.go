package lint

// aptLists is where apt-get update stores its package index.
const aptLists = "/var/lib/apt/lists"

// AptListsNotRemoved flags a RUN that fills /var/lib/apt/lists (apt-get
// update, or apt 3's install --update) without removing it, leaving tens of
// megabytes of index in the layer. A RUN that only installs does not write
// the index: an earlier RUN's update did, and is flagged instead.
var AptListsNotRemoved = &Rule{
	Name:     "AptListsNotRemoved",
	Doc:      "apt-get update without rm -rf /var/lib/apt/lists/* (or apt-get dist-clean) in the same RUN",
	URL:      docURL("AptListsNotRemoved"),
	Severity: Warning,
	Run: func(p *Pass) {
		for _, st := range shippedStages(p.Dockerfile) {
			for _, in := range runsIn(st) {
				var at *Command
				for i, c := range in.Script.Commands {
					if isApt(c, "update") || isAptProgram(c) && c.HasArg("--update") {
						at = &in.Script.Commands[i]
						break
					}
				}
				if at == nil || scriptRemoves(in.Script, aptLists) || hasCacheMountAt(in, aptLists) || aptDistCleans(in.Script) {
					continue
				}
				p.reportBytes(p.CommandRange(*at), aptListsFix(p, in), p.leftoverBytes(in.StartLine, "apt"),
					"%s leaves the package index in this layer; add rm -rf /var/lib/apt/lists/* at the end of the same RUN", at.Program()+" "+at.Subcommand())
			}
		}
	},
}

// aptListsFix appends the cleanup to a one-line-script RUN; heredoc RUNs get
// no automatic fix.
func aptListsFix(p *Pass, in *Instruction) *Fix {
	cmds := in.Script.Commands
	if len(in.Node.Heredocs) > 0 || len(cmds) == 0 {
		return nil
	}
	last := cmds[len(cmds)-1]
	if last.Op != "" || len(last.Words) == 0 {
		return nil
	}
	return &Fix{
		Title: "Remove /var/lib/apt/lists in the same RUN",
		Edits: []TextEdit{p.InsertAfter(last.Words[len(last.Words)-1], " && rm -rf /var/lib/apt/lists/*")},
		Safe:  true,
	}
}

// aptDistCleans reports whether a script runs apt-get dist-clean (apt 2.7+),
// which removes the package lists along with the package cache.
func aptDistCleans(s *Script) bool {
	for _, c := range s.Commands {
		if isApt(c, "dist-clean", "distclean") {
			return true
		}
	}
	return false
}
