// Package lsp is layerlint's language server: it shows, on every instruction of a Dockerfile, the size of
// the layer it made and whether the next build takes it from cache, and publishes the linter's findings.
//
// The protocol plumbing (this file, stream.go, session.go) decodes messages and keeps one Snapshot per
// document version; each feature (hints.go, hover.go, diagnostics.go, code_action.go, symbols.go,
// folding.go) is a function from a snapshot to plain data.
package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"runtime/debug"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/layerlint/layerlint/internal/instrmemo"
	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/source"
)

// Options configure a server.
type Options struct {
	// Version is reported in the initialize result.
	Version string
	// Logger receives the server's log; nil discards it.
	Logger *log.Logger
	// ListingStoreDir keeps layer listings across runs ("" keeps none).
	ListingStoreDir string
	// PollInterval is how often image files are checked for changes; 0 means 2 s, negative never.
	PollInterval time.Duration
	// DiagnosticsDelay debounces diagnostics while typing; 0 means 150 ms.
	DiagnosticsDelay time.Duration
	// FrameTimeout is how long a message may stop arriving halfway before it is answered as bad and the
	// server looks for the next one (a Content-Length larger than the body sent); 0 means 5 s, negative never.
	FrameTimeout time.Duration
}

// Serve runs a language server on rwc until the client sends exit or closes the connection. It returns nil
// after a shutdown request and an exit notification, an error otherwise.
func Serve(ctx context.Context, rwc io.ReadWriteCloser, opts Options) error {
	return ServeStreams(ctx, rwc, rwc, rwc, opts)
}

