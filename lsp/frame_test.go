package lsp_test

import (
	"bufio"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/layerlint/layerlint/lsp"
)

// startRawBinary runs the built layerls with a raw client on its stdin and stdout; its stderr collects in the
// returned builder, and wait reports how it ended (failing the test when it does not end within 20 s).
func startRawBinary(t *testing.T) (r *rawClient, stderr *syncLog, wait func() error) {
	bin := buildLayerls(t)
	cmd := exec.Command(bin, "--no-cache")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr = &syncLog{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r = &rawClient{t: t, conn: stdin, in: bufio.NewReader(stdout), done: make(chan error, 1), msgs: make(chan []byte, 64)}
	go r.readLoop()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var waitErr error
	waited := false
	wait = func() error {
		if !waited {
			select {
			case waitErr = <-exited:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				waitErr = <-exited
				t.Errorf("layerls did not exit; stderr:\n%s", stderr)
			}
			waited = true
		}
		return waitErr
	}
	t.Cleanup(func() {
		stdin.Close()
		wait()
	})
	return r, stderr, wait
}

const hoverBody = `{"jsonrpc":"2.0","id":%d,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///w/Dockerfile"},"position":{"line":0,"character":0}}}`

// TestBadFramesBinary sends the real layerls, over its stdin, frames a client with a wrong Content-Length
// writes: one byte short, far too large, not a number. Each is answered at once with an error (carrying the
// request's id when the body shows it, so that the client's request ends), the server finds the next frame
// by its Content-Length header, answers the request that follows, and exits 0 after shutdown and exit.
func TestBadFramesBinary(t *testing.T) {
	for _, tc := range []struct {
		name  string
		frame func(body string) string
		code  int
		id    string
	}{
		{"one byte short", func(b string) string { return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(b)-1, b) }, -32700, "2"},
		{"huge", func(b string) string { return "Content-Length: 999999999999999\r\n\r\n" + b }, -32600, "2"},
		{"not a number", func(b string) string { return "Content-Length: 1e3\r\n\r\n" + b }, -32700, "2"},
		{"negative", func(b string) string { return "Content-Length: -5\r\n\r\n" + b }, -32700, "2"},
		{"no header", func(b string) string { return "Content-Type: application/vscode-jsonrpc\r\n\r\n" + b }, -32700, "2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, stderr, wait := startRawBinary(t)
			r.initialize()
			r.sendRaw(tc.frame(fmt.Sprintf(hoverBody, 2)))
			resp := r.read()
			if resp.Error == nil || resp.Error.Code != tc.code || string(resp.ID) != tc.id {
				t.Errorf("bad frame answered with id %s, error %+v; want id %s and code %d", resp.ID, resp.Error, tc.id, tc.code)
			}
			r.send(fmt.Sprintf(hoverBody, 3))
			if resp := r.read(); string(resp.ID) != "3" || resp.Error != nil || string(resp.Result) != "null" {
				t.Errorf("the request after the bad frame: id %s, result %s, error %+v", resp.ID, resp.Result, resp.Error)
			}
			r.send(`{"jsonrpc":"2.0","id":4,"method":"shutdown"}`)
			if resp := r.read(); string(resp.ID) != "4" || resp.Error != nil {
				t.Errorf("shutdown: %+v", resp)
			}
			r.send(`{"jsonrpc":"2.0","method":"exit"}`)
			if err := wait(); err != nil {
				t.Errorf("layerls ended with %v after shutdown and exit; stderr:\n%s", err, stderr)
			}
			if !strings.Contains(stderr.String(), "bad message: ") {
				t.Errorf("stderr does not log the bad frame:\n%s", stderr)
			}
		})
	}
}

// TestInputEndsInBadFrameBinary closes layerls's stdin while it looks for the frame after a bad one: it
// exits with status 1 and says why in one log line.
func TestInputEndsInBadFrameBinary(t *testing.T) {
	r, stderr, wait := startRawBinary(t)
	r.initialize()
	r.sendRaw("Content-Length: 999999999999999\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"textDocument/hover\",")
	if resp := r.read(); resp.Error == nil || string(resp.ID) != "2" {
		t.Errorf("bad frame answered with %+v", resp)
	}
	r.conn.Close()
	err := wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("layerls ended with %v, want exit status 1", err)
	}
	var last []string
	for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		// "layerls: 2026/12/01 10:00:00 message"
		if f := strings.SplitN(l, " ", 4); len(f) == 4 && !strings.HasPrefix(f[3], "bad message:") && !strings.HasPrefix(f[3], "initialized:") {
			last = append(last, f[3])
		}
	}
	if len(last) != 1 || !strings.Contains(last[0], "lost the message framing") {
		t.Errorf("stderr, besides the bad message, holds %q; want one line saying the framing was lost", last)
	}
}

// TestFrameStopsHalfway sends a Content-Length five bytes larger than the body, and nothing after it: the
// server waits no longer than its frame timeout, answers the request with an error, and then reads the next
// frame.
func TestFrameStopsHalfway(t *testing.T) {
	r := startRaw(t, lsp.Options{FrameTimeout: 300 * time.Millisecond})
	r.initialize()
	body := fmt.Sprintf(hoverBody, 2)
	start := time.Now()
	r.sendRaw(fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body)+5, body))
	resp := r.read()
	if resp.Error == nil || string(resp.ID) != "2" || !strings.Contains(resp.Error.Message, "stopped arriving") {
		t.Errorf("stalled frame answered with id %s, error %+v", resp.ID, resp.Error)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("answered after %s", waited)
	}
	r.send(fmt.Sprintf(hoverBody, 3))
	if resp := r.read(); string(resp.ID) != "3" || resp.Error != nil {
		t.Errorf("the request after the stalled frame: %+v", resp)
	}
	// A header that stops halfway is bad too.
	r.sendRaw("Content-Length: 12")
	if resp := r.read(); resp.Error == nil || string(resp.ID) != "null" {
		t.Errorf("stalled header answered with %+v", resp)
	}
	r.send(fmt.Sprintf(hoverBody, 4))
	if resp := r.read(); string(resp.ID) != "4" || resp.Error != nil {
		t.Errorf("the request after the stalled header: %+v", resp)
	}
}

// TestFrameOneByteLong sends a Content-Length one byte larger than the body, then a good message: the first
// is answered with an error, and the second, one byte of which the first swallowed, is found again.
func TestFrameOneByteLong(t *testing.T) {
	r := startRaw(t, lsp.Options{FrameTimeout: -1})
	r.initialize()
	body := fmt.Sprintf(hoverBody, 2)
	next := fmt.Sprintf(hoverBody, 3)
	r.sendRaw(fmt.Sprintf("Content-Length: %d\r\n\r\n%sContent-Length: %d\r\n\r\n%s", len(body)+1, body, len(next), next))
	if resp := r.read(); resp.Error == nil || string(resp.ID) != "2" {
		t.Errorf("long frame answered with %+v", resp)
	}
	if resp := r.read(); string(resp.ID) != "3" || resp.Error != nil {
		t.Errorf("the request after the long frame: %+v", resp)
	}
}
