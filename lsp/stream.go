package lsp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"strconv"
	"strings"
	"sync"

	"go.lsp.dev/jsonrpc2"
)

const (
	// maxContentLength caps one message body: jsonrpc2's own stream allocates whatever Content-Length says.
	maxContentLength = 64 << 20
	// maxHeaderLine caps one header line.
	maxHeaderLine = 4096
)

// stream is the LSP base protocol (Content-Length framed JSON) as a jsonrpc2.Stream that survives bad input:
// a body that is not JSON is answered with a parse error (-32700, id null), JSON that is not a JSON-RPC
// message with an invalid-request error, an oversized body is skipped, and reading goes on. Only the end of
// the input (or a read error) ends the stream. jsonrpc2.NewStream instead fails the whole connection.
type stream struct {
	in     *bufio.Reader
	out    io.Writer
	closer io.Closer
	logger *log.Logger

	mu sync.Mutex // serialises writes: Read answers bad input itself, from the reading goroutine
}

// newStream frames messages on r and w; Close closes c.
func newStream(r io.Reader, w io.Writer, c io.Closer, logger *log.Logger) *stream {
	return &stream{in: bufio.NewReaderSize(r, 64<<10), out: w, closer: c, logger: logger}
}

// badInput is input the stream answers with an error and skips.
type badInput struct {
	code jsonrpc2.Code
	msg  string
}

// Read returns the next well-formed message.
func (s *stream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return nil, total, err
		}
		body, n, bad, err := s.readFrame()
		total += n
		if err != nil {
			return nil, total, err
		}
		if bad == nil {
			var msg jsonrpc2.Message
			if msg, bad = decodeMessage(body); bad == nil {
				return msg, total, nil
			}
		}
		s.logger.Printf("bad message: %s", bad.msg)
		if err := s.writeError(bad); err != nil {
			return nil, total, err
		}
	}
}

// readFrame reads one header block and its body. Recoverable problems come back as bad input.
func (s *stream) readFrame() (body []byte, n int64, bad *badInput, err error) {
	length := int64(-1)
	headers := 0
	for {
		line, m, err := s.readLine()
		n += m
		if err != nil {
			return nil, n, nil, err
		}
		line = strings.TrimSpace(line)
		if line == "" {
			if headers == 0 {
				continue // stray blank lines between messages
			}
			break
		}
		headers++
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			bad = &badInput{jsonrpc2.ParseError, fmt.Sprintf("invalid header line %q", clip(line, 80))}
			continue
		}
		if strings.EqualFold(strings.TrimSpace(name), jsonrpc2.HdrContentLength) {
			v, perr := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
			if perr != nil || v < 0 {
				bad = &badInput{jsonrpc2.ParseError, fmt.Sprintf("invalid Content-Length %q", clip(value, 40))}
				continue
			}
			length = v
		}
	}
	if length < 0 {
		if bad == nil {
			bad = &badInput{jsonrpc2.ParseError, "missing Content-Length header"}
		}
		return nil, n, bad, nil
	}
	if length > maxContentLength {
		m, err := io.CopyN(io.Discard, s.in, length)
		n += m
		if err != nil {
			return nil, n, nil, fmt.Errorf("skipping an oversized message: %w", err)
		}
		return nil, n, &badInput{jsonrpc2.InvalidRequest, fmt.Sprintf("message of %d bytes is larger than %d", length, maxContentLength)}, nil
	}
	body = make([]byte, length)
	m, err := io.ReadFull(s.in, body)
	n += int64(m)
	if err != nil {
		return nil, n, nil, fmt.Errorf("reading a message body: %w", err)
	}
	return body, n, bad, nil
}

// readLine reads a line of at most maxHeaderLine bytes; the rest of a longer line is dropped.
func (s *stream) readLine() (string, int64, error) {
	var buf []byte
	var n int64
	for {
		frag, err := s.in.ReadSlice('\n')
		n += int64(len(frag))
		if len(buf) < maxHeaderLine {
			buf = append(buf, frag[:min(len(frag), maxHeaderLine-len(buf))]...)
		}
		switch {
		case err == nil:
			return string(buf), n, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return "", n, fmt.Errorf("reading a header: %w", err)
		}
	}
}

// decodeMessage turns a body into a jsonrpc2 message, or says why it is not one.
func decodeMessage(body []byte) (msg jsonrpc2.Message, bad *badInput) {
	if !json.Valid(body) {
		return nil, &badInput{jsonrpc2.ParseError, "message body is not valid JSON"}
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, &badInput{jsonrpc2.InvalidRequest, "message is not a JSON object"}
	}
	defer func() {
		if p := recover(); p != nil {
			msg, bad = nil, &badInput{jsonrpc2.InvalidRequest, fmt.Sprintf("undecodable message: %v", p)}
		}
	}()
	msg, err := jsonrpc2.DecodeMessage(body)
	if err != nil {
		return nil, &badInput{jsonrpc2.InvalidRequest, fmt.Sprintf("not a JSON-RPC message: %v", err)}
	}
	return msg, nil
}

// writeError answers bad input with an error response whose id is null.
func (s *stream) writeError(bad *badInput) error {
	data, err := json.Marshal(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      *int            `json:"id"`
		Error   *jsonrpc2.Error `json:"error"`
	}{"2.0", nil, &jsonrpc2.Error{Code: bad.code, Message: bad.msg}})
	if err != nil {
		return fmt.Errorf("encoding an error response: %w", err)
	}
	return s.writeFrame(data)
}

// Write sends a message.
func (s *stream) Write(ctx context.Context, msg jsonrpc2.Message) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return 0, fmt.Errorf("encoding a message: %w", err)
	}
	return int64(len(data)), s.writeFrame(data)
}

func (s *stream) writeFrame(data []byte) error {
	frame := make([]byte, 0, len(data)+32)
	frame = fmt.Appendf(frame, "%s: %d\r\n\r\n", jsonrpc2.HdrContentLength, len(data))
	frame = append(frame, data...)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.out.Write(frame); err != nil {
		return fmt.Errorf("writing a message: %w", err)
	}
	return nil
}

// Close closes the connection.
func (s *stream) Close() error { return s.closer.Close() }

// clip shortens s for log and error messages.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