// ServeStreams is Serve with separate input and output (such as stdin and stdout); closer is closed when
// the server ends.
func ServeStreams(ctx context.Context, r io.Reader, w io.Writer, closer io.Closer, opts Options) error {
	if opts.Logger == nil {
		opts.Logger = log.New(io.Discard, "", 0)
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 2 * time.Second
	}
	if opts.DiagnosticsDelay == 0 {
		opts.DiagnosticsDelay = 150 * time.Millisecond
	}
	if opts.FrameTimeout == 0 {
		opts.FrameTimeout = 5 * time.Second
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st := newStream(r, w, closer, opts.Logger, opts.FrameTimeout)
	conn := jsonrpc2.NewConn(st)
	s := newServer(ctx, conn, opts)
	s.out = st
	conn.Go(ctx, s.handle)
	select {
	case <-conn.Done():
	case <-ctx.Done():
		conn.Close()
		<-conn.Done()
	}
	s.stop()
	s.mu.Lock()
	clean := s.state == stateShutdown && s.exited
	s.mu.Unlock()
	if clean {
		return nil
	}
	if err := conn.Err(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("language server connection: %w", err)
	}
	return errors.New("language server: the client closed the connection without shutdown and exit")
}

type serverState int

const (
	stateNew serverState = iota
	stateRunning
	stateShutdown
)

// server holds the session: open documents, settings, and the images and build contexts they share.
type server struct {
	conn   jsonrpc2.Conn
	opts   Options
	logger *log.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu             sync.Mutex
	state          serverState
	exited         bool
	root           string
	settings       Settings
	pendingWarns   []string
	refreshSupport bool
	watchDynamic   bool
	docs           map[protocol.DocumentURI]*document
	configs        map[string]configResult // by Dockerfile directory
	contexts       map[string]*contextEntry
	gen            int             // bumped when the environment changes: an image loads, a context changes
	shown          map[string]bool // error messages already shown to the user

	analysisMu sync.Mutex // one snapshot is built at a time: build contexts cache hashes and are not concurrent
	publishMu  sync.Mutex // orders diagnostics publications
	images     *images
	discovery  *discovery
	memo       *predictionMemo
	out        resultWriter // nil: every result goes through jsonrpc2's replier
}

func newServer(ctx context.Context, conn jsonrpc2.Conn, opts Options) *server {
	ctx, cancel := context.WithCancel(ctx)
	s := &server{
		conn: conn, opts: opts, logger: opts.Logger, ctx: ctx, cancel: cancel,
		settings: defaultSettings(),
		docs:     map[protocol.DocumentURI]*document{},
		configs:  map[string]configResult{},
		contexts: map[string]*contextEntry{},
		shown:    map[string]bool{},
		memo:     &predictionMemo{m: map[string]predictionResult{}, instrs: instrmemo.New(0)},
	}
	var ropts []layerdiff.Option
	if opts.ListingStoreDir != "" {
		ropts = append(ropts, layerdiff.WithListingStore(layerdiff.NewListingStore(opts.ListingStoreDir)))
	}
	s.images = newImages(ctx, layerdiff.NewReader(ropts...), opts.Logger, func(string) { s.environmentChanged() },
		func() source.Credentials { s.mu.Lock(); defer s.mu.Unlock(); return s.settings.RegistryCredentials })
	interval := opts.PollInterval
	if interval <= 0 {
		interval = 2 * time.Second
	}
	s.discovery = &discovery{ctx: ctx, logger: opts.Logger, interval: interval, onChange: s.storesChanged,
		stores: source.LocalStores{CacheDir: opts.ListingStoreDir, Limit: 50}}
	return s
}

// stop ends background work (loads, timers, polling) and waits for it.
func (s *server) stop() {
	s.cancel()
	s.mu.Lock()
	for _, d := range s.docs {
		if d.timer != nil {
			d.timer.Stop()
		}
	}
	s.mu.Unlock()
	s.images.wait()
	s.discovery.wait()
	s.wg.Wait()
}

// handle is the connection's handler. It runs on the connection's reading goroutine, so it must not wait
// for the client: calls to the client go out from goroutines. It never returns an error, which would end
// the connection, and a panic becomes an InternalError reply.
func (s *server) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	_, isCall := req.(*jsonrpc2.Call)
	replied := false
	answer := func(result any, err error) {
		replied = true
		if rerr := reply(ctx, result, err); rerr != nil {
			s.logger.Printf("replying to %s: %v", req.Method(), rerr)
		}
	}
	defer func() {
		if p := recover(); p != nil {
			s.logger.Printf("panic handling %s: %v\n%s", req.Method(), p, debug.Stack())
			if isCall && !replied {
				answer(nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "internal error handling %s: %v", req.Method(), p))
			}
		}
	}()
	if !isCall {
		s.notification(ctx, req.Method(), req.Params())
		return nil
	}
	result, err := s.call(ctx, req.Method(), req.Params())
	if enc, ok := result.(encodedResult); ok && err == nil && s.out != nil {
		replied = true
		if werr := s.out.WriteResult(ctx, req.(*jsonrpc2.Call).ID(), enc); werr != nil {
			s.logger.Printf("replying to %s: %v", req.Method(), werr)
		}
		return nil
	}
	answer(result, err)
	return nil
}

// encodedResult is a result a handler has encoded itself, as valid JSON: the server writes it as it is,
// through resultWriter, when it has one, and jsonrpc2 encodes it (MarshalJSON) otherwise.
type encodedResult []byte

// MarshalJSON implements json.Marshaler.
func (r encodedResult) MarshalJSON() ([]byte, error) { return r, nil }

// resultWriter sends a response whose result is encoded already: the server's stream.
type resultWriter interface {
	WriteResult(ctx context.Context, id jsonrpc2.ID, result []byte) error
}

// call answers a request.
func (s *server) call(ctx context.Context, method string, params json.RawMessage) (any, error) {
	s.mu.Lock()
	state := s.state
	s.mu.Unlock()
	switch {
	case method == protocol.MethodInitialize:
		if state != stateNew {
			return nil, jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "initialize was already received")
		}
		return s.initialize(params)
	case state == stateNew:
		return nil, jsonrpc2.Errorf(jsonrpc2.ServerNotInitialized, "%s before initialize", method)
	case state == stateShutdown:
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "%s after shutdown", method)
	case method == protocol.MethodShutdown:
		s.mu.Lock()
		s.state = stateShutdown
		s.mu.Unlock()
		return nil, nil
	}
	h, ok := requests[method]
	if !ok {
		return nil, jsonrpc2.Errorf(jsonrpc2.MethodNotFound, "method not found: %s", method)
	}
	return h(s, ctx, params)
}

