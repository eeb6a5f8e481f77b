package lsp

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime/debug"
	"time"

	"go.lsp.dev/protocol"

	"github.com/layerlint/layerlint/layerdiff/cache"
	"github.com/layerlint/layerlint/layerdiff/source"
	"github.com/layerlint/layerlint/lint"
)

// document is an open text document.
type document struct {
	uri     protocol.DocumentURI
	path    string
	version int32
	text    string
	snap    *Snapshot // the snapshot of the current version, nil until asked for
	image   string    // the image reference of its latest snapshot
	context string    // the build context of its latest snapshot
	parsed  parsed    // the latest text that parsed, with its parse: the next snapshot re-parses from it
	// published reports that diagnostics of some version went out.
	published bool
	good      *Snapshot   // the latest snapshot that had a cache prediction of its own
	timer     *time.Timer // pending diagnostics
}

// configResult is .layerlint.yaml as found for a directory.
type configResult struct {
	config *lint.Config
	file   string
	err    error
}

// contextEntry is a listed build context.
type contextEntry struct {
	bc        *cache.BuildContext
	sizes     *contextSizes // of the files bc lists
	err       error
	gen       int
	reopening bool
}

// textChange is a content change with an optional range (go.lsp.dev/protocol's range is not optional).
type textChange struct {
	Range *protocol.Range `json:"range"`
	Text  string          `json:"text"`
}

func (s *server) didOpen(params json.RawMessage) error {
	var p protocol.DidOpenTextDocumentParams
	if err := decode(params, &p); err != nil {
		return err
	}
	d := &document{uri: p.TextDocument.URI, path: filePath(p.TextDocument.URI), version: p.TextDocument.Version, text: p.TextDocument.Text}
	s.mu.Lock()
	if old := s.docs[d.uri]; old != nil && old.timer != nil {
		old.timer.Stop()
	}
	s.docs[d.uri] = d
	s.scheduleDiagnosticsLocked(d, 0)
	s.mu.Unlock()
	return nil
}

func (s *server) didChange(params json.RawMessage) error {
	var p struct {
		TextDocument   protocol.VersionedTextDocumentIdentifier `json:"textDocument"`
		ContentChanges []textChange                             `json:"contentChanges"`
	}
	if err := decode(params, &p); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.docs[p.TextDocument.URI]
	if d == nil {
		return fmt.Errorf("change of %s, which is not open", p.TextDocument.URI)
	}
	text := d.text
	for _, c := range p.ContentChanges {
		if c.Range == nil {
			text = c.Text
			continue
		}
		l := newLines(text)
		start, end := l.offset(c.Range.Start), l.offset(c.Range.End)
		if end < start {
			start, end = end, start
		}
		text = text[:start] + c.Text + text[end:]
	}
	d.text, d.version, d.snap = text, p.TextDocument.Version, nil
	s.scheduleDiagnosticsLocked(d, s.opts.DiagnosticsDelay)
	return nil
}

func (s *server) didClose(params json.RawMessage) error {
	var p protocol.DidCloseTextDocumentParams
	if err := decode(params, &p); err != nil {
		return err
	}
	s.mu.Lock()
	d := s.docs[p.TextDocument.URI]
	delete(s.docs, p.TextDocument.URI)
	if d != nil && d.timer != nil {
		d.timer.Stop()
	}
	s.mu.Unlock()
	if d != nil {
		s.notify(protocol.MethodTextDocumentPublishDiagnostics, &protocol.PublishDiagnosticsParams{URI: d.uri, Diagnostics: []protocol.Diagnostic{}})
	}
	return nil
}

// didSave of any file may change the build context, an image or a configuration.
func (s *server) didSave(params json.RawMessage) error {
	var p protocol.DidSaveTextDocumentParams
	if err := decode(params, &p); err != nil {
		return err
	}
	s.filesChanged([]string{filePath(p.TextDocument.URI)})
	return nil
}

func (s *server) didChangeWatchedFiles(params json.RawMessage) error {
	var p protocol.DidChangeWatchedFilesParams
	if err := decode(params, &p); err != nil {
		return err
	}
	var paths []string
	for _, c := range p.Changes {
		if c != nil {
			paths = append(paths, filePath(c.URI))
		}
	}
	s.filesChanged(paths)
	return nil
}

