package lsp_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/layerlint/layerlint/lsp"
)

// rawClient talks to a server byte by byte, to send what a well-behaved client never would.
type rawClient struct {
	t    testing.TB
	conn io.WriteCloser
	in   *bufio.Reader
	done chan error
	msgs chan []byte
}

// startRaw runs lsp.Serve in-process with opts (polling off) behind a raw client.
func startRaw(t testing.TB, opts lsp.Options) *rawClient {
	serverEnd, clientEnd := net.Pipe()
	r := &rawClient{t: t, conn: clientEnd, in: bufio.NewReader(clientEnd), done: make(chan error, 1), msgs: make(chan []byte, 64)}
	go r.readLoop()
	opts.PollInterval = -1
	go func() { r.done <- lsp.Serve(context.Background(), serverEnd, opts) }()
	t.Cleanup(func() {
		clientEnd.Close()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			t.Errorf("server did not end after the connection closed")
		}
	})
	return r
}

func (r *rawClient) send(body string) {
	r.t.Helper()
	r.sendRaw(fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body))
}

func (r *rawClient) sendRaw(data string) {
	r.t.Helper()
	if _, err := io.WriteString(r.conn, data); err != nil {
		r.t.Fatalf("writing: %v", err)
	}
}

type response struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// readLoop reads every message the server sends, so that the server never blocks writing to the pipe.
func (r *rawClient) readLoop() {
	defer close(r.msgs)
	for {
		length := -1
		for {
			line, err := r.in.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSpace(line)
			if line == "" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				length, _ = strconv.Atoi(v)
			}
		}
		if length < 0 {
			r.msgs <- []byte("missing Content-Length")
			return
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(r.in, body); err != nil {
			return
		}
		r.msgs <- body
	}
}

// read returns the next message that is not a notification or a request from the server.
func (r *rawClient) read() response {
	r.t.Helper()
	for {
		var body []byte
		var ok bool
		select {
		case body, ok = <-r.msgs:
			if !ok {
				r.t.Fatal("the server closed the connection")
			}
		case <-time.After(20 * time.Second):
			r.t.Fatal("no answer from the server")
		}
		var resp response
		if err := json.Unmarshal(body, &resp); err != nil {
			r.t.Fatalf("server sent invalid JSON %q: %v", body, err)
		}
		if resp.Method == "" {
			return resp
		}
	}
}

func (r *rawClient) initialize() {
	r.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}`)
	if resp := r.read(); resp.Error != nil {
		r.t.Fatalf("initialize: %+v", resp.Error)
	}
	r.send(`{"jsonrpc":"2.0","method":"initialized","params":{}}`)
}

func TestMalformedMessagesKeepServing(t *testing.T) {
	r := startRaw(t, lsp.Options{})
	r.send(`{"jsonrpc":"2.0","id":7,"method":"textDocument/hover","params":{}}`)
	if resp := r.read(); resp.Error == nil || resp.Error.Code != -32002 {
		t.Errorf("request before initialize: %+v, want ServerNotInitialized", resp)
	}
	r.initialize()
	for _, tc := range []struct {
		name, raw string
		code      int
	}{
		{"not JSON", "Content-Length: 9\r\n\r\n{\"a\": tru", -32700},
		{"not an object", "Content-Length: 2\r\n\r\n[]", -32600},
		{"no method, no id", "Content-Length: 2\r\n\r\n{}", -32600},
		{"no Content-Length", "Content-Type: x\r\n\r\n", -32700},
		{"bad Content-Length", "Content-Length: lots\r\n\r\n", -32700},
	} {
		r.sendRaw(tc.raw)
		resp := r.read()
		if resp.Error == nil || resp.Error.Code != tc.code || string(resp.ID) != "null" {
			t.Errorf("%s: got %+v (id %s), want error %d with id null", tc.name, resp.Error, resp.ID, tc.code)
		}
	}
	for _, tc := range []struct {
		name, body, result string
		code               int
	}{
		{"unknown method", `{"jsonrpc":"2.0","id":2,"method":"textDocument/teleport","params":{}}`, "", -32601},
		{"wrong params", `{"jsonrpc":"2.0","id":3,"method":"textDocument/hover","params":{"position":"x"}}`, "", -32602},
		{"missing params", `{"jsonrpc":"2.0","id":4,"method":"textDocument/inlayHint"}`, "", -32602},
		{"closed document hints", `{"jsonrpc":"2.0","id":5,"method":"textDocument/inlayHint","params":{"textDocument":{"uri":"file:///nope/Dockerfile"},"range":{"start":{"line":0,"character":0},"end":{"line":9,"character":0}}}}`, "[]", 0},
		{"closed document hover", `{"jsonrpc":"2.0","id":6,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///nope/Dockerfile"},"position":{"line":0,"character":0}}}`, "null", 0},
	} {
		r.send(tc.body)
		resp := r.read()
		switch {
		case tc.code != 0 && (resp.Error == nil || resp.Error.Code != tc.code):
			t.Errorf("%s: got %+v, want error %d", tc.name, resp.Error, tc.code)
		case tc.code == 0 && (resp.Error != nil || string(resp.Result) != tc.result):
			t.Errorf("%s: got %s %+v, want %s", tc.name, resp.Result, resp.Error, tc.result)
		}
	}
	// Out-of-range positions on an open document give empty answers.
	r.send(`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"untitled:Dockerfile","languageId":"dockerfile","version":1,"text":"FROM scratch\nRUN echo ✓ é\n"}}}`)
	r.send(`{"jsonrpc":"2.0","id":8,"method":"textDocument/hover","params":{"textDocument":{"uri":"untitled:Dockerfile"},"position":{"line":4000000000,"character":4000000000}}}`)
	if resp := r.read(); resp.Error != nil || string(resp.Result) != "null" {
		t.Errorf("out-of-range hover: %s %+v", resp.Result, resp.Error)
	}
	r.send(`{"jsonrpc":"2.0","id":9,"method":"textDocument/codeAction","params":{"textDocument":{"uri":"untitled:Dockerfile"},"range":{"start":{"line":99,"character":0},"end":{"line":200,"character":0}},"context":{"diagnostics":[]}}}`)
	if resp := r.read(); resp.Error != nil || string(resp.Result) != "[]" {
		t.Errorf("out-of-range code actions: %s %+v", resp.Result, resp.Error)
	}
	r.send(`{"jsonrpc":"2.0","id":10,"method":"shutdown"}`)
	if resp := r.read(); resp.Error != nil {
		t.Errorf("shutdown: %+v", resp.Error)
	}
	r.send(`{"jsonrpc":"2.0","method":"exit"}`)
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("server ended with %v after shutdown and exit", err)
		}
		r.done <- nil
	case <-time.After(10 * time.Second):
		t.Fatal("server did not exit")
	}
}

