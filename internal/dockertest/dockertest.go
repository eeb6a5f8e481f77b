// Package dockertest runs a real Docker daemon (Debian's docker.io: dockerd
// with containerd, runc and BuildKit) for tests, on a private socket with a
// private data root and the vfs storage driver, so tests never touch a
// daemon the machine may already run. Images are built with BuildKit through
// Debian's docker client, and BuildKit's own "#N CACHED" lines are returned
// as the ground truth for cache prediction, beside buildahtest's.
//
// A daemon takes a few seconds to start. Start gives a test its own; Shared
// gives every test of a package one daemon, which the package's TestMain
// stops by calling Main.
package dockertest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/layerlint/layerlint/internal/tooltest"
)

// Programs from Debian's docker.io package. The client is called by its full
// path: a newer docker client earlier on PATH may lack the buildx plugin and
// then refuses to build with BuildKit.
const (
	Dockerd = "/usr/sbin/dockerd"
	Docker  = "/usr/bin/docker"
)

const (
	startTimeout = 60 * time.Second
	stopTimeout  = 20 * time.Second
)

// Require ends the test (see tooltest) when Debian's dockerd or docker client
// is missing.
func Require(t testing.TB) {
	t.Helper()
	for _, p := range []string{Dockerd, Docker} {
		if _, err := os.Stat(p); err != nil {
			tooltest.Missing(t, "dockertest: "+p, "apt-get install docker.io")
		}
	}
}

// Daemon is a running dockerd.
type Daemon struct {
	dir    string // data root, exec root, socket and log live here
	sock   string
	cmd    *exec.Cmd
	exited chan struct{}
	log    *os.File
	docker string   // the client's path
	env    []string // more for the client (DOCKER_CONFIG with its buildx plugin)
}

// ContainerdStoreEnv names the directory into which scripts/docker-containerd-store.sh unpacked Debian
// trixie's Docker 26 (docker.io, containerd, docker-cli, docker-buildx): the Docker that keeps images in
// containerd's image store, the default of Docker 29 and Docker Desktop, which bookworm's 20.10 cannot.
const ContainerdStoreEnv = "LAYERLINT_DOCKER_CONTAINERD_STORE"

// config is how start runs a daemon.
type config struct {
	dockerd, docker string
	containerdStore bool
	path            string // prepended to PATH: where dockerd finds its containerd
	plugins         string // the client's cli-plugins directory, "" for none
}

var debianDocker = config{dockerd: Dockerd, docker: Docker}

// Host returns the daemon's address in DOCKER_HOST form (unix:///...).
func (d *Daemon) Host() string { return "unix://" + d.sock }

// Env returns the environment for a program that should talk to this daemon:
// the process's own, with DOCKER_HOST set and BuildKit turned on.
func (d *Daemon) Env() []string {
	env := make([]string, 0, len(os.Environ())+2)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DOCKER_HOST=") && !strings.HasPrefix(kv, "DOCKER_BUILDKIT=") &&
			!strings.HasPrefix(kv, "DOCKER_CONTEXT=") && (len(d.env) == 0 || !strings.HasPrefix(kv, "DOCKER_CONFIG=")) {
			env = append(env, kv)
		}
	}
	return append(append(env, "DOCKER_HOST="+d.Host(), "DOCKER_BUILDKIT=1"), d.env...)
}

// Start starts a daemon of the test's own and stops it when the test ends.
func Start(t testing.TB) *Daemon {
	t.Helper()
	Require(t)
	return startFor(t, debianDocker)
}

