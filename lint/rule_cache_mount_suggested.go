package lint

import (
	"fmt"

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
		for _, in := range p.Dockerfile.Instructions {
			if in.Script == nil || in.HasCacheMount() {
				continue
			}
			for _, c := range in.Script.Commands {
				target, ok := cacheTarget(c)
				if !ok {
					continue
				}
				kw := p.Dockerfile.LinesRange(in.StartLine, in.StartLine).Start
				kwEnd := Position{Line: kw.Line, Col: kw.Col + len(in.Node.Value)}
				mount := fmt.Sprintf(" --mount=type=cache,target=%s", target)
				p.Reportf(p.CommandRange(c), &Fix{
					Title: "Add" + mount,
					Edits: []TextEdit{{StartLine: kwEnd.Line, StartCol: kwEnd.Col, EndLine: kwEnd.Line, EndCol: kwEnd.Col, NewText: mount}},
				}, "`%s` downloads into %s on every rebuild; RUN%s keeps that cache across builds and out of the image",
					commandText(c), target, mount)
				break
			}
		}
	},
}

// cacheTarget returns where a dependency tool keeps its download or build
// cache.
func cacheTarget(c shell.Command) (string, bool) {
	switch c.Program() {
	case "go":
		switch c.Subcommand() {
		case "build", "install", "test":
			return "/root/.cache/go-build", true
		case "mod":
			if c.HasArg("download") {
				return "/go/pkg/mod", true
			}
		}
	case "cargo":
		if s := c.Subcommand(); s == "build" || s == "fetch" || s == "install" {
			return "/usr/local/cargo/registry", true
		}
	case "mvn", "mvnw":
		return "/root/.m2", c.Subcommand() != ""
	case "gradle", "gradlew":
		return "/root/.gradle", c.Subcommand() != ""
	}
	return "", false
}
