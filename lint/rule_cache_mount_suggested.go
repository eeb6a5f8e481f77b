package lint

import (
	"fmt"
	"strings"

	"github.com/layerlint/layerlint/internal/shell"
)

// CacheMountSuggested suggests RUN --mount=type=cache for dependency
// downloads and compiles: the cache then survives across builds without
// entering the image.
var CacheMountSuggested = &Rule{
	Name:     "CacheMountSuggested",
	Doc:      "dependency install or compile without RUN --mount=type=cache re-downloads everything on each rebuild",
	URL:      docURL("CacheMountSuggested"),
	Why:      "Without a cache mount, a dependency download or a compile starts from nothing whenever its step re-runs. `RUN --mount=type=cache` keeps the tool's cache between builds, outside the image.",
	Bad:      "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n",
	Good:     "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\n",
	HowToFix: "Add `--mount=type=cache,target=DIR` for the tool's cache directory (the quick fix does).",
	Severity: Info,
	Run: func(p *Pass) {
		for _, st := range p.Dockerfile.Stages {
			// filled holds the cache directories an earlier RUN of the
			// stage left in a layer: later steps read them from there, and
			// a cache mount would hide them.
			filled := map[string]bool{}
			for _, in := range runsIn(st) {
				for _, c := range in.Script.Commands {
					if dir, ok := layerCacheFill(c); ok && !hasMountAt(in, dir) {
						filled[dir] = true
					}
					target, ok := cacheTarget(c)
					if !ok || in.HasCacheMount() || filled[target] {
						continue
					}
					filled[target] = true
					kw := p.Dockerfile.LinesRange(in.StartLine, in.StartLine).Start
					kwEnd := Position{Line: kw.Line, Col: kw.Col + len(in.Node.Value)}
					mount := fmt.Sprintf(" --mount=type=cache,target=%s", target)
					p.Reportf(p.CommandRange(c), &Fix{
						Title: "Add" + mount,
						Edits: []TextEdit{{StartLine: kwEnd.Line, StartCol: kwEnd.Col, EndLine: kwEnd.Line, EndCol: kwEnd.Col, NewText: mount}},
					}, "`%s` starts from an empty %s on every rebuild; RUN%s keeps that cache across builds and out of the image",
						commandText(c), target, mount)
					break
				}
			}
		}
	},
}

// layerCacheFill returns the cache directory a step fills on purpose, to
// keep the dependencies in its layer for the steps after it: go mod
// download, cargo fetch, mvn dependency:*, and gradle tasks that download.
func layerCacheFill(c shell.Command) (string, bool) {
	sub := c.Subcommand()
	switch c.Program() {
	case "go":
		if sub == "mod" && c.HasArg("download") {
			return "/go/pkg/mod", true
		}
	case "cargo":
		if sub == "fetch" {
			return "/usr/local/cargo/registry", true
		}
	case "mvn", "mvnw":
		if strings.HasPrefix(sub, "dependency:") {
			return "/root/.m2", true
		}
	case "gradle", "gradlew":
		if sub == "dependencies" || strings.Contains(strings.ToLower(sub), "download") {
			return "/root/.gradle", true
		}
	}
	return "", false
}

// cacheTarget returns where a build tool keeps its download or build cache.
// A step whose purpose is to fill a layer with the dependencies (go mod
// download, cargo fetch, mvn dependency:go-offline, gradle dependencies) is
// not one: the later steps read that layer, and a cache mount on it alone
// would leave them without.
func cacheTarget(c shell.Command) (string, bool) {
	sub := c.Subcommand()
	switch c.Program() {
	case "go":
		switch sub {
		case "build", "install", "test":
			return "/root/.cache/go-build", true
		}
	case "cargo":
		if sub == "build" || sub == "install" {
			return "/usr/local/cargo/registry", true
		}
	case "mvn", "mvnw":
		if strings.HasPrefix(sub, "dependency:") {
			return "", false
		}
		return "/root/.m2", sub != ""
	case "gradle", "gradlew":
		if _, fill := layerCacheFill(c); fill {
			return "", false
		}
		return "/root/.gradle", sub != ""
	}
	return "", false
}
