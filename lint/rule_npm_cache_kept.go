package lint

import "github.com/layerlint/layerlint/internal/shell"

// NpmCacheKept flags npm/yarn/pnpm/bun installs whose download cache stays in
// the layer: no cache clean, no removal and no cache mount in the same RUN.
var NpmCacheKept = &Rule{
	Name:     "NpmCacheKept",
	Doc:      "npm/yarn install without cache clean or a cache mount keeps the download cache in the layer",
	URL:      docURL("NpmCacheKept"),
	Why:      "npm and yarn keep a copy of every package they download (npm in /root/.npm/_cacache, yarn in its cache folder), next to the installed node_modules. The copy ships in the layer and is never used at run time.",
	Bad:      "FROM node:22-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\n",
	Good:     "FROM node:22-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci && npm cache clean --force\n",
	HowToFix: "Clean the cache in the same RUN (`npm cache clean --force`, `yarn cache clean`, `pnpm store prune`, `bun pm cache rm`) or use a cache mount. `--fix` appends the npm or yarn clean to a RUN whose script is its command line.",
	Hadolint: []string{"DL3060"},
	Severity: Warning,
	Run: func(p *Pass) {
		kinds := []string{"npm", "yarn", "pnpm", "bun"}
		for _, st := range p.shippedStages() {
			for _, in := range runsIn(st) {
				if removesCache(in.Script, kinds...) || mountsCache(in, kinds...) || cleansNodeCache(in.Script) {
					continue
				}
				for _, c := range in.Script.Commands {
					w, ok := isNodeInstall(c)
					if !ok {
						continue
					}
					prog := c.Program()
					clean := nodeCleanCommand(prog)
					var bytes *int64
					var fix *Fix
					// npm's and yarn's caches are measured, and their clean
					// removes them whole; pnpm's store prune keeps what the
					// install uses.
					if prog == "npm" || prog == "yarn" {
						bytes = p.leftoverBytes(in.StartLine, prog)
						fix = appendCommandFix(p, in, "Add "+clean+" in the same RUN", clean)
					}
					p.reportBytes(p.WordRange(w), fix, bytes,
						"%s %s keeps its download cache in this layer; add `%s` in the same RUN or use RUN --mount=type=cache",
						prog, w.Text, clean)
					break
				}
			}
		}
	},
}

func nodeCleanCommand(prog string) string {
	switch prog {
	case "yarn":
		return "yarn cache clean"
	case "pnpm":
		return "pnpm store prune"
	case "bun":
		return "bun pm cache rm"
	}
	return "npm cache clean --force"
}

func cleansNodeCache(s *shell.Script) bool {
	for _, c := range s.Commands {
		switch c.Program() {
		case "npm", "yarn", "bun":
			if c.HasArg("cache") && c.HasArg("clean", "rm") {
				return true
			}
		case "pnpm":
			if c.HasArg("store") && c.HasArg("prune") {
				return true
			}
		}
	}
	return false
}
