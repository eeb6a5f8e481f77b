package lint

import (
	"fmt"
	"github.com/layerlint/layerlint/internal/shell"
	"regexp"
	"strings"
)

// SeparateChown flags RUN chown/chmod on paths an earlier COPY/ADD brought
// in: the changed files are stored again in the RUN's layer.
var SeparateChown = &Rule{
	Name:     "SeparateChown",
	Doc:      "RUN chown/chmod on files an earlier COPY/ADD brought in stores them twice; use COPY --chown/--chmod",
	URL:      docURL("SeparateChown"),
	Why:      "A `RUN chown` or `chmod` on files a COPY brought in writes each changed file again into the RUN's layer: the files are stored twice.",
	Bad:      "FROM debian:bookworm\nCOPY app /app\nRUN chown -R 1000:1000 /app\n",
	Good:     "FROM debian:bookworm\nCOPY --chown=1000:1000 app /app\n",
	HowToFix: "Use `COPY --chown=` or `COPY --chmod=`. The quick fix moves the owner or mode onto the COPY and drops the RUN when the RUN does nothing else; it is not applied by `--fix`, because `COPY --chown` does not change a destination directory that already exists the way `chown -R` does.",
	Severity: Warning,
	Run: func(p *Pass) {
		for _, st := range p.shippedStages() {
			walkStage(st, func(in *Instruction, earlier []created, workdir string) {
				if in.Script == nil {
					return
				}
				for _, c := range in.Script.Commands {
					prog := c.Program()
					if prog != "chown" && prog != "chmod" {
						continue
					}
					var operand string
					var paths []shell.Word
					for _, a := range c.Args() {
						switch {
						case strings.HasPrefix(a.Text, "-") && !symbolicMode.MatchString(a.Text):
						case operand == "":
							operand = a.Text
						default:
							paths = append(paths, a)
						}
					}
					for _, w := range paths {
						target := resolvePath(workdir, w.Text)
						for i := len(earlier) - 1; i >= 0; i-- {
							e := earlier[i]
							if e.in.Command != "copy" && e.in.Command != "add" || e.download() {
								continue
							}
							// A chown of the copied path or of files inside it.
							if target != e.path && !strings.HasPrefix(target, e.path+"/") {
								continue
							}
							flag := "--chown"
							if prog == "chmod" {
								flag = "--chmod"
							}
							if _, has := e.in.Flag(flag[2:]); has {
								continue
							}
							p.reportBytes(p.WordRange(w), chownFix(p, in, c, e.in, flag, operand, target == e.path), p.wastedBy(e.in.StartLine, in.StartLine, target),
								"%s of %s, which %s on line %d brought in, stores the files again in this layer; use %s %s=%s",
								prog, w.Text, strings.ToUpper(e.in.Command), e.in.StartLine, strings.ToUpper(e.in.Command), flag, operand)
							break
						}
					}
				}
			})
		}
	},
}

var (
	octalMode    = regexp.MustCompile(`^[0-7]{3,4}$`)
	symbolicMode = regexp.MustCompile(`^-[rwxXst]+$`)
)

// chownFix moves the owner or mode onto the COPY and deletes the RUN, when
// the RUN does nothing else. It is not Safe: COPY --chown does not change an
// existing destination directory the way chown -R does.
func chownFix(p *Pass, run *Instruction, c shell.Command, copyIn *Instruction, flag, operand string, exact bool) *Fix {
	if len(run.Script.Commands) != 1 || !exact || strings.Contains(operand, "$") ||
		flag == "--chmod" && !octalMode.MatchString(operand) || len(run.Node.Heredocs) > 0 {
		return nil
	}
	df := p.Dockerfile
	kw := df.LinesRange(copyIn.StartLine, copyIn.StartLine).Start
	kwEnd := Position{Line: kw.Line, Col: kw.Col + len(copyIn.Node.Value)}
	return &Fix{
		Title: fmt.Sprintf("Use %s %s=%s and drop the RUN", strings.ToUpper(copyIn.Command), flag, operand),
		Edits: []TextEdit{
			{StartLine: kwEnd.Line, StartCol: kwEnd.Col, EndLine: kwEnd.Line, EndCol: kwEnd.Col, NewText: " " + flag + "=" + operand},
			{StartLine: run.StartLine, StartCol: 1, EndLine: run.EndLine + 1, EndCol: 1, NewText: ""},
		},
	}
}
