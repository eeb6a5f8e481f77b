package lint

import (
	"fmt"
	"strings"

	"github.com/layerlint/layerlint/internal/shell"
)

// This file builds CacheBustingCopy's fix: reorder the Dockerfile so that an
// install no longer follows the COPY of the whole context. It moves text
// only when that cannot change what the install sees, and otherwise says why
// not.

// reorderFix returns the fix for the broad COPY cp before the install
// command of run: for a dependency install (manifests != nil), copy the
// manifests that exist in the build context to the COPY's destination and
// run the install before cp; for an install that reads no sources, move the
// RUN above cp. Without a fix it returns the reason.
func reorderFix(p *Pass, st *Stage, cp, run *Instruction, install shell.Command, manifests []string) (*Fix, string) {
	df := p.Dockerfile
	for _, in := range st.Instructions {
		if in.StartLine <= cp.StartLine || in.StartLine >= run.StartLine {
			continue
		}
		switch in.Command {
		case "label", "expose", "cmd", "entrypoint", "healthcheck", "stopsignal", "maintainer":
			continue
		}
		return nil, fmt.Sprintf("the %s on line %d between them may change what the install sees", strings.ToUpper(in.Command), in.StartLine)
	}
	if len(run.Node.Heredocs) > 0 {
		return nil, "the install is in a heredoc"
	}
	srcs, dest, _, _ := cp.CopySources()
	destAbs := resolvePath(workdirAt(st, cp), dest)
	cmds := run.Script.Commands
	k := -1
	cwds := make([]string, 0, len(cmds))
	shell.Walk(run.Script, workdirAt(st, run), func(c shell.Command, cwd string) { cwds = append(cwds, cwd) })
	for i, c := range cmds {
		if len(c.Words) > 0 && len(install.Words) > 0 && c.Words[0].Start == install.Words[0].Start {
			k = i
			break
		}
	}
	if k < 0 || cmds[k].Depth != 0 {
		return nil, "the install runs in a subshell or a nested script"
	}
	for i := 0; i < k; i++ {
		if cmds[i].Depth != 0 || readsSources(cmds[i], cwds[i], destAbs) {
			return nil, fmt.Sprintf("`%s` runs before the install in the same RUN and may need the copied files", commandText(cmds[i]))
		}
	}
	split := manifests != nil && k+1 < len(cmds)
	if split && cmds[k].Op != "&&" && cmds[k].Op != ";" && cmds[k].Op != "\n" {
		return nil, fmt.Sprintf("the install's output goes on with %q to what needs the sources", cmds[k].Op)
	}
	var copyLine string
	if manifests != nil {
		switch {
		case p.Context == "":
			return nil, "the build context is not known (set context: in .layerlint.yaml, or --context)"
		case len(srcs) != 1:
			return nil, "the COPY has more than one source"
		case cwds[k] != destAbs:
			return nil, fmt.Sprintf("the install runs in %s, not in %s where the COPY puts the files", orUnknown(cwds[k]), destAbs)
		}
		files, why := manifestFiles(p.Context, srcs[0], install)
		if why != "" {
			return nil, why
		}
		to := dest
		if !strings.HasSuffix(to, "/") {
			to += "/"
		}
		copyLine = strings.ToUpper(cp.Command) + copyFlags(cp) + " " + strings.Join(files, " ") + " " + to + "\n"
	}
	// The text that moves: the whole RUN with the comments right above it,
	// or, when commands after the install need the sources, the RUN up to
	// the install, which the original RUN then loses.
	start := run.StartLine
	for start-1 > cp.EndLine && strings.HasPrefix(strings.TrimSpace(df.Line(start-1)), "#") {
		start--
	}
	var moved string
	var cut TextEdit
	if split {
		first := df.Offset(Position{run.StartLine, 1})
		moved = string(df.Source[first:commandEnd(cmds[k])])
		from, to := df.Pos(cmds[0].Words[0].Start), df.Pos(cmds[k+1].Words[0].Start)
		cut = TextEdit{StartLine: from.Line, StartCol: from.Col, EndLine: to.Line, EndCol: to.Col}
	} else {
		moved = strings.TrimSuffix(string(df.Source[df.Offset(Position{start, 1}):df.Offset(Position{run.EndLine + 1, 1})]), "\n")
		cut = TextEdit{StartLine: start, StartCol: 1, EndLine: run.EndLine + 1, EndCol: 1}
	}
	insert := TextEdit{StartLine: cp.StartLine, StartCol: 1, EndLine: cp.StartLine, EndCol: 1, NewText: copyLine + moved + "\n"}
	title := fmt.Sprintf("Move the RUN on line %d above this COPY", run.StartLine)
	if manifests != nil {
		title = fmt.Sprintf("Copy the manifests first and run `%s` before copying the rest", commandText(install))
	}
	return &Fix{Title: title, Edits: []TextEdit{insert, cut}, Safe: true}, ""
}

