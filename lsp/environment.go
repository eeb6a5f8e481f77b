package lsp

import (
	"path/filepath"

	"go.lsp.dev/protocol"

	"github.com/layerlint/layerlint/layerdiff/cache"
	"github.com/layerlint/layerlint/layerdiff/source"
	"github.com/layerlint/layerlint/lint"
)

// The environment documents are analysed in: configurations, build contexts and images, shared by the open
// documents, and the snapshots built in it.

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
	version, text, gen, path, good, prev, edited, lp := d.version, d.text, s.gen, d.path, d.good, d.parsed, d.edited, d.lint
	s.mu.Unlock()
	e := s.environment(path)
	e.lintParsed = lp
	failed := e.imageRef != "" && !e.image.loading && e.image.err != nil && e.image.image == nil
	if e.settings.FindImage && (e.imageRef == "" || failed) {
		found, finding := s.foundImage(d, text)
		switch {
		case e.imageRef == "":
			e.found, e.finding = found, finding
			if found != nil {
				e.imageRef = found.ref
				e.image = s.images.get(e.imageRef)
			}
		case found != nil:
			// The configured image cannot be read: the cache status compares with the one found.
			e.found, e.fallback = found, s.images.get(found.ref)
		}
	}
	snap := buildSnapshot(s.ctx, uri, path, version, text, gen, e, prev, good)
	snap.Edited = edited
	carryForward(snap, good)
	s.mu.Lock()
	if s.docs[uri] == d {
		d.image, d.context = snap.ImageRef, snap.ContextDir
		if snap.AST != nil {
			d.parsed = parsed{text: text, res: snap.AST}
		}
		d.lint = snap.lintParsed
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
		if storeImage(e.imageRef) != "" {
			s.discovery.current() // watch the stores: a rebuild under the tag reloads it
		}
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

// storesChanged reloads the configured images of the local stores that a rebuild replaced, and makes the
// found images be chosen again.
func (s *server) storesChanged(list []source.LocalImage) {
	s.images.reloadStored(list)
	s.environmentChanged()
}

// foundImage returns the image found for d's Dockerfile, choosing it (again) in the background when the
// stores' listing is newer than the choice; finding is true while the first choice is being made.
func (s *server) foundImage(d *document, text string) (found *foundImage, finding bool) {
	list, gen, listed := s.discovery.current()
	if !listed {
		return nil, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if d.foundGen != gen && !d.finding {
		d.finding = true
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			f := s.chooseFor(text, list, gen)
			s.mu.Lock()
			if f != nil && (d.found == nil || d.found.ref != f.ref) {
				s.logger.Printf("%s: found image %s (%s), which holds %d of its %d instructions", d.path, f.name, f.ref, f.matched, f.of)
			}
			d.found, d.foundGen, d.finding = f, gen, false
			s.mu.Unlock()
			s.environmentChanged()
		}()
	}
	return d.found, d.foundGen == 0
}

// chooseFor parses text and chooses its image from list. A panic is logged and chooses none.
func (s *server) chooseFor(text string, list []source.LocalImage, gen int) (f *foundImage) {
	defer func() {
		if p := recover(); p != nil {
			f = nil
			_ = recovered(s.logger.Printf, "choosing an image", p)
		}
	}()
	ast, err := parseText(text)
	if err != nil {
		return nil
	}
	return chooseImage(list, ast, gen)
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
		if d.found != nil {
			images[d.found.ref] = true
		}
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
