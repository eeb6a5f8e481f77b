package lint

import "github.com/layerlint/layerlint/internal/shell"

// YumCacheKept flags yum/dnf/zypper installs without a clean in the same RUN.
var YumCacheKept = &Rule{
	Name:     "YumCacheKept",
	Doc:      "yum/dnf/zypper install without a clean in the same RUN keeps metadata and packages in the layer",
	URL:      docURL("YumCacheKept"),
	Why:      "yum, dnf and zypper keep repository metadata and downloaded packages in /var/cache; without a clean in the same RUN they stay in the layer.",
	Bad:      "FROM rockylinux:9\nRUN dnf install -y git\n",
	Good:     "FROM rockylinux:9\nRUN dnf install -y git && dnf clean all\n",
	HowToFix: "End the same RUN with `yum clean all`, `dnf clean all` or `zypper clean -a`, or use a cache mount at /var/cache/dnf.",
	Hadolint: []string{"DL3032", "DL3036", "DL3040"},
	Severity: Warning,
	Run: func(p *Pass) {
		kinds := []string{"yum", "dnf", "zypper"}
		for _, st := range p.shippedStages() {
			for _, in := range runsIn(st) {
				if removesCache(in.Script, kinds...) || mountsCache(in, kinds...) {
					continue
				}
				var at *shell.Word
				cleaned := false
				for _, c := range in.Script.Commands {
					prog, sub := c.Program(), c.Subcommand()
					switch prog {
					case "yum", "dnf", "microdnf", "dnf5", "tdnf":
						if sub == "clean" {
							cleaned = true
						}
						if sub == "install" || sub == "update" || sub == "upgrade" || sub == "groupinstall" || sub == "reinstall" || sub == "localinstall" {
							if c.HasArg("--setopt=keepcache=0") && prog != "yum" {
								continue
							}
							if w, ok := c.Arg(sub); ok && at == nil {
								at = &w
							}
						}
					case "zypper":
						if sub == "clean" || sub == "cc" {
							cleaned = true
						}
						if sub == "install" || sub == "in" || sub == "update" || sub == "up" {
							if w, ok := c.Arg(sub); ok && at == nil {
								at = &w
							}
						}
					}
				}
				if at != nil && !cleaned {
					p.reportBytes(p.WordRange(*at), nil, p.leftoverBytes(in.StartLine, kinds...), "package install without a clean keeps the package cache in this layer; add `yum clean all` (dnf clean all, zypper clean -a) in the same RUN")
				}
			}
		}
	},
}
