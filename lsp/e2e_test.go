package lsp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/layerlint/layerlint/internal/dockertest"
	"github.com/layerlint/layerlint/internal/tooltest"
	"github.com/layerlint/layerlint/lsp"
)

var buildOnce struct {
	sync.Once
	path string
	err  error
	dir  string
}

// buildLayerls builds cmd/layerls once per test binary.
func buildLayerls(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildOnce.dir, buildOnce.err = os.MkdirTemp("", "layerls-test-")
		if buildOnce.err != nil {
			return
		}
		buildOnce.path = filepath.Join(buildOnce.dir, "layerls")
		out, err := exec.Command("go", "build", "-o", buildOnce.path, filepath.Join(repoRoot(t), "cmd", "layerls")).CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

func TestMain(m *testing.M) {
	// The servers these tests start look for images in no store of the machine's: a test that wants them
	// to find one points them at its own daemon or store.
	stores, err := os.MkdirTemp("", "layerls-stores-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	conf := filepath.Join(stores, "storage.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("[storage]\ndriver = \"vfs\"\ngraphroot = %q\n", filepath.Join(stores, "root"))), 0o644)
	os.Setenv("CONTAINERS_STORAGE_CONF", conf)
	os.Setenv("DOCKER_HOST", "unix://"+filepath.Join(stores, "no-docker.sock"))
	code := dockertest.Main(m)
	os.RemoveAll(stores)
	if buildOnce.dir != "" {
		os.RemoveAll(buildOnce.dir)
	}
	os.Exit(code)
}

// appWorkspace writes the app-v2 Dockerfile and a .layerlint.yaml pointing at the committed image and its
// context into a temporary directory.
func appWorkspace(t *testing.T) string {
	dir := t.TempDir()
	root := repoRoot(t)
	df, err := os.ReadFile(filepath.Join(root, "testdata", "images", "app-v2", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf("image: %s\ncontext: %s\n", filepath.Join(root, "testdata", "images", "app-v2.tar"), filepath.Join(root, "testdata", "images", "app-v2"))
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), df, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".layerlint.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

type stdio struct {
	io.ReadCloser
	io.WriteCloser
}

func (s stdio) Close() error { s.WriteCloser.Close(); return s.ReadCloser.Close() }

// TestBinary spawns the built layerls and drives it over its stdin and stdout.
func TestBinary(t *testing.T) {
	bin := buildLayerls(t)
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "layerls ") {
		t.Fatalf("layerls --version: %q, %v", out, err)
	}
	dir := appWorkspace(t)
	cmd := exec.Command(bin, "--stdio", "--no-cache")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	conn := jsonrpc2.NewConn(jsonrpc2.NewStream(stdio{stdout, stdin}))
	c := &client{t: t, conn: conn, diags: map[protocol.DocumentURI]protocol.PublishDiagnosticsParams{}, changed: make(chan struct{}, 1)}
	conn.Go(context.Background(), c.handle)
	var res map[string]any
	c.call(protocol.MethodInitialize, map[string]any{"rootUri": fileURI(dir), "capabilities": map[string]any{}}, &res)
	c.notify(protocol.MethodInitialized, map[string]any{})
	text, _ := os.ReadFile(filepath.Join(dir, "Dockerfile"))
	u := c.open(filepath.Join(dir, "Dockerfile"), string(text))
	hints := c.waitHints(u, func(hs []lsp.InlayHint) bool { return len(hintsByLine(hs)) == 20 && hasCacheHints(hs) })
	if got := hintsByLine(hints)[23]; !slices.Equal(got, []string{"+4.1 kB", "cached"}) {
		t.Errorf("line 23 hints %q, want +4.1 kB and cached", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := conn.Call(ctx, protocol.MethodShutdown, nil, nil); err != nil {
		t.Fatal(err)
	}
	_ = conn.Notify(ctx, protocol.MethodExit, nil)
	if err := cmd.Wait(); err != nil {
		t.Errorf("layerls exited with %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "loaded 11 layers") {
		t.Errorf("stderr log lacks the image load:\n%s", stderr.String())
	}
}

// TestNodeClient runs lsp/testdata/node-client/client.js: Microsoft's vscode-jsonrpc and
// vscode-languageserver-protocol driving the built layerls against the app-v2 image.
func TestNodeClient(t *testing.T) {
	tooltest.Require(t, "node", "nodejs")
	clientDir := filepath.Join(repoRoot(t), "lsp", "testdata", "node-client")
	if _, err := os.Stat(filepath.Join(clientDir, "node_modules", "vscode-languageserver-protocol")); err != nil {
		tooltest.Missing(t, "lsp/testdata/node-client/node_modules", "npm ci --prefix lsp/testdata/node-client")
	}
	bin := buildLayerls(t)
	dir := appWorkspace(t)
	cmd := exec.Command("node", filepath.Join(clientDir, "client.js"), bin, dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node client: %v\n%s", err, stderr.String())
	}
	var got struct {
		Hints []lsp.InlayHint `json:"hints"`
		Hover struct {
			Contents protocol.MarkupContent `json:"contents"`
		} `json:"hover"`
		Diagnostics protocol.PublishDiagnosticsParams `json:"diagnostics"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("node client printed %q: %v", out, err)
	}
	byLine := hintsByLine(got.Hints)
	if len(byLine) != 20 {
		t.Errorf("hints on %d lines, want all 20 instructions: %s", len(byLine), hintsText(got.Hints))
	}
	for line, want := range map[int][]string{4: {"+2.0 MB", "cached"}, 7: {"+406 B", "cached"}, 41: {"0 B", "cached"}} {
		if !slices.Equal(byLine[line], want) {
			t.Errorf("line %d: hints %q, want %q", line, byLine[line], want)
		}
	}
	if !strings.Contains(got.Hover.Contents.Value, "**Layer**: +406 B") {
		t.Errorf("hover on the first COPY: %q", got.Hover.Contents.Value)
	}
	var codes []string
	for _, d := range got.Diagnostics.Diagnostics {
		codes = append(codes, fmt.Sprint(d.Code))
	}
	if !slices.Contains(codes, "RemovedInLaterLayer") || !slices.Contains(codes, "SeparateChown") {
		t.Errorf("diagnostics %v, want RemovedInLaterLayer and SeparateChown", codes)
	}
}
