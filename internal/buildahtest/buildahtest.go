// Package buildahtest drives the real builder, buildah, from tests: a private
// store per test, builds with --layers, and buildah's own record of which steps
// it took from its cache. Tests across the module use it to build the images
// they read, so none of them depends on a fake image.
package buildahtest

import (
	"bufio"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/internal/tooltest"
)

// Require ends the test (see tooltest) when buildah or Debian's busybox-static
// is missing.
func Require(t testing.TB) {
	t.Helper()
	tooltest.Require(t, "buildah", "buildah")
	if _, err := os.Stat("/bin/busybox"); err != nil {
		tooltest.Missing(t, "/bin/busybox", "apt-get install busybox-static")
	}
}

// Builder runs buildah against a store of its own, removed with the test.
type Builder struct {
	t                     testing.TB
	store                 []string
	root, runroot, driver string
}

// New returns a Builder with an empty private vfs store. It calls Require.
func New(t testing.TB) *Builder {
	t.Helper()
	return NewWithDriver(t, "vfs")
}

// NewWithDriver returns a Builder with an empty private store that uses the graph driver ("vfs" or
// "overlay"). It calls Require.
func NewWithDriver(t testing.TB, driver string) *Builder {
	t.Helper()
	dir := t.TempDir()
	return NewStore(t, filepath.Join(dir, "root"), filepath.Join(dir, "runroot"), driver)
}

// NewStore returns a Builder with the store at root and runroot that uses driver, for a store that outlives
// the test (a fixture built once per machine). It calls Require.
func NewStore(t testing.TB, root, runroot, driver string) *Builder {
	t.Helper()
	Require(t)
	b := &Builder{t: t, root: root, runroot: runroot, driver: driver}
	b.store = []string{"--root", b.root, "--runroot", b.runroot, "--storage-driver", driver}
	return b
}

// Store returns the store's root, run root and graph driver, as containers-storage references name them
// (containers-storage:[driver@root+runroot]NAME).
func (b *Builder) Store() (root, runroot, driver string) { return b.root, b.runroot, b.driver }

// Run runs buildah with the store's flags and returns its combined output; an
// error fails the test with that output.
func (b *Builder) Run(args ...string) string {
	b.t.Helper()
	cmd := exec.Command("buildah", append(append([]string{}, b.store...), args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.t.Fatalf("buildah %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// LoadArchive pulls a docker-archive into the store under tag, for Dockerfiles
// that build FROM it (testdata/images/base.tar as localhost/layerlint/base:latest).
func (b *Builder) LoadArchive(archive, tag string) {
	b.t.Helper()
	id := strings.TrimSpace(b.Run("pull", "-q", "docker-archive:"+archive))
	b.Run("tag", id, tag)
}

var stepLine = regexp.MustCompile(`^(?:\[(\d+)/\d+\] )?STEP (\d+)/\d+: (.*)$`)

// Step is one STEP of a build as buildah printed it.
type Step struct {
	// Stage is the 0-based stage (buildah's "[2/2]" prefix of multi-stage builds, minus one).
	Stage int
	// Number is buildah's 1-based step number within the stage; STEP 1 is the FROM.
	Number int
	// Instruction is the instruction as buildah echoed it.
	Instruction string
	// Cached reports that buildah said "Using cache" for the step.
	Cached bool
}

// Build runs `buildah bud --layers --isolation chroot` on dockerfile with
// contextDir and tags the result. It returns the steps in the order buildah
// ran them (stage by stage, FROM included), each marked with whether buildah
// said "Using cache": the ground truth for cache prediction. extra are more
// bud flags, such as "--build-arg", "A=b" or "--timestamp", "0".
func (b *Builder) Build(dockerfile, contextDir, tag string, extra ...string) []Step {
	b.t.Helper()
	args := append([]string{"bud", "--layers", "--isolation", "chroot", "-t", tag, "-f", dockerfile}, extra...)
	out := b.Run(append(args, contextDir)...)
	var steps []Step
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if m := stepLine.FindStringSubmatch(sc.Text()); m != nil {
			stage := 0
			if m[1] != "" {
				stage, _ = strconv.Atoi(m[1])
				stage--
			}
			n, _ := strconv.Atoi(m[2])
			steps = append(steps, Step{Stage: stage, Number: n, Instruction: m[3]})
		} else if strings.HasPrefix(sc.Text(), "--> Using cache ") && len(steps) > 0 {
			steps[len(steps)-1].Cached = true
		}
	}
	if len(steps) == 0 {
		b.t.Fatalf("no STEP lines in buildah's output:\n%s", out)
	}
	return steps
}

// Archive writes the image tagged tag to a docker-archive at path, named
// name (such as "app:test") inside the archive.
func (b *Builder) Archive(tag, path, name string) {
	b.t.Helper()
	b.Run("push", "--quiet", tag, "docker-archive:"+path+":"+name)
}

// CopyTree copies the directory src to dst with modes normalised to 0755 for
// directories and 0644 for files, as testdata/images/build.sh does, so a
// checkout's umask does not change what buildah sees.
func CopyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		if d.Type()&fs.ModeSymlink != 0 {
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, to)
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, body, 0o644)
	})
	if err != nil {
		t.Fatalf("copying %s: %v", src, err)
	}
}

// AddBusybox copies Debian's static /bin/busybox to dir/name with mode 0755,
// for FROM scratch images that need a shell.
func AddBusybox(t testing.TB, dir, name string) {
	t.Helper()
	body, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), body, 0o755); err != nil {
		t.Fatal(err)
	}
}
