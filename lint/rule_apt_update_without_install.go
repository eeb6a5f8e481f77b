package lint

// AptUpdateWithoutInstall flags apt-get update in a RUN that installs nothing:
// the index is cached in that layer and goes stale, so a later install in
// another RUN may fetch packages that no longer exist.
var AptUpdateWithoutInstall = &Rule{
	Name:     "AptUpdateWithoutInstall",
	Doc:      "apt-get update in a RUN with no apt-get install: the cached index goes stale",
	URL:      docURL("AptUpdateWithoutInstall"),
	Severity: Warning,
	Run: func(p *Pass) {
		for _, in := range p.Dockerfile.Instructions {
			if in.Script == nil {
				continue
			}
			var update *Command
			installs := false
			for i, c := range in.Script.Commands {
				if isApt(c, "update") && update == nil {
					update = &in.Script.Commands[i]
				}
				if isApt(c, "install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "source", "reinstall") {
					installs = true
				}
			}
			if update != nil && !installs {
				p.Reportf(p.CommandRange(*update), nil,
					"apt-get update without an install in the same RUN: the index cached in this layer goes stale; run it together with apt-get install")
			}
		}
	},
}
