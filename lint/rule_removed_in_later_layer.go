package lint

import "strings"

// RemovedInLaterLayer flags a RUN that deletes files an earlier instruction
// of the stage created: the delete hides them but their bytes stay in the
// earlier layer.
var RemovedInLaterLayer = &Rule{
	Name:     "RemovedInLaterLayer",
	Doc:      "RUN deletes files an earlier instruction created; the bytes stay in the earlier layer",
	URL:      docURL("RemovedInLaterLayer"),
	Severity: Warning,
	Run: func(p *Pass) {
		for _, st := range shippedStages(p.Dockerfile) {
			walkStage(st, func(in *Instruction, earlier []created, workdir string) {
				if in.Script == nil || len(earlier) == 0 {
					return
				}
				cwd := workdir
				for _, c := range in.Script.Commands {
					if c.Program() == "cd" && len(c.Args()) > 0 && !strings.Contains(c.Args()[0].Text, "$") {
						cwd = resolvePath(cwd, c.Args()[0].Text)
					}
					for _, w := range removedPaths(c) {
						if strings.Contains(w.Text, "$") {
							continue
						}
						target := resolvePath(cwd, w.Text)
						for i := len(earlier) - 1; i >= 0; i-- {
							e := earlier[i]
							if e.in.Stage != st || !pathOverlaps(target, e.path) {
								continue
							}
							p.reportBytes(p.WordRange(w), nil, p.wastedBy(e.in.StartLine, in.StartLine, target),
								"%s deletes %s, created by %s on line %d: the bytes stay in that layer; delete it in the same instruction that creates it (or use a multi-stage build)",
								"rm", w.Text, strings.ToUpper(e.in.Command), e.in.StartLine)
							break
						}
					}
				}
			})
		}
	},
}