// StartContainerdStore starts, for the test alone, Docker 26 with the containerd image store (the
// containerd-snapshotter feature): images are OCI manifests in containerd, `docker image inspect` gives the
// manifest's digest as the ID, and `docker save` writes an OCI layout. The programs come from the directory
// ContainerdStoreEnv names; without it the test is skipped, or fails under LAYERLINT_REQUIRE_TOOLS.
func StartContainerdStore(t testing.TB) *Daemon {
	t.Helper()
	root := os.Getenv(ContainerdStoreEnv)
	if root == "" {
		tooltest.Missing(t, "dockertest: Docker with the containerd image store ("+ContainerdStoreEnv+")",
			"scripts/docker-containerd-store.sh DIR, then "+ContainerdStoreEnv+"=DIR")
	}
	cfg := config{
		dockerd:         filepath.Join(root, "usr", "sbin", "dockerd"),
		docker:          filepath.Join(root, "usr", "bin", "docker"),
		containerdStore: true,
		path:            filepath.Join(root, "usr", "bin") + string(os.PathListSeparator) + filepath.Join(root, "usr", "sbin"),
		plugins:         filepath.Join(root, "usr", "libexec", "docker", "cli-plugins"),
	}
	for _, p := range []string{cfg.dockerd, cfg.docker, filepath.Join(root, "usr", "bin", "containerd"), filepath.Join(cfg.plugins, "docker-buildx")} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("dockertest: %s: %v (%s=%s)", p, err, ContainerdStoreEnv, root)
		}
	}
	return startFor(t, cfg)
}

// startFor starts a daemon as cfg says and stops it when the test ends.
func startFor(t testing.TB, cfg config) *Daemon {
	t.Helper()
	d, err := start(cfg)
	if err != nil {
		t.Fatalf("dockertest: %v", err)
	}
	t.Cleanup(func() {
		if err := d.stop(); err != nil {
			t.Errorf("dockertest: %v", err)
		}
	})
	return d
}

var shared struct {
	sync.Mutex
	main bool // Main is running the package's tests
	d    *Daemon
	err  error
}

// Main runs the package's tests (m.Run) and then stops the daemon Shared
// started, if any; call it from TestMain: os.Exit(dockertest.Main(m)).
func Main(m *testing.M) int {
	shared.Lock()
	shared.main = true
	shared.Unlock()
	code := m.Run()
	shared.Lock()
	defer shared.Unlock()
	if shared.d != nil {
		if err := shared.d.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "dockertest: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
		shared.d = nil
	}
	return code
}

// Shared returns the package's daemon, starting it on first use. The package
// must call Main from its TestMain, which stops it. Tests that share it
// should use tags of their own: images built by one test are seen by all.
func Shared(t testing.TB) *Daemon {
	t.Helper()
	Require(t)
	shared.Lock()
	defer shared.Unlock()
	if !shared.main {
		t.Fatal("dockertest.Shared needs the package's TestMain to call dockertest.Main(m)")
	}
	if shared.d == nil && shared.err == nil {
		shared.d, shared.err = start(debianDocker)
	}
	if shared.err != nil {
		t.Fatalf("dockertest: %v", shared.err)
	}
	return shared.d
}

