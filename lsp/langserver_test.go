package lsp_test

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/layerlint/layerlint/internal/tooltest"
	"github.com/layerlint/layerlint/lsp"
)

// langServer is a language server under test with one Dockerfile open: layerls in-process, or Docker's
// dockerfile-language-server-nodejs as a process, asked the same requests.
type langServer struct {
	name   string
	conn   jsonrpc2.Conn
	uri    protocol.DocumentURI
	legend protocol.SemanticTokensLegend
	// caps is the initialize result's capabilities.
	caps map[string]json.RawMessage
}

// ask sends a request and decodes the result into a raw message; err is the server's error reply.
func (s *langServer) ask(method string, params any) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var res json.RawMessage
	_, err := s.conn.Call(ctx, method, params, &res)
	return res, err
}

// startLayerls runs layerls in-process on dir and opens its Dockerfile.
func startLayerls(t *testing.T, dir, text string) *langServer {
	serverEnd, clientEnd := net.Pipe()
	errc := make(chan error, 1)
	go func() { errc <- lsp.Serve(context.Background(), serverEnd, lsp.Options{PollInterval: -1}) }()
	t.Cleanup(func() { // runs after openLangServer's shutdown and exit

		select {
		case err := <-errc:
			if err != nil {
				t.Errorf("layerls ended with %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("layerls did not exit")
		}
	})
	return openLangServer(t, "layerls", jsonrpc2.NewStream(clientEnd), dir, text)
}

// startDockerLangserver runs dockerfile-language-server-nodejs from lsp/testdata/docker-langserver on
// dir and opens its Dockerfile.
func startDockerLangserver(t *testing.T, dir, text string) *langServer {
	tooltest.Require(t, "node", "nodejs")
	bin := filepath.Join(repoRoot(t), "lsp", "testdata", "docker-langserver", "node_modules", "dockerfile-language-server-nodejs", "bin", "docker-langserver")
	if _, err := os.Stat(bin); err != nil {
		tooltest.Missing(t, "lsp/testdata/docker-langserver/node_modules", "npm ci --prefix lsp/testdata/docker-langserver")
	}
	cmd := exec.Command("node", bin, "--stdio")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	return openLangServer(t, "docker-langserver", jsonrpc2.NewStream(stdio{stdout, stdin}), dir, text)
}

// openLangServer initializes a server over stream, the same way for both, and opens dir's Dockerfile.
// Requests from the server get empty answers (null, or one null per workspace/configuration item).
func openLangServer(t *testing.T, name string, stream jsonrpc2.Stream, dir, text string) *langServer {
	t.Helper()
	conn := jsonrpc2.NewConn(stream)
	conn.Go(context.Background(), func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		if _, call := req.(*jsonrpc2.Call); !call {
			return nil
		}
		var answer any
		if req.Method() == protocol.MethodWorkspaceConfiguration {
			var p protocol.ConfigurationParams
			_ = json.Unmarshal(req.Params(), &p)
			answer = make([]any, len(p.Items))
		}
		go reply(ctx, answer, nil)
		return nil
	})
	// Registered after the server's own cleanup (which waits for it to exit), so it runs before it.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.Call(ctx, protocol.MethodShutdown, nil, nil); err == nil {
			_ = conn.Notify(ctx, protocol.MethodExit, nil)
		}
		<-time.After(10 * time.Millisecond)
		conn.Close()
	})
	var res struct {
		Capabilities map[string]json.RawMessage `json:"capabilities"`
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := conn.Call(ctx, protocol.MethodInitialize, initializeParams(dir), &res); err != nil {
		t.Fatalf("%s: initialize: %v", name, err)
	}
	if err := conn.Notify(ctx, protocol.MethodInitialized, map[string]any{}); err != nil {
		t.Fatal(err)
	}
	s := &langServer{name: name, conn: conn, caps: res.Capabilities, legend: legendOf(res.Capabilities),
		uri: protocol.DocumentURI(fileURI(filepath.Join(dir, "Dockerfile")))}
	if err := conn.Notify(ctx, protocol.MethodTextDocumentDidOpen, &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: s.uri, LanguageID: "dockerfile", Version: 1, Text: text}}); err != nil {
		t.Fatal(err)
	}
	return s
}

// initializeParams are the client capabilities both servers get: what VS Code announces for the
// features under test.
func initializeParams(dir string) map[string]any {
	return map[string]any{
		"processId": os.Getpid(),
		"rootUri":   fileURI(dir),
		"capabilities": map[string]any{
			"textDocument": map[string]any{
				"completion":     map[string]any{"completionItem": map[string]any{"snippetSupport": false, "documentationFormat": []string{"markdown", "plaintext"}}},
				"hover":          map[string]any{"contentFormat": []string{"markdown", "plaintext"}},
				"rename":         map[string]any{"prepareSupport": true},
				"documentLink":   map[string]any{"tooltipSupport": true},
				"semanticTokens": map[string]any{"requests": map[string]any{"full": true, "range": true}, "tokenTypes": []string{}, "tokenModifiers": []string{}, "formats": []string{"relative"}},
			},
		},
	}
}

func legendOf(caps map[string]json.RawMessage) protocol.SemanticTokensLegend {
	var st struct {
		Legend protocol.SemanticTokensLegend `json:"legend"`
	}
	_ = json.Unmarshal(caps["semanticTokensProvider"], &st)
	return st.Legend
}
