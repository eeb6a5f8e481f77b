package lint

// NpmCacheKept flags npm/yarn/pnpm installs whose download cache stays in the
// layer: no cache clean and no cache mount in the same RUN.
var NpmCacheKept = &Rule{
	Name:     "NpmCacheKept",
	Doc:      "npm/yarn install without cache clean or a cache mount keeps the download cache in the layer",
	URL:      docURL("NpmCacheKept"),
	Severity: Warning,
	Run: func(p *Pass) {
		caches := []string{"/root/.npm", "/root/.cache/yarn", "/usr/local/share/.cache/yarn", "/root/.yarn", "/root/.local/share/pnpm", "/root/.cache/pnpm", "/root/.bun"}
		for _, st := range shippedStages(p.Dockerfile) {
			for _, in := range runsIn(st) {
				if scriptRemoves(in.Script, caches...) || hasCacheMountAt(in, caches...) || cleansNodeCache(in.Script) {
					continue
				}
				for _, c := range in.Script.Commands {
					w, ok := isNodeInstall(c)
					if !ok {
						continue
					}
					p.reportBytes(p.WordRange(w), nil, p.leftoverBytes(in.StartLine, "npm", "yarn"),
						"%s %s keeps its download cache in this layer; add `%s` in the same RUN or use RUN --mount=type=cache",
						c.Program(), w.Text, nodeCleanCommand(c.Program()))
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

func cleansNodeCache(s *Script) bool {
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
