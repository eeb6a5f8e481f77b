package lsp

import (
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
	"time"

	"go.lsp.dev/jsonrpc2"
)

const (
	// maxContentLength caps one message body: jsonrpc2's own stream allocates whatever Content-Length says.
	maxContentLength = 64 << 20
	// maxHeaderLine caps one header line.
	maxHeaderLine = 4096
)

// stream is the LSP base protocol (Content-Length framed JSON) as a jsonrpc2.Stream that survives bad input.
// Every bad frame is answered with an error (with the request's id when it can be read, so that the
// client's request ends) and logged in one line. A message with a sound frame but the wrong content (JSON
// that is no JSON-RPC message, an invalid header beside a valid Content-Length) is skipped. A frame that
// cannot be trusted (no Content-Length, or one that is not a number or too large; a body that is not JSON,
// as when the length was wrong; a frame that stops arriving halfway) makes the stream re-synchronise on the
// next "Content-Length:" it sees, looking again from the second byte of the bad body. Only the end of the
// input or a read error ends the stream; jsonrpc2.NewStream instead fails the whole connection, or waits
// for ever for a body that never comes.
type stream struct {
	in     *frameReader
	out    io.Writer
	closer io.Closer
	logger *log.Logger

	resyncing bool       // the last frame was bad: look for the next Content-Length before reading on
	mu        sync.Mutex // serialises writes: Read answers bad input itself, from the reading goroutine
}

// newStream frames messages on r and w; Close closes c. A frame that pauses halfway for longer than stall
// is bad (<= 0: never).
func newStream(r io.Reader, w io.Writer, c io.Closer, logger *log.Logger, stall time.Duration) *stream {
	return &stream{in: newFrameReader(r, stall), out: w, closer: c, logger: logger}
}

// badInput is input the stream answers with an error and skips.
type badInput struct {
	code jsonrpc2.Code
	msg  string
	// resync says that the frame cannot be trusted; body, when set, is what was read as its body, searched
	// again (from its second byte) for the next frame.
	resync bool
	body   []byte
	// id is the id of the request the bad frame held, nil when it cannot be read.
	id json.RawMessage
}

// Read returns the next well-formed message.
func (s *stream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return nil, total, err
		}
		if s.resyncing {
			dropped, err := s.in.resync(ctx)
			total += dropped
			if err != nil {
				// Not wrapped: the end of the input here is no clean end of the connection.
				return nil, total, fmt.Errorf("lost the message framing: looking for the next Content-Length header after a bad message: %v", err)
			}
			s.resyncing = false
			if dropped > 0 {
				s.logger.Printf("skipped %d bytes to the next Content-Length header", dropped)
			}
		}
		body, n, bad, err := s.readFrame(ctx)
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
		if bad.resync {
			s.resyncing = true
			if len(bad.body) > 1 {
				s.in.unread(bad.body[1:])
			}
		}
		if err := s.writeError(bad); err != nil {
			return nil, total, err
		}
	}
}

// readFrame reads one header block and its body. Recoverable problems come back as bad input.
func (s *stream) readFrame(ctx context.Context) (body []byte, n int64, bad *badInput, err error) {
	length := int64(-1)
	headers := 0
	var lengthText string
	for {
		raw, m, err := s.in.readLine(ctx, maxHeaderLine, headers > 0)
		n += int64(m)
		if errors.Is(err, errStalled) {
			return nil, n, &badInput{code: jsonrpc2.ParseError, resync: true,
				msg: fmt.Sprintf("the header stopped arriving halfway (%d bytes, no blank line after it)", n)}, nil
		}
		if err != nil {
			if headers > 0 || len(raw) > 0 {
				return nil, n, nil, fmt.Errorf("the input ended inside a message header: %w", err)
			}
			return nil, n, nil, fmt.Errorf("reading a header: %w", err)
		}
		line := strings.TrimSpace(string(raw))
		if line == "" {
			if headers == 0 {
				continue // stray blank lines between messages
			}
			break
		}
		headers++
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			bad = &badInput{code: jsonrpc2.ParseError, msg: fmt.Sprintf("invalid header line %q", clip(line, 80))}
			continue
		}
		if strings.EqualFold(strings.TrimSpace(name), jsonrpc2.HdrContentLength) {
			lengthText = strings.TrimSpace(value)
			v, perr := strconv.ParseInt(lengthText, 10, 64)
			if perr != nil || v < 0 {
				length = -2
				continue
			}
			length = v
		}
	}
	switch {
	case length == -2:
		return nil, n, &badInput{code: jsonrpc2.ParseError, resync: true, id: requestID(s.in.buf),
			msg: fmt.Sprintf("invalid Content-Length %q", clip(lengthText, 40))}, nil
	case length < 0:
		if bad == nil {
			bad = &badInput{code: jsonrpc2.ParseError, msg: "missing Content-Length header"}
		}
		bad.resync, bad.id = true, requestID(s.in.buf)
		return nil, n, bad, nil
	case length > maxContentLength:
		return nil, n, &badInput{code: jsonrpc2.InvalidRequest, resync: true, id: requestID(s.in.buf),
			msg: fmt.Sprintf("Content-Length %d is larger than the %d bytes a message may have", length, maxContentLength)}, nil
	}
	body, err = s.in.readBody(ctx, int(length))
	n += int64(len(body))
	if errors.Is(err, errStalled) {
		return nil, n, &badInput{code: jsonrpc2.ParseError, resync: true, body: body, id: requestID(body),
			msg: fmt.Sprintf("Content-Length %d, but the body stopped arriving after %d bytes", length, len(body))}, nil
	}
	if err != nil {
		return nil, n, nil, fmt.Errorf("the input ended inside a message of %d bytes, after %d: %w", length, len(body), err)
	}
	if bad != nil {
		bad.id = requestID(body)
	}
	return body, n, bad, nil
}

