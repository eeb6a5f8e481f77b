package lsp

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"go.lsp.dev/protocol"
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
	// edited are the 1-based first and last lines of the latest change, in its text.
	edited [2]int
	// found is the image found for it in the local stores (nil: none), chosen from the listing of
	// generation foundGen (0: not chosen yet); finding is set while a choice is being made.
	found    *foundImage
	foundGen int
	finding  bool
	// published reports that diagnostics of some version went out.
	published bool
	// lint is the linter's parse of the latest snapshot's text: a snapshot of the same text in a new
	// environment takes it over.
	lint  *lintParsed
	good  *Snapshot   // the latest snapshot that had a cache prediction of its own
	timer *time.Timer // pending diagnostics
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
			d.edited = changedLines(text, c.Text)
			text = c.Text
			continue
		}
		l := newLines(text)
		start, end := l.offset(c.Range.Start), l.offset(c.Range.End)
		if end < start {
			start, end = end, start
		}
		first := strings.Count(text[:start], "\n") + 1
		d.edited = [2]int{first, first + strings.Count(c.Text, "\n")}
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
	s.mu.Lock()
	if d := s.docs[p.TextDocument.URI]; d != nil && !d.finding {
		d.foundGen = -1 // a saved Dockerfile may be another image's now: choose again
	}
	s.mu.Unlock()
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
		// The linter builds its model from the snapshot's parse, which re-parses only what changed.
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
			s.publish(snap, diagnostics(s.ctx, snap, false))
		}
		s.publish(snap, Diagnostics(s.ctx, snap))
	})
}

// publish sends the diagnostics of snap while it is current: the document's version in the server's latest
// environment. An older one would overwrite what a newer publication (pending after a change of the
// image or the context) says.
func (s *server) publish(snap *Snapshot, diags []protocol.Diagnostic) {
	uri, version := snap.URI, snap.Version
	// Checked and sent under one lock: publications leave in the order they were found current.
	s.publishMu.Lock()
	defer s.publishMu.Unlock()
	s.mu.Lock()
	d := s.docs[uri]
	current := d != nil && d.version == version && snap.gen == s.gen
	if current {
		d.published = true
	}
	s.mu.Unlock()
	if current {
		s.notify(protocol.MethodTextDocumentPublishDiagnostics, &protocol.PublishDiagnosticsParams{
			URI: uri, Version: uint32(max(version, 0)), Diagnostics: diags})
		s.images.published()
	}
}

// changedLines returns the 1-based first and last lines of b that differ from a.
func changedLines(a, b string) [2]int {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	first := 0
	for first < len(la) && first < len(lb) && la[first] == lb[first] {
		first++
	}
	same := 0
	for same < len(la)-first && same < len(lb)-first && la[len(la)-1-same] == lb[len(lb)-1-same] {
		same++
	}
	return [2]int{first + 1, max(first+1, len(lb)-same)}
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
