package lint

import (
	"github.com/layerlint/layerlint/internal/shell"
	"path"
	"strings"
)

// DownloadExtractSplit flags an archive downloaded in one instruction and
// extracted in a later one: the archive stays in the first layer even when
// the later RUN deletes it.
var DownloadExtractSplit = &Rule{
	Name:     "DownloadExtractSplit",
	Doc:      "archive downloaded in one layer and extracted in a later one stays in the image; download, extract and delete in one RUN",
	URL:      docURL("DownloadExtractSplit"),
	Severity: Warning,
	Run: func(p *Pass) {
		for _, st := range p.shippedStages() {
			walkStage(st, func(in *Instruction, earlier []created, workdir string) {
				if in.Script == nil {
					return
				}
				shell.Walk(in.Script, workdir, func(c shell.Command, cwd string) {
					for _, w := range c.Unpacks() {
						target := shell.Resolve(cwd, w.Text)
						for _, e := range earlier {
							if !e.download() || e.path != target {
								continue
							}
							p.Reportf(p.WordRange(w), nil,
								"%s was downloaded by %s on line %d and is extracted here: the archive stays in that layer; download, extract and delete it in one RUN",
								path.Base(target), strings.ToUpper(e.in.Command), e.in.StartLine)
						}
					}
				})
			})
		}
	},
}
