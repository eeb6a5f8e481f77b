package lint

import (
	"fmt"
	"strings"

	"github.com/layerlint/layerlint/internal/shell"
	"github.com/layerlint/layerlint/layerdiff"
)

// CacheBustingCopy flags a COPY/ADD of the whole build context (or of a
// directory holding a dependency manifest) placed before an install, so that
// any source change re-runs the install: a dependency install fed by the
// manifests (npm ci, pip install -r, go mod download, ...), or an install that
// reads no sources at all (apt-get install, apk add, yarn global add, ...).
// Its fix reorders the Dockerfile: the manifests that exist in the build
// context are copied first and the install runs before the broad COPY; an
// install that reads no sources moves above it. An install whose
// dependencies an earlier RUN already fetched (cargo fetch or cargo chef
// cook, then COPY . ., then cargo build) is the fix, not the problem.
var CacheBustingCopy = &Rule{
	Name:     "CacheBustingCopy",
	Doc:      "COPY of the whole context before the dependency install it feeds: every source change re-runs the install",
	URL:      docURL("CacheBustingCopy"),
	Why:      "BuildKit and buildah reuse a step from their cache only while everything before it is unchanged. A `COPY . .` takes the whole build context, so any edit to any source file invalidates it and every step after it: an install placed there downloads and installs all dependencies again on every build, though the manifests did not change. An install that reads no sources at all (`apt-get install`, `apk add`, `yarn global add`) has even less reason to follow the COPY. With an image, the message says how big the install's layer is: that is what every source edit rebuilds.",
	Bad:      "FROM node:22-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"index.js\"]\n",
	Good:     "FROM node:22-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"index.js\"]\n",
	HowToFix: "Copy the dependency manifests first, install, then copy the rest; move an install that reads no sources above the COPY. `--fix` (and the editor's quick fix) does this when it is safe: the build context is known (`context:` or `--context`), the manifests exist there and are not excluded by `.dockerignore`, nothing between the COPY and the install can change what the install sees, and the install needs nothing else from the sources (no workspaces, install scripts, local requirements, `poetry install` without `--no-root`, ...). Otherwise the message says why there is no automatic fix. Commands after the install in the same RUN (`npm ci && npm run build`) stay after the COPY.",
	Severity: Warning,
	Run: func(p *Pass) {
		for _, st := range p.Dockerfile.Stages {
			var broad []*Instruction
			// prepared holds the ecosystems (by first manifest) whose
			// dependencies a RUN fetched before any broad COPY.
			prepared := map[string]bool{}
			for _, in := range st.Instructions {
				if in.Command == "copy" || in.Command == "add" {
					if isBroadCopy(p, in) {
						broad = append(broad, in)
					}
					continue
				}
				if in.Script == nil {
					continue
				}
				if len(broad) > 0 && !runReadsSources(st, broad[len(broad)-1], in) {
					if c, ok := firstPackageInstall(in); ok {
						reportCacheBust(p, st, broad, in, c, nil)
						continue
					}
				}
				for _, c := range in.Script.Commands {
					manifests, ok := dependencyInstall(c)
					if !ok {
						continue
					}
					if len(broad) == 0 {
						prepared[manifests[0]] = true
						continue
					}
					if prepared[manifests[0]] {
						continue
					}
					reportCacheBust(p, st, broad, in, c, manifests)
					broad = nil
					break
				}
			}
		}
	},
}

// reportCacheBust reports each broad COPY before the install c of run, with
// the reorder fix when there is one broad COPY and moving is safe, and the
// reason there is no fix otherwise. manifests is nil for an install that
// reads no sources.
func reportCacheBust(p *Pass, st *Stage, broad []*Instruction, run *Instruction, c shell.Command, manifests []string) {
	cost := ""
	if f, ok := p.Facts(run.StartLine); ok {
		cost = fmt.Sprintf("; the %s install on line %d re-runs on every source edit", layerdiff.FormatSize(f.Size), run.StartLine)
	}
	for _, b := range broad {
		var fix *Fix
		why := "more than one COPY brings in the whole context before it"
		if len(broad) == 1 {
			fix, why = reorderFix(p, st, b, run, c, manifests)
		}
		note := ""
		if fix == nil {
			note = " (no automatic fix: " + why + ")"
		}
		if manifests == nil {
			p.Reportf(b.FirstLineRange(p.Dockerfile), fix,
				"COPY of the whole context before `%s` on line %d, which reads no sources: every source change re-runs it; move that RUN above this COPY%s%s",
				commandText(c), run.StartLine, cost, note)
			continue
		}
		p.Reportf(b.FirstLineRange(p.Dockerfile), fix,
			"COPY of the whole context before `%s` on line %d: every source change re-runs the dependency download; copy %s first, %s, then copy the rest%s%s",
			commandText(c), run.StartLine, strings.Join(manifests, ", "), fetchStep(c), cost, note)
	}
}

