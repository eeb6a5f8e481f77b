package lint

import "strings"

// BuildToolsInFinalStage flags compilers and build tools installed in the
// final stage and never removed: they ship in the image. Build in an earlier
// stage and copy the result.
var BuildToolsInFinalStage = &Rule{
	Name:     "BuildToolsInFinalStage",
	Doc:      "compilers and build tools installed in the final stage ship in the image; build in an earlier stage",
	URL:      docURL("BuildToolsInFinalStage"),
	Why:      "Compilers and build tools installed in a stage that ships stay in the image: hundreds of megabytes that the application does not run, and more to patch.",
	Bad:      "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*\nRUN pip install --no-cache-dir uwsgi\nCMD [\"uwsgi\"]\n",
	Good:     "FROM python:3.12-slim AS build\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*\nRUN pip wheel --no-cache-dir -w /wheels uwsgi\nFROM python:3.12-slim\nCOPY --from=build /wheels /wheels\nRUN pip install --no-cache-dir /wheels/*\nCMD [\"uwsgi\"]\n",
	HowToFix: "Build in an earlier stage and copy the result, or remove the tools in the same RUN that uses them.",
	Severity: Info,
	Run: func(p *Pass) {
		tools := map[string]bool{"build-essential": true, "build-base": true, "gcc": true, "g++": true, "gcc-c++": true,
			"clang": true, "make": true, "cmake": true, "autoconf": true, "automake": true, "libtool": true}
		st := p.Dockerfile.FinalStage()
		removed := map[string]bool{}
		for _, in := range runsIn(st) {
			for _, c := range in.Script.Commands {
				if isApt(c, "remove", "purge", "autoremove") || c.Program() == "apk" && c.Subcommand() == "del" ||
					(c.Program() == "yum" || c.Program() == "dnf") && (c.Subcommand() == "remove" || c.Subcommand() == "erase") {
					for _, a := range c.Args() {
						removed[a.Text] = true
						// purge --auto-remove (after apt-mark auto '.*') and
						// removals of a computed list ($buildDeps, $(diff ...))
						// may take anything with them.
						if a.Text == "--auto-remove" || a.Text == "--autoremove" || strings.Contains(a.Text, "$") {
							removed["*"] = true
						}
					}
					if c.Subcommand() == "autoremove" {
						removed["*"] = true
					}
				}
			}
		}
		for _, in := range runsIn(st) {
			for _, c := range in.Script.Commands {
				if !isApt(c, "install") && !(c.Program() == "apk" && c.Subcommand() == "add") &&
					!((c.Program() == "yum" || c.Program() == "dnf" || c.Program() == "microdnf") && c.Subcommand() == "install") {
					continue
				}
				virtual := ""
				args := c.Args()
				for i, a := range args {
					if (a.Text == "--virtual" || a.Text == "-t") && i+1 < len(args) {
						virtual = args[i+1].Text
					}
				}
				if virtual != "" && removed[virtual] {
					continue
				}
				for _, a := range args {
					name, _, _ := strings.Cut(a.Text, "=")
					if tools[name] && !removed[name] && !removed["*"] {
						p.Reportf(p.WordRange(a), nil,
							"%s is installed in the final stage and stays in the image; build in an earlier stage and COPY --from it, or remove it in the same RUN", name)
					}
				}
			}
		}
	},
}