// requests are the methods answered once initialized, each a thin adapter to a feature.
var requests = map[string]func(*server, context.Context, json.RawMessage) (any, error){
	MethodTextDocumentInlayHint:               (*server).inlayHint,
	MethodInlayHintResolve:                    (*server).inlayHintResolve,
	protocol.MethodTextDocumentHover:          (*server).hover,
	protocol.MethodTextDocumentCodeAction:     (*server).codeAction,
	protocol.MethodTextDocumentDocumentSymbol: (*server).documentSymbol,
	protocol.MethodTextDocumentFoldingRange:   (*server).foldingRange,
	protocol.MethodTextDocumentCodeLens:       (*server).codeLens,
	protocol.MethodWorkspaceExecuteCommand:    func(*server, context.Context, json.RawMessage) (any, error) { return nil, nil },
	// The Dockerfile language (handlers_language.go).
	protocol.MethodTextDocumentCompletion:        (*server).completion,
	protocol.MethodTextDocumentDefinition:        (*server).definition,
	protocol.MethodTextDocumentReferences:        (*server).references,
	protocol.MethodTextDocumentDocumentHighlight: (*server).documentHighlight,
	protocol.MethodTextDocumentPrepareRename:     (*server).prepareRename,
	protocol.MethodTextDocumentRename:            (*server).rename,
	protocol.MethodSemanticTokensFull:            (*server).semanticTokensFull,
	protocol.MethodSemanticTokensRange:           (*server).semanticTokensRange,
	protocol.MethodTextDocumentDocumentLink:      (*server).documentLink,
}

// notification handles a notification; unknown ones are ignored, as LSP asks.
func (s *server) notification(ctx context.Context, method string, params json.RawMessage) {
	if method == protocol.MethodExit {
		s.mu.Lock()
		s.exited = true
		s.mu.Unlock()
		s.conn.Close()
		return
	}
	s.mu.Lock()
	running := s.state == stateRunning
	s.mu.Unlock()
	if !running {
		return
	}
	var err error
	switch method {
	case protocol.MethodInitialized:
		s.initialized()
	case protocol.MethodTextDocumentDidOpen:
		err = s.didOpen(params)
	case protocol.MethodTextDocumentDidChange:
		err = s.didChange(params)
	case protocol.MethodTextDocumentDidClose:
		err = s.didClose(params)
	case protocol.MethodTextDocumentDidSave:
		err = s.didSave(params)
	case protocol.MethodWorkspaceDidChangeConfiguration:
		err = s.didChangeConfiguration(params)
	case protocol.MethodWorkspaceDidChangeWatchedFiles:
		err = s.didChangeWatchedFiles(params)
	}
	if err != nil {
		s.logger.Printf("%s: %v", method, err)
	}
}

// decode unmarshals params, answering InvalidParams when they do not fit.
func decode(params json.RawMessage, v any) error {
	if len(params) == 0 {
		return jsonrpc2.Errorf(jsonrpc2.InvalidParams, "missing params")
	}
	if err := json.Unmarshal(params, v); err != nil {
		return jsonrpc2.Errorf(jsonrpc2.InvalidParams, "invalid params: %v", err)
	}
	return nil
}

// notify sends a notification to the client; failures are logged.
func (s *server) notify(method string, params any) {
	if err := s.conn.Notify(s.ctx, method, params); err != nil {
		s.logger.Printf("sending %s: %v", method, err)
	}
}

// callClient sends a request to the client from its own goroutine and ignores the answer.
func (s *server) callClient(method string, params any) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
		defer cancel()
		if _, err := s.conn.Call(ctx, method, params, nil); err != nil && s.ctx.Err() == nil {
			s.logger.Printf("%s: %v", method, err)
		}
	}()
}

// showOnce shows a message to the user once per text.
func (s *server) showOnce(typ protocol.MessageType, msg string) {
	s.mu.Lock()
	seen := s.shown[msg]
	s.shown[msg] = true
	s.mu.Unlock()
	if !seen {
		s.notify(protocol.MethodWindowShowMessage, &protocol.ShowMessageParams{Type: typ, Message: msg})
	}
}
