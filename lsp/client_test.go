package lsp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/layerlint/layerlint/lsp"
)

// client is a JSON-RPC client of a real server, connected over a pipe with LSP framing.
type client struct {
	t    testing.TB
	conn jsonrpc2.Conn
	errc chan error

	mu        sync.Mutex
	diags     map[protocol.DocumentURI]protocol.PublishDiagnosticsParams
	refreshes int
	messages  []protocol.ShowMessageParams
	changed   chan struct{} // receives after each notification or server request
}

// repoRoot is the module root.
func repoRoot(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// startServer runs lsp.Serve in-process and initializes it with the given initializationOptions.
// Diagnostics wait 20 ms after an edit, image files are polled every 200 ms.
func startServer(t testing.TB, root string, initOptions any) *client {
	t.Helper()
	return startServerWith(t, root, initOptions, lsp.Options{DiagnosticsDelay: 20 * time.Millisecond, PollInterval: 200 * time.Millisecond})
}

// startServerWith is startServer with the server's options (its logger is the test's).
func startServerWith(t testing.TB, root string, initOptions any, opts lsp.Options) *client {
	t.Helper()
	serverEnd, clientEnd := net.Pipe()
	var logw io.Writer = io.Discard
	if testing.Verbose() {
		logw = os.Stderr
	}
	c := &client{t: t, errc: make(chan error, 1), diags: map[protocol.DocumentURI]protocol.PublishDiagnosticsParams{}, changed: make(chan struct{}, 1)}
	go func() {
		opts.Logger = log.New(logw, "layerls: ", 0)
		c.errc <- lsp.Serve(context.Background(), serverEnd, opts)
	}()
	c.conn = jsonrpc2.NewConn(jsonrpc2.NewStream(clientEnd))
	c.conn.Go(context.Background(), c.handle)
	t.Cleanup(func() { c.shutdown() })
	params := map[string]any{
		"processId": os.Getpid(),
		"rootUri":   fileURI(root),
		"capabilities": map[string]any{
			"workspace": map[string]any{"inlayHint": map[string]any{"refreshSupport": true}},
		},
		"initializationOptions": initOptions,
	}
	var res map[string]any
	c.call(protocol.MethodInitialize, params, &res)
	if _, ok := res["capabilities"].(map[string]any)["inlayHintProvider"]; !ok {
		t.Fatalf("initialize result has no inlayHintProvider: %v", res)
	}
	c.notify(protocol.MethodInitialized, map[string]any{})
	return c
}

func (c *client) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	c.mu.Lock()
	switch req.Method() {
	case protocol.MethodTextDocumentPublishDiagnostics:
		var p protocol.PublishDiagnosticsParams
		if err := json.Unmarshal(req.Params(), &p); err != nil {
			c.t.Errorf("bad publishDiagnostics: %v", err)
		}
		c.diags[p.URI] = p
	case lsp.MethodWorkspaceInlayHintRefresh:
		c.refreshes++
	case protocol.MethodWindowShowMessage:
		var p protocol.ShowMessageParams
		_ = json.Unmarshal(req.Params(), &p)
		c.messages = append(c.messages, p)
	}
	c.mu.Unlock()
	select {
	case c.changed <- struct{}{}:
	default:
	}
	// Reply from another goroutine: this handler runs on the reading goroutine, and a synchronous pipe
	// would deadlock when both ends write at once.
	go reply(ctx, nil, nil)
	return nil
}

func (c *client) call(method string, params, result any) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := c.conn.Call(ctx, method, params, result); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
}

func (c *client) notify(method string, params any) {
	c.t.Helper()
	if err := c.conn.Notify(context.Background(), method, params); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
}

func (c *client) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.conn.Call(ctx, protocol.MethodShutdown, nil, nil); err == nil {
		_ = c.conn.Notify(ctx, protocol.MethodExit, nil)
		select {
		case err := <-c.errc:
			if err != nil {
				c.t.Errorf("server ended with %v", err)
			}
		case <-ctx.Done():
			c.t.Errorf("server did not exit")
		}
	}
	c.conn.Close()
}

// open opens a document and returns its URI.
func (c *client) open(path, text string) protocol.DocumentURI {
	u := protocol.DocumentURI(fileURI(path))
	c.notify(protocol.MethodTextDocumentDidOpen, &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: u, LanguageID: "dockerfile", Version: 1, Text: text}})
	return u
}

func (c *client) change(u protocol.DocumentURI, version int32, text string) {
	c.notify(protocol.MethodTextDocumentDidChange, map[string]any{
		"textDocument":   map[string]any{"uri": u, "version": version},
		"contentChanges": []map[string]any{{"text": text}},
	})
}

// insert sends an incremental change: text inserted at 0-based line and UTF-16 character.
func (c *client) insert(u protocol.DocumentURI, version int32, line, character int, text string) {
	pos := map[string]any{"line": line, "character": character}
	c.notify(protocol.MethodTextDocumentDidChange, map[string]any{
		"textDocument":   map[string]any{"uri": u, "version": version},
		"contentChanges": []map[string]any{{"range": map[string]any{"start": pos, "end": pos}, "text": text}},
	})
}

func (c *client) hints(u protocol.DocumentURI) []lsp.InlayHint {
	var hs []lsp.InlayHint
	c.call(lsp.MethodTextDocumentInlayHint, map[string]any{
		"textDocument": map[string]any{"uri": u},
		"range":        map[string]any{"start": map[string]any{"line": 0, "character": 0}, "end": map[string]any{"line": 100000, "character": 0}},
	}, &hs)
	return hs
}

// waitHints asks for hints until ok accepts them.
func (c *client) waitHints(u protocol.DocumentURI, ok func([]lsp.InlayHint) bool) []lsp.InlayHint {
	c.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		hs := c.hints(u)
		if ok(hs) {
			return hs
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("hints never became ready; last: %s", hintsText(hs))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitDiagnostics waits for diagnostics of version that ok accepts.
func (c *client) waitDiagnostics(u protocol.DocumentURI, version uint32, ok func([]protocol.Diagnostic) bool) []protocol.Diagnostic {
	c.t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		c.mu.Lock()
		p, have := c.diags[u]
		c.mu.Unlock()
		if have && p.Version == version && ok(p.Diagnostics) {
			return p.Diagnostics
		}
		select {
		case <-c.changed:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			c.t.Fatalf("no matching diagnostics for version %d; last: %+v", version, p)
		}
	}
}

// hintsText renders hints one line each: "LINE: label | label".
func hintsText(hs []lsp.InlayHint) string {
	var b strings.Builder
	last := uint32(1 << 31)
	for _, h := range hs {
		if h.Position.Line != last {
			if last != 1<<31 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "%d:", h.Position.Line+1)
			last = h.Position.Line
		} else {
			b.WriteString(" |")
		}
		b.WriteString(" " + h.Label)
	}
	return b.String()
}

// hintsByLine maps 1-based lines to their hint labels.
func hintsByLine(hs []lsp.InlayHint) map[int][]string {
	m := map[int][]string{}
	for _, h := range hs {
		m[int(h.Position.Line)+1] = append(m[int(h.Position.Line)+1], h.Label)
	}
	return m
}

func fileURI(p string) string { return "file://" + filepath.ToSlash(p) }
