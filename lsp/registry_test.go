package lsp_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/layerlint/layerlint/layerdiff/source"
	"github.com/layerlint/layerlint/layerdiff/source/registrytest"
	"github.com/layerlint/layerlint/lsp"
)

// lockedBuffer collects what the server writes, from the goroutines that copy its pipes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRegistryCredentialsSetting runs the built layerls against the real registry with htpasswd
// authentication. With wrong credentials in the layerlint.registryCredentials setting the image diagnostic
// says they were rejected and where they came from; with credentials pasted into layerlint.image the server
// warns and refuses them; with the right ones the hints appear. Nothing the server writes — protocol
// messages on stdout, its log on stderr — holds a password.
func TestRegistryCredentialsSetting(t *testing.T) {
	const user, secret, wrong = "alice", "Tr0ub4dor-and-3-layerlint", "wr0ng-Pa55-layerlint"
	host := registrytest.StartAuth(t, user, secret)
	root := repoRoot(t)
	registrytest.Push(t, filepath.Join(root, "testdata", "images", "app-v2.tar"), host+"/app:v2", user, secret)
	bin := buildLayerls(t)

	dir := t.TempDir()
	df, err := os.ReadFile(filepath.Join(root, "testdata", "images", "app-v2", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "Dockerfile"), df, 0o644)
	os.WriteFile(filepath.Join(dir, ".layerlint.yaml"), []byte("context: "+filepath.Join(root, "testdata", "images", "app-v2")+"\n"), 0o644)

	home := t.TempDir()
	cmd := exec.Command(bin, "--stdio", "--no-cache")
	cmd.Env = append(os.Environ(), "HOME="+home, "DOCKER_CONFIG="+filepath.Join(home, "docker"), "REGISTRY_AUTH_FILE=",
		"XDG_RUNTIME_DIR=", "XDG_CONFIG_HOME="+home, source.EnvCredentials+"=")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var written, logged lockedBuffer
	cmd.Stderr = &logged
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	conn := jsonrpc2.NewConn(jsonrpc2.NewStream(stdio{io.NopCloser(io.TeeReader(stdout, &written)), stdin}))
	c := &client{t: t, conn: conn, diags: map[protocol.DocumentURI]protocol.PublishDiagnosticsParams{}, changed: make(chan struct{}, 1)}
	conn.Go(context.Background(), c.handle)
	image := "docker://" + host + "/app:v2"
	settings := func(image, creds string) map[string]any {
		return map[string]any{"layerlint": map[string]any{"image": image, "registryCredentials": creds}}
	}
	var res map[string]any
	c.call(protocol.MethodInitialize, map[string]any{"rootUri": fileURI(dir), "capabilities": map[string]any{},
		"initializationOptions": settings(image, user+":"+wrong)}, &res)
	c.notify(protocol.MethodInitialized, map[string]any{})
	u := c.open(filepath.Join(dir, "Dockerfile"), string(df))

	imageDiag := func(want string) {
		t.Helper()
		c.waitDiagnostics(u, 1, func(ds []protocol.Diagnostic) bool {
			for _, d := range ds {
				if d.Code == "image" && strings.Contains(d.Message, want) {
					return true
				}
			}
			return false
		})
	}
	imageDiag("registry " + host + " rejected the credentials from the layerlint.registryCredentials setting")

	c.notify(protocol.MethodWorkspaceDidChangeConfiguration, map[string]any{"settings": settings("docker://"+user+":"+secret+"@"+host+"/app:v2", "")})
	imageDiag("credentials do not belong in an image reference")

	c.notify(protocol.MethodWorkspaceDidChangeConfiguration, map[string]any{"settings": settings(image, user+":"+secret)})
	c.waitHints(u, func(hs []lsp.InlayHint) bool { return len(hintsByLine(hs)) == 20 })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := conn.Call(ctx, protocol.MethodShutdown, nil, nil); err != nil {
		t.Fatal(err)
	}
	_ = conn.Notify(ctx, protocol.MethodExit, nil)
	if err := cmd.Wait(); err != nil {
		t.Errorf("layerls exited with %v", err)
	}
	c.mu.Lock()
	warned := false
	for _, m := range c.messages {
		warned = warned || strings.Contains(m.Message, "layerlint.image holds credentials")
	}
	c.mu.Unlock()
	if !warned {
		t.Error("no warning about credentials in layerlint.image")
	}
	for _, s := range []string{secret, wrong, base64.StdEncoding.EncodeToString([]byte(user + ":" + secret)),
		base64.StdEncoding.EncodeToString([]byte(user + ":" + wrong))} {
		if strings.Contains(written.String(), s) || strings.Contains(logged.String(), s) {
			t.Errorf("the server wrote a secret:\nstdout:\n%s\nstderr:\n%s", written.String(), logged.String())
		}
	}
	if !strings.Contains(logged.String(), "rejected the credentials") {
		t.Errorf("the log does not record the failed load:\n%s", logged.String())
	}
}
