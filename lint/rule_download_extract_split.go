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
	Why:      "An archive downloaded in one instruction and extracted in a later one stays in the first layer, whatever the later RUN deletes: the image ships the archive and its contents.",
	Bad:      "FROM debian:bookworm\nADD https://example.com/tool.tar.gz /tmp/tool.tar.gz\nRUN tar -xzf /tmp/tool.tar.gz -C /opt && rm /tmp/tool.tar.gz\n",
	Good:     "FROM debian:bookworm\nRUN curl -fsSL https://example.com/tool.tar.gz | tar -xz -C /opt\n",
	HowToFix: "Download, extract and delete in one RUN, or stream the download into tar.",
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