func (s *server) didChangeConfiguration(params json.RawMessage) error {
	var p struct {
		Settings json.RawMessage `json:"settings"`
	}
	if err := decode(params, &p); err != nil {
		return err
	}
	s.mu.Lock()
	settings, warnings := parseSettings(defaultSettings(), p.Settings, s.root)
	s.settings = settings
	s.configs = map[string]configResult{}
	s.mu.Unlock()
	for _, w := range warnings {
		s.showOnce(protocol.MessageTypeWarning, w)
	}
	s.environmentChanged()
	return nil
}

// filesChanged re-lists the build contexts holding any of paths, forgets the configurations, and reloads
// images whose files changed.
func (s *server) filesChanged(paths []string) {
	s.mu.Lock()
	s.configs = map[string]configResult{}
	reopened := false
	for dir, ce := range s.contexts {
		if ce.reopening {
			continue
		}
		for _, p := range paths {
			if p != "" && isUnder(p, dir) {
				s.reopenContextLocked(dir, ce)
				reopened = true
				break
			}
		}
	}
	s.mu.Unlock()
	for _, p := range paths {
		if p != "" {
			s.images.reload(p)
		}
	}
	if !reopened {
		s.environmentChanged() // a configuration may have changed
	}
}

// environmentChanged makes every snapshot stale, republishes diagnostics and asks the client for new hints.
func (s *server) environmentChanged() {
	s.mu.Lock()
	s.gen++
	for _, d := range s.docs {
		s.scheduleDiagnosticsLocked(d, 0)
	}
	refresh := s.refreshSupport && s.state == stateRunning
	s.mu.Unlock()
	if refresh {
		s.callClient(MethodWorkspaceInlayHintRefresh, nil)
	}
}

// snapshot returns the snapshot of the current version of uri, building it when needed.
func (s *server) snapshot(uri protocol.DocumentURI) *Snapshot {
	s.mu.Lock()
	d := s.docs[uri]
	if d == nil {
		s.mu.Unlock()
		return nil
	}
	if d.snap != nil && d.snap.gen == s.gen {
		snap := d.snap
		s.mu.Unlock()
		return snap
	}
	s.mu.Unlock()

	s.analysisMu.Lock()
	defer s.analysisMu.Unlock()
	s.mu.Lock()
	if d.snap != nil && d.snap.gen == s.gen { // built while we waited
		snap := d.snap
		s.mu.Unlock()
		return snap
	}
	version, text, gen, path, good, prev := d.version, d.text, s.gen, d.path, d.good, d.parsed
	s.mu.Unlock()
	snap := buildSnapshot(s.ctx, uri, path, version, text, gen, s.environment(path), prev)
	carryForward(snap, good)
	s.mu.Lock()
	if s.docs[uri] == d {
		d.image, d.context = snap.ImageRef, snap.ContextDir
		if snap.AST != nil {
			d.parsed = parsed{text: text, res: snap.AST}
		}
	}
	if s.docs[uri] == d && d.version == version && d.text == text {
		d.snap = snap
		if snap.Prediction != nil && !snap.Carried {
			d.good = snap
		}
	}
	s.mu.Unlock()
	return snap
}