func orUnknown(dir string) string {
	if dir == "" {
		return "a directory not known here"
	}
	return dir
}

// copyFlags returns a COPY's flags that the manifest COPY keeps (owner,
// mode, link), each with a leading space.
func copyFlags(cp *Instruction) string {
	var b strings.Builder
	for _, f := range cp.Flags {
		for _, keep := range []string{"--chown=", "--chmod=", "--link"} {
			if strings.HasPrefix(f, keep) {
				b.WriteString(" " + f)
			}
		}
	}
	return b.String()
}

// commandEnd returns the source offset after a command's last word or
// redirection.
func commandEnd(c shell.Command) int {
	end := 0
	for _, w := range c.Words {
		end = max(end, w.End)
	}
	for _, r := range c.Redirects {
		end = max(end, r.Target.End)
	}
	return end
}

// workdirAt returns the working directory in effect at an instruction of
// the stage.
func workdirAt(st *Stage, at *Instruction) string {
	dir := "/"
	for _, in := range st.Instructions {
		if in == at {
			break
		}
		if in.Command == "workdir" && len(in.Args) > 0 {
			dir = resolvePath(dir, in.Args[0])
		}
	}
	return dir
}

// manifestFiles returns the context paths to copy before a dependency
// install (the manifests that exist, with the lock files and registry
// settings the install reads), or why copying them is not enough.
func manifestFiles(ctx, srcDir string, install shell.Command) ([]string, string) {
	have := func(name string) bool { return inContext(ctx, joinRel(srcDir, name)) }
	read := func(name string) string { return string(readContextFile(ctx, joinRel(srcDir, name))) }
	var required, optional []string
	prog := install.Program()
	switch prog {
	case "npm", "yarn", "pnpm", "bun":
		required = []string{"package.json"}
		optional = map[string][]string{
			"npm":  {"package-lock.json", "npm-shrinkwrap.json", ".npmrc"},
			"yarn": {"yarn.lock", ".yarnrc", ".npmrc"},
			"pnpm": {"pnpm-lock.yaml", ".npmrc"},
			"bun":  {"bun.lockb", "bun.lock", "bunfig.toml", ".npmrc"},
		}[prog]
		pkg := read("package.json")
		switch {
		case strings.Contains(pkg, `"workspaces"`) || have("pnpm-workspace.yaml"):
			return nil, "the project has workspaces, whose manifests live in other directories"
		case prog == "yarn" && have(".yarnrc.yml"):
			return nil, "Yarn 2+ also needs its .yarn directory"
		case !install.HasArg("--ignore-scripts") && hasInstallScript(pkg):
			return nil, "package.json has an install script that may need the sources"
		}
	case "go":
		required, optional = []string{"go.mod"}, []string{"go.sum"}
		if have("go.work") || strings.Contains(read("go.mod"), "=> ./") || strings.Contains(read("go.mod"), "=> ../") {
			return nil, "go.mod replaces modules with local directories"
		}
	case "bundle":
		required, optional = []string{"Gemfile"}, []string{"Gemfile.lock"}
		if g := read("Gemfile"); strings.Contains(g, "gemspec") || strings.Contains(g, "path:") {
			return nil, "the Gemfile reads a gemspec or local paths"
		}
	case "pipenv":
		required, optional = []string{"Pipfile"}, []string{"Pipfile.lock"}
	case "poetry":
		if !install.HasArg("--no-root") {
			return nil, "poetry install also installs the project itself (add --no-root)"
		}
		required, optional = []string{"pyproject.toml"}, []string{"poetry.lock", "poetry.toml"}
	case "uv":
		if install.Subcommand() == "sync" {
			if !install.HasArg("--no-install-project") {
				return nil, "uv sync also installs the project itself (add --no-install-project)"
			}
			required, optional = []string{"pyproject.toml"}, []string{"uv.lock", ".python-version"}
			break
		}
		return requirementsFiles(ctx, srcDir, install)
	case "composer":
		if !install.HasArg("--no-scripts") || !install.HasArg("--no-autoloader") {
			return nil, "composer install runs scripts and builds the autoloader from the sources (add --no-scripts --no-autoloader)"
		}
		required, optional = []string{"composer.json"}, []string{"composer.lock", "auth.json"}
	case "cargo":
		return nil, "cargo needs the crate's sources to build its dependencies (cargo-chef can cook them from a recipe)"
	case "mvn", "mvnw":
		return nil, "copy pom.xml and run mvn dependency:go-offline before copying the sources"
	case "gradle", "gradlew":
		return nil, "copy the build scripts and resolve the dependencies before copying the sources"
	case "dotnet":
		return nil, "the project files' paths are not known"
	default:
		if _, ok := isPipInstall(install); ok {
			return requirementsFiles(ctx, srcDir, install)
		}
		return nil, "the install's inputs are not known"
	}
	var files []string
	for _, f := range required {
		if !have(f) {
			return nil, f + " is not in the build context"
		}
		files = append(files, joinRel(srcDir, f))
	}
	for _, f := range optional {
		if have(f) {
			files = append(files, joinRel(srcDir, f))
		}
	}
	return files, ""
}