func start(cfg config) (*Daemon, error) {
	// The socket path must stay under the 108 bytes of sun_path: keep the
	// directory short rather than under a deep TMPDIR.
	dir, err := os.MkdirTemp("/tmp", "dkt-")
	if err != nil {
		return nil, err
	}
	d := &Daemon{dir: dir, sock: filepath.Join(dir, "docker.sock"), exited: make(chan struct{}), docker: cfg.docker}
	d.log, err = os.Create(filepath.Join(dir, "dockerd.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	args := []string{
		"--data-root", filepath.Join(dir, "root"),
		"--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "dockerd.pid"),
		"-H", "unix://" + d.sock,
		"--iptables=false", "--ip6tables=false", "--bridge=none",
		// No registry is reachable from the tests; do not let a pull wait on one.
		"--max-download-attempts", "1",
	}
	if cfg.containerdStore {
		// containerd's own snapshotter (overlayfs) holds the images; no daemon-wide config file is read.
		conf := filepath.Join(dir, "daemon.json")
		if err := os.WriteFile(conf, []byte(`{"features": {"containerd-snapshotter": true}}`), 0o644); err != nil {
			d.cleanup()
			return nil, err
		}
		args = append(args, "--config-file", conf)
	} else {
		args = append(args, "--storage-driver", "vfs")
	}
	if cfg.plugins != "" {
		// The client finds buildx in $DOCKER_CONFIG/cli-plugins.
		conf := filepath.Join(dir, "client")
		if err := os.MkdirAll(conf, 0o755); err != nil {
			d.cleanup()
			return nil, err
		}
		if err := os.Symlink(cfg.plugins, filepath.Join(conf, "cli-plugins")); err != nil {
			d.cleanup()
			return nil, err
		}
		d.env = append(d.env, "DOCKER_CONFIG="+conf)
	}
	d.cmd = exec.Command(cfg.dockerd, args...)
	if cfg.path != "" {
		d.cmd.Env = append(os.Environ(), "PATH="+cfg.path+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
	// If the test binary dies without stopping it, the daemon goes too
	// (SIGTERM: it then stops its containerd itself).
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := d.cmd.Start(); err != nil {
		d.log.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting %s: %w", cfg.dockerd, err)
	}
	go func() {
		_ = d.cmd.Wait()
		close(d.exited)
	}()
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-d.exited:
			err := fmt.Errorf("%s exited before answering: %s", cfg.dockerd, d.tail())
			d.cleanup()
			return nil, err
		default:
		}
		if _, err := os.Stat(d.sock); err == nil {
			cmd := exec.Command(cfg.docker, "version", "--format", "{{.Server.Version}}")
			cmd.Env = d.Env()
			if out, err := cmd.Output(); err == nil && len(bytes.TrimSpace(out)) > 0 {
				return d, nil
			}
		}
		if time.Now().After(deadline) {
			err := fmt.Errorf("%s did not answer within %v: %s", cfg.dockerd, startTimeout, d.tail())
			d.stop()
			return nil, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop ends the daemon (SIGTERM, then SIGKILL) and removes its directory.
func (d *Daemon) stop() error {
	if d.cmd.Process != nil {
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(stopTimeout):
			_ = d.cmd.Process.Kill()
			<-d.exited
		}
	}
	return d.cleanup()
}

func (d *Daemon) cleanup() error {
	d.log.Close()
	// dockerd can leave mounts behind (the default network namespace of
	// `docker run`, exec/netns/default): detach them before removing.
	unmountUnder(d.dir)
	// The vfs driver leaves plain directories; some hold read-only files.
	if err := os.RemoveAll(d.dir); err != nil {
		return fmt.Errorf("removing %s: %w", d.dir, err)
	}
	return nil
}

// unmountUnder detaches every mount point under dir, deepest first.
func unmountUnder(dir string) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var points []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			points = append(points, f[4])
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(points)))
	for _, p := range points {
		_ = syscall.Unmount(p, syscall.MNT_DETACH)
	}
}

// tail returns the end of the daemon's log, for errors.
func (d *Daemon) tail() string {
	b, _ := os.ReadFile(d.log.Name())
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(bytes.TrimSpace(b))
}

// Log returns the daemon's log so far.
func (d *Daemon) Log() string {
	b, _ := os.ReadFile(d.log.Name())
	return string(b)
}

// Command returns an exec.Cmd that runs the daemon's docker client (Debian's,
// or Docker 26's for StartContainerdStore) against this daemon, for tests
// that need its output or exit status themselves.
func (d *Daemon) Command(args ...string) *exec.Cmd {
	cmd := exec.Command(d.docker, args...)
	cmd.Env = d.Env()
	return cmd
}