// fetchStep says how to fetch an ecosystem's dependencies once the manifests
// are in: the install itself, or for a build tool the step that only
// downloads (cargo fetch, mvn dependency:go-offline).
func fetchStep(c shell.Command) string {
	switch c.Program() {
	case "cargo":
		if c.Subcommand() == "build" {
			return "fetch the dependencies (cargo fetch, or cargo chef cook)"
		}
	case "mvn", "mvnw":
		if !strings.HasPrefix(c.Subcommand(), "dependency:") {
			return "resolve the dependencies (mvn dependency:go-offline)"
		}
	case "gradle", "gradlew":
		return "resolve the dependencies"
	case "dotnet":
		return "run dotnet restore"
	}
	return "install"
}

// commandText is the program and its first operand, for messages.
func commandText(c shell.Command) string {
	t := c.Program()
	ops := c.Operands()
	if len(ops) > 0 {
		t += " " + ops[0].Text
		if (ops[0].Text == "global" || ops[0].Text == "-m") && len(ops) > 1 {
			t += " " + ops[1].Text
		}
	}
	return t
}

// isBroadCopy reports whether a COPY/ADD brings in the whole context, or a
// directory the build context shows holding a dependency manifest.
func isBroadCopy(p *Pass, in *Instruction) bool {
	srcs, _, fromOther, ok := in.CopySources()
	if !ok || fromOther {
		return false
	}
	for _, s := range srcs {
		switch strings.TrimSuffix(s, "/") {
		case ".", "./", "*", "./*", "":
			return true
		}
		if p.Context != "" && !strings.ContainsAny(s, "*?[$") && !strings.Contains(s, "://") {
			if isContextDir(p.Context, s) {
				for _, m := range allManifests {
					if inContext(p.Context, joinRel(s, m)) {
						return true
					}
				}
			}
		}
	}
	return false
}

var allManifests = []string{"package.json", "requirements.txt", "pyproject.toml", "Pipfile", "go.mod", "Gemfile", "composer.json", "Cargo.toml", "pom.xml", "build.gradle", "build.gradle.kts"}

// dependencyInstall recognises a command that installs dependencies from a
// manifest and names the files to copy before it.
func dependencyInstall(c shell.Command) ([]string, bool) {
	prog, sub := c.Program(), c.Subcommand()
	operands := len(c.Operands())
	switch prog {
	case "npm":
		if (sub == "install" || sub == "i" || sub == "ci") && operands == 1 && !c.HasArg("-g", "--global") {
			return []string{"package.json", "package-lock.json"}, true
		}
	case "yarn":
		if sub == "" || sub == "install" && operands == 1 {
			return []string{"package.json", "yarn.lock"}, true
		}
	case "pnpm":
		if (sub == "install" || sub == "i") && operands == 1 {
			return []string{"package.json", "pnpm-lock.yaml"}, true
		}
	case "bun":
		if (sub == "install" || sub == "i") && operands == 1 {
			return []string{"package.json", "bun.lockb"}, true
		}
	case "poetry":
		if sub == "install" {
			return []string{"pyproject.toml", "poetry.lock"}, true
		}
	case "pipenv":
		if (sub == "install" || sub == "sync") && operands == 1 {
			return []string{"Pipfile", "Pipfile.lock"}, true
		}
	case "uv":
		if sub == "sync" {
			return []string{"pyproject.toml", "uv.lock"}, true
		}
		if sub == "pip" {
			if r, ok := requirementsArg(c); ok {
				return []string{r}, true
			}
		}
	case "go":
		if sub == "mod" && c.HasArg("download") {
			return []string{"go.mod", "go.sum"}, true
		}
	case "bundle":
		if sub == "" || sub == "install" {
			return []string{"Gemfile", "Gemfile.lock"}, true
		}
	case "composer":
		if sub == "install" {
			return []string{"composer.json", "composer.lock"}, true
		}
	case "cargo":
		if sub == "fetch" || sub == "build" || sub == "chef" && c.HasArg("cook") {
			return []string{"Cargo.toml", "Cargo.lock"}, true
		}
	case "mvn", "mvnw":
		if sub != "" {
			return []string{"pom.xml"}, true
		}
	case "gradle", "gradlew":
		if sub != "" {
			return []string{"build.gradle", "settings.gradle"}, true
		}
	case "dotnet":
		if sub == "restore" {
			return []string{"the *.csproj files"}, true
		}
	}
	if _, ok := isPipInstall(c); ok {
		if r, ok := requirementsArg(c); ok {
			return []string{r}, true
		}
		for _, a := range c.Args() {
			if a.Text == "." || a.Text == "./" {
				return []string{"pyproject.toml (or setup.py)"}, true
			}
		}
	}
	return nil, false
}

// requirementsArg returns the file given with -r/--requirement.
func requirementsArg(c shell.Command) (string, bool) {
	if w, ok := c.OptionValue("-r", "--requirement"); ok {
		return w.Text, true
	}
	return "", false
}
