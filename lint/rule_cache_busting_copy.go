package lint

import (
	"github.com/layerlint/layerlint/internal/shell"
	"os"
	"path/filepath"
	"strings"
)

// CacheBustingCopy flags a COPY/ADD of the whole build context (or of a
// directory holding the dependency manifest) placed before the dependency
// install it feeds: any source change then re-runs the install. An install
// whose dependencies an earlier RUN of the stage already fetched (cargo fetch
// or cargo chef cook, then COPY . ., then cargo build) is the fix, not the
// problem.
var CacheBustingCopy = &Rule{
	Name:     "CacheBustingCopy",
	Doc:      "COPY of the whole context before the dependency install it feeds: every source change re-runs the install",
	URL:      docURL("CacheBustingCopy"),
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
					for _, b := range broad {
						p.Reportf(b.FirstLineRange(p.Dockerfile), nil,
							"COPY of the whole context before `%s` on line %d: every source change re-runs the install; copy %s first, install, then copy the rest",
							commandText(c), in.StartLine, strings.Join(manifests, ", "))
					}
					broad = nil
					break
				}
			}
		}
	},
}

// commandText is the program and its first argument, for messages.
func commandText(c shell.Command) string {
	t := c.Program()
	if args := c.Args(); len(args) > 0 {
		t += " " + args[0].Text
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
			dir := filepath.Join(p.Context, filepath.FromSlash(s))
			if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
				for _, m := range allManifests {
					if _, err := os.Stat(filepath.Join(dir, m)); err == nil {
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
	positional := 0
	for _, a := range c.Args() {
		if !strings.HasPrefix(a.Text, "-") {
			positional++
		}
	}
	switch prog {
	case "npm":
		if (sub == "install" || sub == "i" || sub == "ci") && positional == 1 {
			return []string{"package.json", "package-lock.json"}, true
		}
	case "yarn":
		if sub == "" || sub == "install" && positional == 1 {
			return []string{"package.json", "yarn.lock"}, true
		}
	case "pnpm":
		if (sub == "install" || sub == "i") && positional == 1 {
			return []string{"package.json", "pnpm-lock.yaml"}, true
		}
	case "bun":
		if (sub == "install" || sub == "i") && positional == 1 {
			return []string{"package.json", "bun.lockb"}, true
		}
	case "poetry":
		if sub == "install" {
			return []string{"pyproject.toml", "poetry.lock"}, true
		}
	case "pipenv":
		if (sub == "install" || sub == "sync") && positional == 1 {
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
	args := c.Args()
	for i, a := range args {
		if (a.Text == "-r" || a.Text == "--requirement") && i+1 < len(args) {
			return args[i+1].Text, true
		}
		if v, ok := strings.CutPrefix(a.Text, "--requirement="); ok {
			return v, true
		}
		if v, ok := strings.CutPrefix(a.Text, "-r"); ok && v != "" {
			return v, true
		}
	}
	return "", false
}