// environment resolves what a Dockerfile at path is built with. Called with analysisMu held.
func (s *server) environment(path string) env {
	s.mu.Lock()
	e := env{settings: s.settings, memo: s.memo, logf: s.logger.Printf}
	s.mu.Unlock()
	e.config = &lint.Config{}
	if path != "" {
		dir := filepath.Dir(path)
		s.mu.Lock()
		cr, ok := s.configs[dir]
		s.mu.Unlock()
		if !ok {
			cr.config, cr.file, cr.err = lint.LoadConfig(path)
			s.mu.Lock()
			s.configs[dir] = cr
			s.mu.Unlock()
		}
		if cr.config != nil {
			e.config = cr.config
		}
		e.configFile, e.configErr = cr.file, cr.err
	}
	e.imageRef = e.settings.Image
	if e.imageRef == "" {
		e.imageRef = source.Redact(e.config.Image) // credentials in .layerlint.yaml go no further
	}
	if e.imageRef != "" {
		e.image = s.images.get(e.imageRef)
	}
	e.contextDir = e.settings.Context
	if e.contextDir == "" {
		e.contextDir = e.config.Context
	}
	if e.contextDir == "" && path != "" {
		e.contextDir = filepath.Dir(path)
	}
	if e.contextDir == "" {
		return e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ce := s.contexts[e.contextDir]
	if ce == nil {
		// Listing a context can take long (a Dockerfile in a home directory): never on the request path.
		ce = &contextEntry{}
		s.contexts[e.contextDir] = ce
		s.reopenContextLocked(e.contextDir, ce)
	}
	e.context, e.contextErr, e.contextGen, e.sizes = ce.bc, ce.err, ce.gen, ce.sizes
	return e
}

// dropUnused forgets the images and build contexts that no open document's latest snapshot uses: memory
// goes with the documents. It holds analysisMu, so that no snapshot is being built with what it drops.
func (s *server) dropUnused() {
	s.analysisMu.Lock()
	defer s.analysisMu.Unlock()
	images, contexts := map[string]bool{}, map[string]bool{}
	s.mu.Lock()
	for _, d := range s.docs {
		images[d.image], contexts[d.context] = true, true
	}
	for dir, ce := range s.contexts {
		if !contexts[dir] && !ce.reopening {
			delete(s.contexts, dir)
		}
	}
	s.mu.Unlock()
	s.images.retain(func(ref string) bool { return images[ref] })
}

// reopenContextLocked lists the build context dir in the background; snapshots are rebuilt when done.
func (s *server) reopenContextLocked(dir string, ce *contextEntry) {
	ce.reopening = true
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		bc, err := cache.OpenContext(s.ctx, dir)
		if s.ctx.Err() != nil {
			return
		}
		if err != nil {
			s.logger.Printf("build context %s: %v", dir, err)
		}
		s.mu.Lock()
		ce.bc, ce.err, ce.reopening = bc, err, false
		ce.sizes = newContextSizes(dir)
		ce.gen++
		s.mu.Unlock()
		s.environmentChanged()
	}()
}

// scheduleDiagnosticsLocked publishes d's diagnostics after delay, replacing a pending publication.
func (s *server) scheduleDiagnosticsLocked(d *document, delay time.Duration) {
	if d.timer != nil {
		d.timer.Stop()
	}
	uri, version := d.uri, d.version
	d.timer = time.AfterFunc(delay, func() {
		defer func() {
			if p := recover(); p != nil {
				s.logger.Printf("panic publishing diagnostics of %s: %v\n%s", uri, p, debug.Stack())
			}
		}()
		if s.ctx.Err() != nil {
			return
		}
		snap := s.snapshot(uri)
		if snap == nil || snap.Version != version {
			return // closed or changed: a newer publication is pending
		}
		if snap.Image.err != nil && !snap.Image.loading {
			s.showOnce(protocol.MessageTypeError, fmt.Sprintf("layerlint: %v", snap.Image.err))
		}
		s.mu.Lock()
		first := !d.published && snap.Settings.BuildKitChecks // without the checks there is no second list
		s.mu.Unlock()
		if first {
			// A file's first diagnostics go out before BuildKit's checks, which take most of the time on a
			// long file; the complete list follows. Later versions wait for it, not to flicker.
			s.publish(uri, version, diagnostics(s.ctx, snap, false))
		}
		s.publish(uri, version, Diagnostics(s.ctx, snap))
	})
}

// publish sends the diagnostics of a version that is still the document's current one.
func (s *server) publish(uri protocol.DocumentURI, version int32, diags []protocol.Diagnostic) {
	s.mu.Lock()
	d := s.docs[uri]
	current := d != nil && d.version == version
	if current {
		d.published = true
	}
	s.mu.Unlock()
	if current {
		s.notify(protocol.MethodTextDocumentPublishDiagnostics, &protocol.PublishDiagnosticsParams{
			URI: uri, Version: uint32(max(version, 0)), Diagnostics: diags})
	}
}

// filePath returns the local path of a file: URI, "" for other schemes.
func filePath(u protocol.DocumentURI) string {
	parsed, err := url.Parse(string(u))
	if err != nil || parsed.Scheme != "file" {
		return ""
	}
	p := parsed.Path
	if len(p) >= 3 && p[0] == '/' && p[2] == ':' { // file:///c:/x on Windows
		p = p[1:]
	}
	return filepath.FromSlash(p)
}
