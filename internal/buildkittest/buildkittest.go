// Package buildkittest runs a current BuildKit for tests: buildkitd and buildctl built from the Go module
// proxy (Version) once per machine into the fixture cache, with Debian's runc (from docker.io), the OCI
// worker and the native snapshotter, on a private root and socket. It gives history written by today's
// BuildKit (heredocs, COPY --link, --chmod), which Debian's Docker 20.10 does not.
//
// No registry is reachable: base images come from docker-archives, turned into OCI layouts with skopeo and
// given to the build as named contexts.
package buildkittest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/layerlint/layerlint/internal/fixturecache"
	"github.com/layerlint/layerlint/internal/tooltest"
)

// Version is the BuildKit release built from the Go module proxy.
const Version = "v0.34.2"

// Runc is Debian's runc, installed with docker.io.
const Runc = "/usr/sbin/runc"

// Require ends the test (see tooltest) when runc, skopeo or the go command is missing.
func Require(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(Runc); err != nil {
		tooltest.Missing(t, "buildkittest: "+Runc, "apt-get install docker.io")
	}
	tooltest.Require(t, "skopeo", "skopeo")
	if _, err := goCommand(); err != nil {
		tooltest.Missing(t, "buildkittest: the go command", "install Go")
	}
}

func goCommand() (string, error) {
	return exec.LookPath("go")
}

// Binaries returns the paths of buildkitd and buildctl, building them first (a few minutes, once per
// machine) when the fixture cache lacks them.
func Binaries(t testing.TB) (buildkitd, buildctl string) {
	t.Helper()
	Require(t)
	goBin, _ := goCommand()
	out, err := exec.Command(goBin, "env", "GOVERSION", "GOARCH").Output()
	if err != nil {
		t.Fatalf("buildkittest: go env: %v", err)
	}
	sum := sha256.Sum256([]byte("buildkittest-v1\n" + Version + "\n" + string(out)))
	bin := fixturecache.T(t, "buildkit-"+Version+"-"+hex.EncodeToString(sum[:6]), func(tmp string) error {
		t.Logf("buildkittest: building buildkitd and buildctl %s (once per machine)", Version)
		return build(goBin, tmp)
	})
	return filepath.Join(bin, "buildkitd"), filepath.Join(bin, "buildctl")
}

// build builds the two commands in a throwaway module that requires BuildKit (its own go.mod has directives
// that `go install pkg@version` refuses) and moves them into the directory bin.
func build(goBin, bin string) error {
	work, err := os.MkdirTemp(filepath.Dir(bin), ".buildkit-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	tools := "//go:build tools\n\npackage tools\n\nimport (\n\t_ \"github.com/moby/buildkit/cmd/buildctl\"\n\t_ \"github.com/moby/buildkit/cmd/buildkitd\"\n)\n"
	if err := os.WriteFile(filepath.Join(work, "tools.go"), []byte(tools), 0o644); err != nil {
		return err
	}
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local", "CGO_ENABLED=0", "GOWORK=off")
	for _, args := range [][]string{
		{"mod", "init", "buildkittest.local/build"},
		{"get", "github.com/moby/buildkit@" + Version},
		{"mod", "tidy"},
		{"build", "-o", work + "/", "github.com/moby/buildkit/cmd/buildkitd", "github.com/moby/buildkit/cmd/buildctl"},
	} {
		cmd := exec.Command(goBin, args...)
		cmd.Dir, cmd.Env = work, env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, tail(out))
		}
	}
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"buildkitd", "buildctl"} {
		if err := os.Rename(filepath.Join(work, name), filepath.Join(bin, name)); err != nil {
			return err
		}
	}
	return nil
}

// Daemon is a running buildkitd.
type Daemon struct {
	dir, sock, buildctl string
	cmd                 *exec.Cmd
	exited              chan struct{}
	log                 *os.File
}

// Start starts buildkitd for the test and stops it when the test ends.
func Start(t testing.TB) *Daemon {
	t.Helper()
	buildkitd, buildctl := Binaries(t)
	dir, err := os.MkdirTemp("/tmp", "bkt-")
	if err != nil {
		t.Fatal(err)
	}
	d := &Daemon{dir: dir, sock: filepath.Join(dir, "buildkitd.sock"), buildctl: buildctl, exited: make(chan struct{})}
	if d.log, err = os.Create(filepath.Join(dir, "buildkitd.log")); err != nil {
		t.Fatal(err)
	}
	d.cmd = exec.Command(buildkitd, "--root", filepath.Join(dir, "root"), "--addr", "unix://"+d.sock,
		"--oci-worker=true", "--containerd-worker=false", "--oci-worker-snapshotter=native",
		"--oci-worker-binary="+Runc, "--oci-worker-net=host")
	d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("buildkittest: starting buildkitd: %v", err)
	}
	go func() { _ = d.cmd.Wait(); close(d.exited) }()
	t.Cleanup(d.stop)
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-d.exited:
			t.Fatalf("buildkittest: buildkitd exited: %s", d.tail())
		default:
		}
		if err := exec.Command(buildctl, "--addr", "unix://"+d.sock, "debug", "workers").Run(); err == nil {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("buildkittest: buildkitd did not answer within a minute: %s", d.tail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (d *Daemon) stop() {
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(20 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.exited
	}
	d.log.Close()
	os.RemoveAll(d.dir)
}

func (d *Daemon) tail() string {
	b, _ := os.ReadFile(d.log.Name())
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// Build builds contextDir/Dockerfile with the Dockerfile frontend and writes the image as a docker-archive
// named name at out. bases maps each image name a FROM uses (without ":latest") to a docker-archive that
// holds it. It returns BuildKit's plain progress output.
func (d *Daemon) Build(t testing.TB, contextDir, name, out string, bases map[string]string) string {
	t.Helper()
	args := []string{"--addr", "unix://" + d.sock, "build", "--progress", "plain", "--frontend", "dockerfile.v0",
		"--local", "context=" + contextDir, "--local", "dockerfile=" + contextDir,
		"--output", "type=docker,name=" + name + ",dest=" + out}
	i := 0
	for ref, archive := range bases {
		i++
		layout := filepath.Join(d.dir, fmt.Sprintf("base%d", i))
		if b, err := exec.Command("skopeo", "copy", "-q", "docker-archive:"+archive, "oci:"+layout+":latest").CombinedOutput(); err != nil {
			t.Fatalf("buildkittest: skopeo copy %s: %v\n%s", archive, err, b)
		}
		digest, err := indexDigest(layout)
		if err != nil {
			t.Fatalf("buildkittest: %v", err)
		}
		store := fmt.Sprintf("base%d", i)
		args = append(args, "--oci-layout", store+"="+layout, "--opt", "context:"+ref+"=oci-layout://"+store+"@"+digest)
	}
	cmd := exec.Command(d.buildctl, args...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		t.Fatalf("buildctl build: %v\n%s", err, tail(buf.Bytes()))
	}
	return buf.String()
}

// indexDigest returns the digest of the one manifest an OCI layout's index.json lists.
func indexDigest(layout string) (string, error) {
	b, err := os.ReadFile(filepath.Join(layout, "index.json"))
	if err != nil {
		return "", err
	}
	var idx struct {
		Manifests []struct {
			Digest string `json:"digest"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal(b, &idx); err != nil || len(idx.Manifests) == 0 {
		return "", fmt.Errorf("%s/index.json lists no manifest: %v", layout, err)
	}
	return idx.Manifests[len(idx.Manifests)-1].Digest, nil
}

func tail(b []byte) string {
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}
