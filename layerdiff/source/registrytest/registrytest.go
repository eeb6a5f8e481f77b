// Package registrytest runs a real registry (Debian's docker-registry, the
// CNCF distribution server) for tests that push and pull images.
package registrytest

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"golang.org/x/crypto/bcrypt"

	"github.com/layerlint/layerlint/internal/tooltest"
)

// Binary is where Debian's docker-registry package installs the server.
const Binary = "/usr/bin/docker-registry"

const startTimeout = 15 * time.Second

// Start runs a registry on 127.0.0.1 with a free port and storage in a
// temporary directory, waits until it answers GET /v2/, and stops it when
// the test ends. It returns the registry's host:port, to which ggcr speaks
// plain http. Without the binary the test is skipped, or fails when
// LAYERLINT_REQUIRE_TOOLS=1.
func Start(t testing.TB) (host string) {
	t.Helper()
	return startWith(t, "")
}

// StartAuth runs a registry like Start that requires HTTP basic authentication with user and password
// (distribution's htpasswd auth), and returns its host:port.
func StartAuth(t testing.TB, user, password string) (host string) {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	htpasswd := filepath.Join(t.TempDir(), "htpasswd")
	if err := os.WriteFile(htpasswd, []byte(user+":"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return startWith(t, fmt.Sprintf("auth:\n  htpasswd:\n    realm: layerlint-test\n    path: %s\n", htpasswd))
}

func startWith(t testing.TB, extra string) (host string) {
	t.Helper()
	if _, err := os.Stat(Binary); err != nil {
		tooltest.Missing(t, "registrytest: "+Binary, "apt-get install docker-registry")
	}
	dir := t.TempDir()
	// Another process can take the port between our probe and the server's
	// listen; try a few ports before giving up.
	var lastErr error
	for range 3 {
		addr, err := freeAddr()
		if err != nil {
			t.Fatalf("registrytest: finding a free port: %v", err)
		}
		if err := start(t, dir, addr, extra); err != nil {
			lastErr = err
			continue
		}
		return addr
	}
	t.Fatalf("registrytest: %v", lastErr)
	return ""
}

func start(t testing.TB, dir, addr, extra string) error {
	storage := filepath.Join(dir, "storage-"+addr[len("127.0.0.1:"):])
	config := filepath.Join(dir, "config-"+addr[len("127.0.0.1:"):]+".yml")
	yml := fmt.Sprintf(`version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
  redirect:
    disable: true
http:
  addr: %s
%s`, storage, addr, extra)
	if err := os.WriteFile(config, []byte(yml), 0o644); err != nil {
		return fmt.Errorf("writing config: %w", err)
	}
	cmd := exec.Command(Binary, "serve", config)
	var out syncBuffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", Binary, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-exited:
			return fmt.Errorf("%s exited before answering on %s: %s", Binary, addr, bytes.TrimSpace(out.Bytes()))
		default:
		}
		resp, err := client.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || (extra != "" && resp.StatusCode == http.StatusUnauthorized) {
				t.Cleanup(stop)
				return nil
			}
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("%s did not answer GET /v2/ on %s within %v: %s", Binary, addr, startTimeout, bytes.TrimSpace(out.Bytes()))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// syncBuffer collects the server's output, written from exec's copying
// goroutine and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// Push writes the docker-archive at archive to the registry as ref (host:port/repo:tag), authenticating
// with user and password when user is not empty.
func Push(t testing.TB, archive, ref, user, password string) {
	t.Helper()
	img, err := tarball.ImageFromPath(archive, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	opts := []remote.Option{}
	if user != "" {
		opts = append(opts, remote.WithAuth(&authn.Basic{Username: user, Password: password}))
	}
	if err := remote.Write(r, img, opts...); err != nil {
		t.Fatalf("pushing %s to %s: %v", archive, ref, err)
	}
}