// requirementsFiles returns the requirements file of pip install -r, or why
// it is not enough on its own.
func requirementsFiles(ctx, srcDir string, install shell.Command) ([]string, string) {
	r, ok := requirementsArg(install)
	if !ok {
		return nil, "pip installs the project itself, which needs its sources"
	}
	if strings.HasPrefix(r, "/") || strings.Contains(r, "$") {
		return nil, "the requirements file " + r + " is not named relative to the COPY's destination"
	}
	for _, a := range install.Operands() {
		if a.Text == "." || strings.HasPrefix(a.Text, "./") || strings.HasPrefix(a.Text, "../") {
			return nil, "pip also installs " + a.Text + " from the sources"
		}
	}
	body := readContextFile(ctx, joinRel(srcDir, r))
	if body == nil {
		return nil, r + " is not in the build context"
	}
	for _, line := range strings.Split(string(body), "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "-e") || strings.HasPrefix(l, "--editable") || strings.HasPrefix(l, "-r") || strings.HasPrefix(l, "-c") ||
			strings.HasPrefix(l, "--requirement") || strings.HasPrefix(l, "--constraint") || strings.HasPrefix(l, ".") ||
			strings.HasPrefix(l, "/") || strings.Contains(l, "file:") {
			return nil, r + " refers to other local files (" + strings.Fields(l)[0] + ")"
		}
	}
	return []string{joinRel(srcDir, r)}, ""
}

// hasInstallScript reports whether a package.json declares a script npm,
// yarn, pnpm or bun run on install.
func hasInstallScript(pkg string) bool {
	for _, s := range []string{`"preinstall"`, `"install"`, `"postinstall"`, `"prepare"`} {
		if strings.Contains(pkg, s) {
			return true
		}
	}
	return false
}