// Run runs the docker client with args and returns its combined output; an
// error fails the test with that output.
func (d *Daemon) Run(t testing.TB, args ...string) string {
	t.Helper()
	out, err := d.Command(args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Load loads a docker-archive (docker load -i), such as testdata/images/base.tar,
// which holds localhost/layerlint/base:latest for Dockerfiles built FROM it.
func (d *Daemon) Load(t testing.TB, archive string) {
	t.Helper()
	d.Run(t, "load", "-q", "-i", archive)
}

// Save writes the image ref to a docker-archive at path (docker save -o).
func (d *Daemon) Save(t testing.TB, ref, path string) {
	t.Helper()
	d.Run(t, "save", "-o", path, ref)
}

// Step is one step BuildKit ran, as `--progress plain` printed it.
type Step struct {
	// Vertex is BuildKit's number for the step (#N).
	Vertex int
	// Stage is the stage name BuildKit printed ("build", "stage-0"), "" for
	// a single-stage build.
	Stage string
	// Number is the 1-based position within the stage, FROM being 1; BuildKit
	// numbers only FROM and the instructions that make a layer (RUN, COPY,
	// ADD, WORKDIR), not ENV, LABEL and the like.
	Number, Of int
	// Instruction is the instruction as BuildKit echoed it: build args
	// expanded, continuation lines joined.
	Instruction string
	// Cached reports that BuildKit printed "#N CACHED" for the step.
	Cached bool
}

// Build builds the image tag from contextDir with BuildKit (docker build
// --progress plain --network host) and returns the steps it printed, in the
// order of their stage and number. dockerfile may be "" for
// contextDir/Dockerfile; extra are more build flags ("--build-arg", "A=b",
// "--target", "build").
func (d *Daemon) Build(t testing.TB, dockerfile, contextDir, tag string, extra ...string) []Step {
	t.Helper()
	args := []string{"build", "--progress", "plain", "--network", "host", "-t", tag}
	if dockerfile != "" {
		args = append(args, "-f", dockerfile)
	}
	args = append(append(args, extra...), contextDir)
	out := d.Run(t, args...)
	steps, err := ParseProgress(out)
	if err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	return steps
}

var (
	vertexLine = regexp.MustCompile(`^#(\d+) \[(?:(\S+) )?\s*(\d+)/(\d+)\] (.*)$`)
	cachedLine = regexp.MustCompile(`^#(\d+) CACHED$`)
)

// ParseProgress reads BuildKit's plain progress output: each numbered step
// ("#7 [build 3/5] COPY . .") and whether it was reused ("#7 CACHED"). Steps
// come back ordered by stage (in order of first appearance) and number;
// BuildKit prints them in the order they finish.
func ParseProgress(out string) ([]Step, error) {
	byVertex := map[int]*Step{}
	var order []int
	stageOrder := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := vertexLine.FindStringSubmatch(line); m != nil {
			v, _ := strconv.Atoi(m[1])
			if _, seen := byVertex[v]; seen {
				continue
			}
			n, _ := strconv.Atoi(m[3])
			of, _ := strconv.Atoi(m[4])
			if _, ok := stageOrder[m[2]]; !ok {
				stageOrder[m[2]] = len(stageOrder)
			}
			byVertex[v] = &Step{Vertex: v, Stage: m[2], Number: n, Of: of, Instruction: m[5]}
			order = append(order, v)
		} else if m := cachedLine.FindStringSubmatch(line); m != nil {
			v, _ := strconv.Atoi(m[1])
			if s, ok := byVertex[v]; ok {
				s.Cached = true
			}
		}
	}
	if len(order) == 0 {
		return nil, errors.New("no numbered steps in BuildKit's output (was it built with --progress plain and BuildKit?)")
	}
	steps := make([]Step, 0, len(order))
	for _, v := range order {
		steps = append(steps, *byVertex[v])
	}
	sort.SliceStable(steps, func(i, j int) bool {
		if si, sj := stageOrder[steps[i].Stage], stageOrder[steps[j].Stage]; si != sj {
			return si < sj
		}
		return steps[i].Number < steps[j].Number
	})
	return steps, nil
}
