package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"
)

// errStalled is returned by frameReader reads that waited longer than the stall timeout for the rest of a
// frame.
var errStalled = errors.New("the rest of the message did not arrive")

// frameReader reads the client's bytes for the stream, from a goroutine that pumps them in: a read can then
// give up on a frame that stops arriving halfway (a Content-Length larger than the body the client sent),
// where a blocking read of stdin would wait forever. It also lets the stream push bytes back, to look again
// for the start of a frame inside a frame it could not read.
type frameReader struct {
	chunks chan chunk
	done   chan struct{} // closed by stop: the pump gives up sending
	buf    []byte        // bytes received and not yet consumed
	err    error         // the pump's final error, once buf is drained
	stall  time.Duration // how long a frame may pause halfway; <= 0 waits forever
}

type chunk struct {
	data []byte
	err  error
}

// newFrameReader starts pumping r.
func newFrameReader(r io.Reader, stall time.Duration) *frameReader {
	f := &frameReader{chunks: make(chan chunk, 1), done: make(chan struct{}), stall: stall}
	go f.pump(r)
	return f
}

func (f *frameReader) pump(r io.Reader) {
	for {
		buf := make([]byte, 64<<10)
		n, err := r.Read(buf)
		if n > 0 {
			select {
			case f.chunks <- chunk{data: buf[:n]}:
			case <-f.done:
				return
			}
		}
		if err != nil {
			select {
			case f.chunks <- chunk{err: err}:
			case <-f.done:
			}
			return
		}
	}
}

// stop lets the pump end once its current read returns.
func (f *frameReader) stop() {
	select {
	case <-f.done:
	default:
		close(f.done)
	}
}

// more waits for more bytes. inFrame says that a frame has begun: then it gives up after the stall timeout.
func (f *frameReader) more(ctx context.Context, inFrame bool) error {
	if f.err != nil {
		return f.err
	}
	var timeout <-chan time.Time
	if inFrame && f.stall > 0 {
		t := time.NewTimer(f.stall)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case c := <-f.chunks:
		if c.err != nil {
			f.err = c.err
			return c.err
		}
		if len(f.buf) == 0 {
			f.buf = c.data
		} else {
			f.buf = append(f.buf, c.data...)
		}
		return nil
	case <-timeout:
		return errStalled
	case <-f.done:
		return io.ErrClosedPipe
	case <-ctx.Done():
		return ctx.Err()
	}
}

// readLine returns the next line without its line feed, or at most max bytes of it (the rest of a longer
// line is dropped), and the bytes it consumed.
func (f *frameReader) readLine(ctx context.Context, max int, inFrame bool) (line []byte, n int, err error) {
	for {
		if i := bytes.IndexByte(f.buf, '\n'); i >= 0 {
			n += i + 1
			if len(line) < max {
				line = append(line, f.buf[:min(i, max-len(line))]...)
			}
			f.buf = f.buf[i+1:]
			return line, n, nil
		}
		n += len(f.buf)
		if len(line) < max {
			line = append(line, f.buf[:min(len(f.buf), max-len(line))]...)
		}
		f.buf = f.buf[:0]
		if err := f.more(ctx, inFrame || n > 0); err != nil {
			return line, n, err
		}
	}
}

// readBody returns the next n bytes. The buffer grows with the bytes that arrive, so a Content-Length that
// lies costs only what was sent. On an error it returns what it had.
func (f *frameReader) readBody(ctx context.Context, n int) ([]byte, error) {
	var body []byte
	for len(body) < n {
		if len(f.buf) == 0 {
			if err := f.more(ctx, true); err != nil {
				return body, err
			}
			continue
		}
		k := min(n-len(body), len(f.buf))
		body = append(body, f.buf[:k]...)
		f.buf = f.buf[k:]
	}
	return body, nil
}

// unread puts b back in front of the unread bytes.
func (f *frameReader) unread(b []byte) {
	if len(b) == 0 {
		return
	}
	f.buf = append(append(make([]byte, 0, len(b)+len(f.buf)), b...), f.buf...)
}

// headerName is what resynchronisation looks for: the start of the next frame.
var headerName = []byte("content-length:")

// resync drops bytes up to the next "Content-Length:" (in any case), waiting as long as it takes for more
// input, and returns how many it dropped. Only the end of the input or a read error stops it.
func (f *frameReader) resync(ctx context.Context) (dropped int64, err error) {
	for {
		if i := indexFold(f.buf, headerName); i >= 0 {
			dropped += int64(i)
			f.buf = f.buf[i:]
			return dropped, nil
		}
		// Keep a tail that may be the beginning of the header name.
		keep := min(len(f.buf), len(headerName)-1)
		dropped += int64(len(f.buf) - keep)
		f.buf = append(f.buf[:0], f.buf[len(f.buf)-keep:]...)
		if err := f.more(ctx, false); err != nil {
			return dropped, err
		}
	}
}

// indexFold returns the index of the first instance of the lower-case ASCII pattern in s, in any case, -1
// when there is none.
func indexFold(s, pattern []byte) int {
	for i := 0; i+len(pattern) <= len(s); i++ {
		j := 0
		for j < len(pattern) && (s[i+j]|0x20) == pattern[j] {
			j++
		}
		if j == len(pattern) {
			return i
		}
	}
	return -1
}

// requestID returns the id of the request a (possibly cut-off) message body starts, or nil when the
// body is not a request or the id cannot be read: the error answering a bad frame then carries that id,
// and the client's request ends instead of waiting for ever. A top-level "method" key must come first: an
// id without it may be that of a response to the server.
func requestID(body []byte) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var id json.RawMessage
	method := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			break
		}
		switch key {
		case "method":
			method = true
		case "id":
			if len(v) > 0 && (v[0] == '"' || v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
				id = v
			}
		}
		if method && id != nil {
			return id
		}
	}
	return nil
}
