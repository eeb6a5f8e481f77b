package lint

import (
	"bytes"
	"path"
	"regexp"
	"strings"

	"github.com/layerlint/layerlint/internal/shell"
)

// BuildToolsInFinalStage flags compilers and build tools that a shipped
// image installs, uses to build, and keeps: build in an earlier stage and
// copy the result. Each leaf stage (or the --target stage) is an image; an
// image whose purpose is the toolchain is left alone: one that runs a shell,
// a compiler or nothing of its own (no CMD or ENTRYPOINT: a development or
// base image), an ONBUILD image, and one that installs the tools without
// building anything with them, for use at run time.
var BuildToolsInFinalStage = &Rule{
	Name:     "BuildToolsInFinalStage",
	Doc:      "compilers and build tools that an application image used to build and kept ship with it; build in an earlier stage",
	URL:      docURL("BuildToolsInFinalStage"),
	Why:      "Compilers and build tools installed in a stage that ships stay in the image: hundreds of megabytes that the application does not run, and more to patch. Images whose purpose is the toolchain (a compiler or development image, a notebook, an image that builds at run time) need them and are not flagged: layerlint looks for an image that runs an application, and tools that a RUN used to build something.",
	Bad:      "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*\nRUN pip install --no-cache-dir uwsgi\nCMD [\"uwsgi\"]\n",
	Good:     "FROM python:3.12-slim AS build\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*\nRUN pip wheel --no-cache-dir -w /wheels uwsgi\nFROM python:3.12-slim\nCOPY --from=build /wheels /wheels\nRUN pip install --no-cache-dir /wheels/*\nCMD [\"uwsgi\"]\n",
	HowToFix: "Build in an earlier stage and copy the result, or remove the tools in the same RUN that uses them.",
	Severity: Info,
	Run: func(p *Pass) {
		seen := map[int]bool{}
		for _, leaf := range p.imageStages() {
			chain := p.Dockerfile.chain(leaf)
			if p.Target == "" && devStage.MatchString(leaf.Name) || !runsApplication(chain) {
				continue
			}
			var runs []*Instruction
			for i := len(chain) - 1; i >= 0; i-- {
				runs = append(runs, runsIn(chain[i])...)
			}
			hits := leftoverTools(runs)
			if len(hits) > 0 && compilesAtRunTime(p.Dockerfile) {
				continue
			}
			for _, hit := range hits {
				if seen[hit.Start] {
					continue
				}
				seen[hit.Start] = true
				name, _, _ := strings.Cut(hit.Text, "=")
				p.Reportf(p.WordRange(hit), nil,
					"%s is installed to build and stays in the image; build in an earlier stage and COPY --from it, or remove it in the same RUN", name)
			}
		}
	},
}

// devStage matches the names of leaf stages that are development, test or
// build environments rather than images that ship (dev-env,
// integration-tests, ci, builder): they need their tools.
var devStage = regexp.MustCompile(`(^|[-_.])(dev|devel|develop|development|devenv|test|tests|testing|ci|debug|lint|build|builder)([-_.]|$)`)

// runtimeJIT are the frameworks that compile code with the system compiler
// when the application runs: PyTorch's inductor, Triton's launcher, vLLM,
// Numba, CuPy, DeepSpeed.
var runtimeJIT = []string{"torch", "pytorch", "triton", "vllm", "numba", "cupy", "deepspeed"}

// compilesAtRunTime reports whether the Dockerfile names a framework that
// needs a compiler at run time, as a word.
func compilesAtRunTime(df *Dockerfile) bool {
	src := bytes.ToLower(df.Source)
	for _, name := range runtimeJIT {
		for i := 0; ; {
			j := bytes.Index(src[i:], []byte(name))
			if j < 0 {
				break
			}
			j += i
			end := j + len(name)
			if (j == 0 || !isWordByte(src[j-1]) || src[j-1] == '-') && (end == len(src) || !isWordByte(src[end]) || src[end] == '-') {
				return true
			}
			i = j + 1
		}
	}
	return false
}

// buildTools are the packages that hold compilers and build systems.
var buildTools = map[string]bool{"build-essential": true, "build-base": true, "gcc": true, "g++": true, "gcc-c++": true,
	"clang": true, "make": true, "cmake": true, "autoconf": true, "automake": true, "libtool": true}

// imageStages returns the stages that are images someone runs: the --target
// stage, or every leaf stage.
func (p *Pass) imageStages() []*Stage {
	if st := p.Dockerfile.StageNamed(p.Target); p.Target != "" && st != nil {
		return []*Stage{st}
	}
	return p.Dockerfile.LeafStages()
}

