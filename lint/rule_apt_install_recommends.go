package lint

import (
	"strings"

	"github.com/layerlint/layerlint/internal/shell"
)

// AptInstallRecommends flags apt-get install without --no-install-recommends,
// which pulls in packages nobody asked for. Like the other bloat rules it
// looks only at the stages that end up in the final image: what a builder
// stage installs is not shipped.
var AptInstallRecommends = &Rule{
	Name:     "AptInstallRecommends",
	Doc:      "apt-get install without --no-install-recommends installs extra packages",
	URL:      docURL("AptInstallRecommends"),
	Why:      "apt installs a package's recommended packages by default; in an image they are rarely used and often pull in tens of megabytes (documentation tools, X libraries, compilers).",
	Bad:      "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
	Good:     "FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
	HowToFix: "Add `--no-install-recommends` (the quick fix does; it is not applied by `--fix`, because a program may need a recommended package), and install what is really needed by name.",
	Hadolint: []string{"DL3015"},
	Severity: Warning,
	Run: func(p *Pass) {
		for _, in := range p.layerInstructions() {
			if in.Script == nil {
				continue
			}
			for _, c := range in.Script.Commands {
				if c.Program() == "aptitude" || !isApt(c, "install") || noRecommends(c) {
					continue
				}
				install, _ := c.Arg("install")
				p.Reportf(p.WordRange(install), &Fix{
					Title: "Add --no-install-recommends",
					Edits: []TextEdit{p.InsertAfter(install, " --no-install-recommends")},
				}, "apt-get install without --no-install-recommends also installs recommended packages")
			}
		}
	},
}

func noRecommends(c shell.Command) bool {
	for _, a := range c.Args() {
		t := strings.ToLower(a.Text)
		if t == "--no-install-recommends" || strings.Contains(t, "install-recommends=false") ||
			strings.Contains(t, "install-recommends=0") || strings.Contains(t, "install-recommends \"false\"") {
			return true
		}
	}
	return false
}
