package lint

import (
	"strings"

	"github.com/layerlint/layerlint/internal/shell"
)

// AptUpdateWithoutInstall flags apt-get update in a RUN that installs nothing:
// the index is cached in that layer and goes stale, so a later install in
// another RUN may fetch packages that no longer exist. An index kept in a
// cache mount (RUN --mount=type=cache,target=/var/lib/apt) is not in the
// layer, and a RUN that hands over to a script may install there.
var AptUpdateWithoutInstall = &Rule{
	Name:     "AptUpdateWithoutInstall",
	Doc:      "apt-get update in a RUN with no apt-get install: the cached index goes stale",
	URL:      docURL("AptUpdateWithoutInstall"),
	Why:      "`apt-get update` stores the package index in the layer of its RUN. When the install runs in a later RUN, the cached update layer is reused for months while the mirror moves on, and the install fails on packages that no longer exist or installs outdated ones. An index kept in a cache mount is not in the layer, and a RUN that runs a script after the update may install there.",
	Bad:      "FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
	Good:     "FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
	HowToFix: "Run `apt-get update` and `apt-get install` in the same RUN.",
	Severity: Warning,
	Run: func(p *Pass) {
		for _, in := range p.Dockerfile.Instructions {
			// An index kept in a cache mount, or removed again, is not
			// cached in the layer.
			if in.Script == nil || mountsCache(in, "apt-lists") || removesCache(in.Script, "apt-lists") || aptDistCleans(in.Script) {
				continue
			}
			var update *shell.Command
			installs := false
			for i, c := range in.Script.Commands {
				if isApt(c, "update") && update == nil {
					update = &in.Script.Commands[i]
				}
				if isApt(c, "install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "source", "reinstall", "satisfy") ||
					mayInstall(c) {
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

// mayInstall reports whether a command may install packages out of sight:
// a script it runs (./install.sh, bash setup.sh) or a helper that wraps apt
// (install_packages, apt-fast, nala).
func mayInstall(c shell.Command) bool {
	prog := c.Program()
	switch prog {
	case "install_packages", "apt-fast", "nala", "apt-install", "clean-install":
		return true
	}
	if shell.Shells[prog] {
		for _, a := range c.Args() {
			if strings.HasPrefix(a.Text, "-") && strings.HasSuffix(a.Text, "c") {
				return false // sh -c: its commands are read as they are
			}
		}
		return len(c.Operands()) > 0
	}
	i := c.ProgramIndex()
	return i >= 0 && (strings.HasPrefix(c.Words[i].Text, "./") || strings.HasSuffix(prog, ".sh"))
}