// runsApplication reports whether the image a stage chain (leaf first)
// builds runs an application: its last CMD or ENTRYPOINT names a program
// that is not a shell, a compiler or a build tool, and no stage of it is an
// ONBUILD image meant to build others.
func runsApplication(chain []*Stage) bool {
	var last *Instruction
	for _, st := range chain {
		for _, in := range st.Instructions {
			if in.Command == "onbuild" {
				return false
			}
		}
		if last != nil {
			continue
		}
		for i := len(st.Instructions) - 1; i >= 0; i-- {
			if in := st.Instructions[i]; in.Command == "cmd" || in.Command == "entrypoint" {
				last = in
				break
			}
		}
	}
	if last == nil || len(last.Args) == 0 {
		return false // inherits the base image's: a base or development image
	}
	prog := strings.Fields(last.Args[0])
	if len(prog) == 0 {
		return false
	}
	// A program run from the source tree (hack/dind) makes a development
	// image.
	if !strings.HasPrefix(prog[0], "/") && strings.Contains(strings.TrimPrefix(prog[0], "./"), "/") {
		return false
	}
	name := path.Base(prog[0])
	if (name == "tini" || name == "dumb-init" || name == "gosu") && len(last.Args) > 1 {
		name = path.Base(strings.Fields(last.Args[len(last.Args)-1] + " x")[0])
	}
	return !shell.Shells[name] && !toolchainPrograms[name]
}

// toolchainPrograms run compilers or build: an image running them is a
// toolchain.
var toolchainPrograms = map[string]bool{
	"gcc": true, "g++": true, "cc": true, "clang": true, "make": true, "cmake": true, "go": true, "cargo": true,
	"rustc": true, "javac": true, "mvn": true, "gradle": true, "jupyter": true, "start-notebook.sh": true,
	"start-notebook.py": true, "distccd": true, "distccd-init": true, "crystal": true, "ipython": true,
}

// leftoverTools returns the build-tool package words of the installs in runs
// that a later command (in the same RUN or a later one) used to build
// something and that no RUN removes. Tools installed after the last build
// are for run time.
func leftoverTools(runs []*Instruction) []shell.Word {
	removed := map[string]bool{}
	type install struct {
		c     shell.Command
		built bool
	}
	var installs []*install
	for _, in := range runs {
		for _, c := range in.Script.Commands {
			if isToolInstall(c) {
				installs = append(installs, &install{c: c})
			}
			if compiles(c) {
				for _, i := range installs {
					i.built = true
				}
			}
			if isApt(c, "remove", "purge", "autoremove") || c.Program() == "apk" && c.Subcommand() == "del" ||
				(c.Program() == "yum" || c.Program() == "dnf") && (c.Subcommand() == "remove" || c.Subcommand() == "erase") {
				for _, a := range c.Args() {
					removed[a.Text] = true
					// purge --auto-remove (after apt-mark auto '.*') and
					// removals of a computed list ($buildDeps, $(diff ...))
					// may take anything with them.
					if a.Text == "--auto-remove" || a.Text == "--autoremove" || strings.Contains(a.Text, "$") {
						removed["*"] = true
					}
				}
				if c.Subcommand() == "autoremove" {
					removed["*"] = true
				}
			}
		}
	}
	if removed["*"] {
		return nil
	}
	// An image with kernel-module tooling builds modules or kernel tests
	// when it runs (corpus: jessfraz/wireguard install, lkp-tests).
	for _, i := range installs {
		for _, a := range i.c.Operands() {
			if a.Text == "kmod" || a.Text == "dkms" || strings.HasPrefix(a.Text, "linux-headers") {
				return nil
			}
		}
	}
	var out []shell.Word
	for _, i := range installs {
		if !i.built {
			continue
		}
		if w, ok := i.c.OptionValue("-t", "--virtual"); ok && i.c.Program() == "apk" && removed[w.Text] {
			continue
		}
		for _, a := range i.c.Operands()[1:] {
			name, _, _ := strings.Cut(a.Text, "=")
			if buildTools[name] && !removed[name] {
				out = append(out, a)
			}
		}
	}
	return out
}

// isToolInstall reports whether c installs system packages.
func isToolInstall(c shell.Command) bool {
	return isApt(c, "install") || c.Program() == "apk" && c.Subcommand() == "add" ||
		(c.Program() == "yum" || c.Program() == "dnf" || c.Program() == "microdnf") && c.Subcommand() == "install"
}

// compiles reports whether a command builds something: a build system, a
// compiler, or a package install that may compile native code.
func compiles(c shell.Command) bool {
	prog := c.Program()
	switch prog {
	case "make", "cmake", "ninja", "meson", "configure", "autogen.sh", "autoreconf", "gcc", "g++", "cc", "c++",
		"clang", "bundle", "cpanm", "dpkg-buildpackage", "R", "Rscript":
		return true
	case "go", "cargo":
		s := c.Subcommand()
		return s == "build" || s == "install"
	case "gem":
		return c.Subcommand() == "install"
	case "python", "python3":
		return c.HasArg("setup.py") || c.HasArg("pip")
	}
	if _, ok := isPipInstall(c); ok {
		return true
	}
	if _, ok := isNodeInstall(c); ok {
		return true
	}
	return false
}
