package lint

// ApkCacheKept flags apk add without --no-cache (or a removal of
// /var/cache/apk or a cache mount), which keeps the index in the layer.
var ApkCacheKept = &Rule{
	Name:     "ApkCacheKept",
	Doc:      "apk add without --no-cache keeps the package index in the layer",
	URL:      docURL("ApkCacheKept"),
	Why:      "`apk add` keeps the package index it downloaded in /var/cache/apk. `--no-cache` fetches the index to a temporary place and leaves nothing behind.",
	Bad:      "FROM alpine:3.20\nRUN apk add curl\n",
	Good:     "FROM alpine:3.20\nRUN apk add --no-cache curl\n",
	HowToFix: "Use `apk add --no-cache` (applied by `--fix`), or a cache mount at /var/cache/apk.",
	Hadolint: []string{"DL3019"},
	Severity: Warning,
	Run: func(p *Pass) {
		for _, st := range p.shippedStages() {
			for _, in := range runsIn(st) {
				if removesCache(in.Script, "apk") || mountsCache(in, "apk") {
					continue
				}
				for _, c := range in.Script.Commands {
					// --no-network installs from what is already there
					// (docker-library's runtime deps): it fetches no index.
					if c.Program() != "apk" || c.Subcommand() != "add" || c.HasArg("--no-cache", "--no-network") {
						continue
					}
					add, _ := c.Arg("add")
					p.reportBytes(p.WordRange(add), &Fix{
						Title: "Use apk add --no-cache",
						Edits: []TextEdit{p.InsertAfter(add, " --no-cache")},
						Safe:  true,
					}, p.leftoverBytes(in.StartLine, "apk"), "apk add without --no-cache keeps the package index in this layer")
				}
			}
		}
	},
}