// decodeMessage turns a body into a jsonrpc2 message, or says why it is not one.
func decodeMessage(body []byte) (msg jsonrpc2.Message, bad *badInput) {
	if !json.Valid(body) {
		// A body that is not JSON usually means a wrong Content-Length: the frames are out of step.
		return nil, &badInput{code: jsonrpc2.ParseError, msg: "message body is not valid JSON", resync: true, body: body, id: requestID(body)}
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, &badInput{code: jsonrpc2.InvalidRequest, msg: "message is not a JSON object"}
	}
	defer func() {
		if p := recover(); p != nil {
			msg, bad = nil, &badInput{code: jsonrpc2.InvalidRequest, msg: fmt.Sprintf("jsonrpc2 panicked decoding the message: %v", p), id: requestID(body)}
		}
	}()
	msg, err := jsonrpc2.DecodeMessage(body)
	if err != nil {
		return nil, &badInput{code: jsonrpc2.InvalidRequest, msg: fmt.Sprintf("not a JSON-RPC message: %v", err), id: requestID(body)}
	}
	return msg, nil
}

// writeError answers bad input with an error response, with the request's id or null.
func (s *stream) writeError(bad *badInput) error {
	id := bad.id
	if id == nil {
		id = json.RawMessage("null")
	}
	data, err := json.Marshal(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   *jsonrpc2.Error `json:"error"`
	}{"2.0", id, &jsonrpc2.Error{Code: bad.code, Message: bad.msg}})
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
	data, err := encodeMessage(msg)
	if err != nil {
		return 0, fmt.Errorf("encoding a message: %w", err)
	}
	return int64(len(data)), s.writeFrame(data)
}

// WriteResult sends a successful response whose result is encoded already (encodedResult). jsonrpc2's
// replier would encode it again, validating and compacting a quarter of a megabyte for a long file's inlay
// hints.
func (s *stream) WriteResult(ctx context.Context, id jsonrpc2.ID, result []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := encodeResponse(id, result)
	if err != nil {
		return fmt.Errorf("encoding a response: %w", err)
	}
	return s.writeFrame(data)
}

// encodeMessage encodes a message. A successful response is put together from its result, which jsonrpc2
// has encoded already: encoding the response whole would compact the result again.
func encodeMessage(msg jsonrpc2.Message) ([]byte, error) {
	r, ok := msg.(*jsonrpc2.Response)
	if !ok || r.Err() != nil || len(r.Result()) == 0 {
		return json.Marshal(msg)
	}
	return encodeResponse(r.ID(), r.Result())
}

// encodeResponse encodes a successful response of id with result, valid JSON.
func encodeResponse(id jsonrpc2.ID, result []byte) ([]byte, error) {
	idJSON, err := id.MarshalJSON()
	if err != nil {
		return nil, err
	}
	data := make([]byte, 0, len(result)+len(idJSON)+40)
	data = append(data, `{"jsonrpc":"2.0","result":`...)
	data = append(data, result...)
	data = append(data, `,"id":`...)
	data = append(data, idJSON...)
	return append(data, '}'), nil
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
func (s *stream) Close() error {
	s.in.stop()
	return s.closer.Close()
}

// clip shortens s for log and error messages.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