// syncLog is a log destination that tests can read while the server writes to it.
type syncLog struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// FuzzServerMessages sends one arbitrary message body to an initialized server with an open document, then
// two probe requests: inlay hints (parse, alignment, cache prediction) and code actions (the linter). It
// fails when the server panics anywhere (a handler's panic becomes an InternalError reply, a panic in a
// feature or a background task a logged "panic ..." line and an "internal error" in place of a result), when
// the linter fails on what it parsed (a rule's panic, which lint reports as an error), or when a probe goes
// unanswered.
func FuzzServerMessages(f *testing.F) {
	for _, seed := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///w/Dockerfile"},"position":{"line":1,"character":3}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"textDocument/inlayHint","params":{"textDocument":{"uri":"file:///w/Dockerfile"},"range":{"start":{"line":0,"character":0},"end":{"line":3,"character":0}}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"textDocument/codeAction","params":{"textDocument":{"uri":"file:///w/Dockerfile"},"range":{"start":{"line":0,"character":0},"end":{"line":3,"character":0}},"context":{"diagnostics":[]}}}`,
		`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///w/Dockerfile","version":2},"contentChanges":[{"range":{"start":{"line":1,"character":2},"end":{"line":0,"character":90}},"text":"ü\n"}]}}`,
		`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///w/Dockerfile","version":2},"contentChanges":[{"text":"FROM a AS b\nRUN <<EOF\nx\nEOF\nCOPY --from=b / /\nONBUILD RUN x\n"}]}}`,
		`{"jsonrpc":"2.0","method":"workspace/didChangeConfiguration","params":{"settings":{"layerlint":{"image":7,"hints":{"size":"no"},"failureThreshold":"loud"}}}}`,
		`{"jsonrpc":"2.0","id":"x","method":"textDocument/documentSymbol","params":{"textDocument":{"uri":"file:///w/Dockerfile"}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"textDocument/foldingRange","params":null}`,
		`{"jsonrpc":"2.0","id":1,"method":"textDocument/codeLens","params":{"textDocument":{"uri":"file:///w/Dockerfile"}}}`,
		`{"jsonrpc":"2.0","id":{},"method":"x"}`,
		`{"jsonrpc":"2.0","id":1,"result":null}`,
		"\x00\xff",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var m struct {
			Method string `json:"method"`
		}
		if json.Unmarshal([]byte(body), &m) == nil && m.Method == "exit" {
			return
		}
		logs := &syncLog{}
		r := startRaw(t, lsp.Options{Logger: log.New(logs, "", 0), DiagnosticsDelay: time.Millisecond})
		r.initialize()
		r.send(`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///w/Dockerfile","languageId":"dockerfile","version":1,"text":"FROM debian\nRUN apt-get update && apt-get install -y x\nCOPY . /app\n"}}}`)
		r.send(body)
		r.send(`{"jsonrpc":"2.0","id":"probe-hints","method":"textDocument/inlayHint","params":{"textDocument":{"uri":"file:///w/Dockerfile"},"range":{"start":{"line":0,"character":0},"end":{"line":9,"character":0}}}}`)
		r.send(`{"jsonrpc":"2.0","id":"probe-actions","method":"textDocument/codeAction","params":{"textDocument":{"uri":"file:///w/Dockerfile"},"range":{"start":{"line":0,"character":0},"end":{"line":9,"character":0}},"context":{"diagnostics":[]}}}`)
		for answered := 0; answered < 2; {
			resp := r.read()
			if resp.Error != nil && resp.Error.Code == -32603 {
				t.Errorf("reply %s is an internal error: %s", resp.ID, resp.Error.Message)
			}
			if id := string(resp.ID); id == `"probe-hints"` || id == `"probe-actions"` {
				answered++
			}
		}
		if out := logs.String(); strings.Contains(out, "panic") || strings.Contains(out, "failed:") {
			t.Errorf("the server panicked or the linter failed:\n%s", out)
		}
	})
}
