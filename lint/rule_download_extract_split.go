package lint

import (
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
		for _, st := range shippedStages(p.Dockerfile) {
			walkStage(st, func(in *Instruction, earlier []created, workdir string) {
				if in.Script == nil {
					return
				}
				cwd := workdir
				for _, c := range in.Script.Commands {
					if c.Program() == "cd" && len(c.Args()) > 0 {
						cwd = resolvePath(cwd, c.Args()[0].Text)
					}
					for _, w := range extractedArchives(c) {
						target := resolvePath(cwd, w.Text)
						for _, e := range earlier {
							if !e.download || e.path != target {
								continue
							}
							p.Reportf(p.WordRange(w), nil,
								"%s was downloaded by %s on line %d and is extracted here: the archive stays in that layer; download, extract and delete it in one RUN",
								path.Base(target), strings.ToUpper(e.in.Command), e.in.StartLine)
						}
					}
				}
			})
		}
	},
}

// extractedArchives returns the archive operands of tar, unzip, gunzip and
// similar commands.
func extractedArchives(c Command) []Word {
	var out []Word
	args := c.Args()
	switch c.Program() {
	case "tar":
		for i, a := range args {
			if a.Text == "-f" || a.Text == "--file" || strings.HasPrefix(a.Text, "-") && !strings.HasPrefix(a.Text, "--") && strings.HasSuffix(a.Text, "f") ||
				i == 0 && !strings.HasPrefix(a.Text, "-") && strings.HasSuffix(a.Text, "f") {
				if i+1 < len(args) {
					out = append(out, args[i+1])
				}
			} else if v, ok := strings.CutPrefix(a.Text, "--file="); ok {
				out = append(out, Word{Text: v, Start: a.Start + len("--file="), End: a.End})
			}
		}
	case "unzip", "gunzip", "bunzip2", "unxz", "7z", "dpkg", "rpm":
		for _, a := range args {
			if !strings.HasPrefix(a.Text, "-") && isArchiveName(a.Text) {
				out = append(out, a)
			}
		}
	}
	return out
}

func isArchiveName(s string) bool {
	for _, ext := range []string{".tar", ".tgz", ".gz", ".bz2", ".xz", ".zip", ".zst", ".deb", ".rpm", ".7z"} {
		if strings.HasSuffix(s, ext) {
			return true
		}
	}
	return false
}
