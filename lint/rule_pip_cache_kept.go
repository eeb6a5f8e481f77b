package lint

import "strings"

// PipCacheKept flags pip install without --no-cache-dir: pip keeps every
// downloaded wheel under /root/.cache/pip in the layer.
var PipCacheKept = &Rule{
	Name:     "PipCacheKept",
	Doc:      "pip install without --no-cache-dir keeps downloaded wheels in the layer",
	URL:      docURL("PipCacheKept"),
	Why:      "pip keeps every wheel and source archive it downloads in /root/.cache/pip, often as large as the installed packages themselves, and nothing in the image ever reads them again.",
	Bad:      "FROM python:3.12-slim\nRUN pip install flask\n",
	Good:     "FROM python:3.12-slim\nRUN pip install --no-cache-dir flask\n",
	HowToFix: "Use `pip install --no-cache-dir` (applied by `--fix`), set `ENV PIP_NO_CACHE_DIR=1`, or use a cache mount at /root/.cache/pip.",
	Hadolint: []string{"DL3042"},
	Severity: Warning,
	Run: func(p *Pass) {
		for _, st := range p.shippedStages() {
			for _, in := range runsIn(st) {
				if removesCache(in.Script, "pip") || mountsCache(in, "pip") || pipCacheOff(st, in) {
					continue
				}
				for _, c := range in.Script.Commands {
					install, ok := isPipInstall(c)
					if !ok || c.HasArg("--no-cache-dir", "--no-cache") || c.Assigns("PIP_NO_CACHE_DIR") {
						continue
					}
					p.reportBytes(p.WordRange(install), &Fix{
						Title: "Use pip install --no-cache-dir",
						Edits: []TextEdit{p.InsertAfter(install, " --no-cache-dir")},
						Safe:  true,
					}, p.leftoverBytes(in.StartLine, "pip"), "pip install without --no-cache-dir keeps downloaded packages in /root/.cache/pip in this layer")
				}
			}
		}
	},
}

// pipCacheOff reports whether ENV PIP_NO_CACHE_DIR turns the cache off.
func pipCacheOff(st *Stage, in *Instruction) bool {
	v, ok := stageEnv(st, in, "PIP_NO_CACHE_DIR")
	if !ok {
		return false
	}
	v = strings.ToLower(strings.Trim(v, `"'`))
	// pip reads any of these as "no cache"; historically even "off"/"0" did.
	return v != "" && v != "false"
}