// firstPackageInstall returns the first command of a RUN that installs
// packages from a registry by name (apt-get install, apk add, dnf install,
// pip install NAME, npm install -g, yarn global add, gem install, go install
// PKG@VERSION, cargo install CRATE).
func firstPackageInstall(in *Instruction) (shell.Command, bool) {
	for _, c := range in.Script.Commands {
		if isPackageInstall(c) {
			return c, true
		}
	}
	return shell.Command{}, false
}

func isPackageInstall(c shell.Command) bool {
	sub := c.Subcommand()
	switch c.Program() {
	case "apt-get", "apt", "aptitude":
		return sub == "install"
	case "apk":
		return sub == "add"
	case "yum", "dnf", "microdnf", "dnf5", "tdnf", "zypper":
		return sub == "install" || sub == "in"
	case "npm":
		return (sub == "install" || sub == "i") && c.HasArg("-g", "--global")
	case "yarn":
		return sub == "global"
	case "gem":
		return sub == "install"
	case "go":
		return sub == "install"
	case "cargo":
		return sub == "install"
	}
	if _, ok := isPipInstall(c); ok {
		_, r := requirementsArg(c)
		return !r
	}
	return false
}

// runReadsSources reports whether any command of a RUN may read or change
// what the broad COPY cp brought in, so that it cannot move above cp.
func runReadsSources(st *Stage, cp, run *Instruction) bool {
	_, dest, _, _ := cp.CopySources()
	destAbs := resolvePath(workdirAt(st, cp), dest)
	reads := false
	shell.Walk(run.Script, workdirAt(st, run), func(c shell.Command, cwd string) {
		reads = reads || readsSources(c, cwd, destAbs)
	})
	return reads
}

// noSourcePrograms never read the build context given no path into the
// copied files.
var noSourcePrograms = map[string]bool{
	"set": true, "true": true, "echo": true, "mkdir": true, "rm": true, "ln": true, "chmod": true, "chown": true,
	"useradd": true, "groupadd": true, "adduser": true, "addgroup": true, "usermod": true, "apt-mark": true,
	"locale-gen": true, "update-locale": true, "dpkg-reconfigure": true, "update-ca-certificates": true,
	"ldconfig": true, "export": true, "update-alternatives": true,
}

// readsSources reports whether a command may read or change files under
// dest, the COPY's destination: every command not known to read no sources,
// and known ones with a path operand or redirection into dest.
func readsSources(c shell.Command, cwd, dest string) bool {
	prog := c.Program()
	switch {
	case prog == "":
	case noSourcePrograms[prog], isPackageInstall(c), isApt(c, "update", "upgrade", "clean", "autoremove", "purge", "remove", "dist-upgrade"),
		prog == "apk" || prog == "yum" || prog == "dnf" || prog == "microdnf" || prog == "zypper":
	default:
		return true
	}
	touches := func(p string) bool {
		if !isPathLike(p) {
			return false
		}
		abs := shell.Resolve(cwd, p)
		return abs == "" || dest == "/" || abs == dest || strings.HasPrefix(abs, dest+"/") || strings.HasPrefix(dest, abs+"/")
	}
	for _, w := range c.Args() {
		if touches(w.Text) {
			return true
		}
	}
	for _, r := range c.Redirects {
		if touches(r.Target.Text) {
			return true
		}
	}
	return false
}

// isPathLike reports whether an operand names a file rather than a package,
// a user or a mode.
func isPathLike(s string) bool {
	switch {
	case s == "." || s == ".." || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~"):
		return true
	case strings.Contains(s, "://") || strings.HasPrefix(s, "@") || strings.Contains(s, "@") || strings.HasPrefix(s, "-"):
		return false
	}
	for _, ext := range []string{".deb", ".rpm", ".apk", ".whl", ".tar.gz", ".tgz", ".zip"} {
		if strings.HasSuffix(s, ext) {
			return true
		}
	}
	return strings.Contains(s, "/")
}
