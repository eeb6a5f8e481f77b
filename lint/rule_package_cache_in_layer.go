package lint

import (
	"fmt"
	"strings"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/history"
)

// cacheAdvice says how to keep each package manager's cache out of a layer.
var cacheAdvice = map[string]string{
	"apt-lists": "rm -rf /var/lib/apt/lists/* in the same RUN",
	"apt":       "apt-get clean in the same RUN",
	"apk":       "apk add --no-cache",
	"pip":       "pip install --no-cache-dir",
	"npm":       "npm cache clean --force in the same RUN",
	"yarn":      "yarn cache clean in the same RUN",
	"yum":       "yum clean all in the same RUN",
	"dnf":       "dnf clean all in the same RUN",
	"zypper":    "zypper clean --all in the same RUN",
	"pnpm":      "a cache mount (RUN --mount=type=cache,target=/root/.local/share/pnpm/store)",
	"bun":       "bun pm cache rm in the same RUN",
	"composer":  "composer clear-cache in the same RUN",
	"go":        "a cache mount (RUN --mount=type=cache,target=/root/.cache/go-build)",
	"cargo":     "a cache mount (RUN --mount=type=cache,target=/usr/local/cargo/registry)",
}

// PackageCacheInLayer flags a layer that keeps package-manager caches (apt
// lists, pip wheels, npm's cache, ...), as measured in the image: whatever the
// Dockerfile says, these bytes shipped.
var PackageCacheInLayer = &Rule{
	Name:       "PackageCacheInLayer",
	Doc:        "a layer keeps package-manager caches (apt, apk, pip, npm, yum, ...) (measured in the image)",
	URL:        docURL("PackageCacheInLayer"),
	Why:        "Package managers leave caches behind (apt lists and archives, pip wheels, npm's cache, ...). Measured in the image, this counts the bytes each layer keeps in the cache directories layerlint knows, whatever the Dockerfile says.",
	HowToFix:   "Clean each cache in the instruction that fills it, as the message says, or use cache mounts.",
	Severity:   Warning,
	NeedsImage: true,
	Settings: []Setting{{Name: "threshold", Default: "1MB",
		Doc: "report layers with at least this many bytes of caches (a number or a size such as 10MB)"}},
	Run: func(p *Pass) {
		threshold := max(p.sizeSetting("threshold"), 1)
		for _, in := range p.layerInstructions() {
			f, ok := p.Facts(in.StartLine)
			if !ok || f.CacheBytes < threshold {
				continue
			}
			var kinds, advice []string
			for _, k := range history.LeftoverKinds(f.Leftovers) {
				if k == "tmp" || f.Leftovers[k] == 0 {
					continue
				}
				kinds = append(kinds, fmt.Sprintf("%s %s", k, layerdiff.FormatSize(f.Leftovers[k])))
				if a, ok := cacheAdvice[k]; ok {
					advice = append(advice, a)
				}
			}
			if len(advice) == 0 {
				advice = append(advice, "a cleanup in the same instruction")
			}
			p.reportBytes(in.FirstLineRange(p.Dockerfile), nil, &f.CacheBytes,
				"this %s leaves %s of package caches in its layer (%s); use %s",
				strings.ToUpper(in.Command), layerdiff.FormatSize(f.CacheBytes), strings.Join(kinds, ", "), strings.Join(advice, "; "))
		}
	},
}
