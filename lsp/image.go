package lsp

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/history"
	"github.com/layerlint/layerlint/layerdiff/load"
	"github.com/layerlint/layerlint/layerdiff/source"
)

// loadedImage is one read of an image: immutable once published, shared by every snapshot that uses it.
// Requests never read image bytes; they only look at these listings.
type loadedImage struct {
	ref string
	img *layerdiff.Image
	id  uint64 // unique within the server: memo keys name the image by it
	// configID is the digest of the image's config: a local store's image ID.
	configID string
	// measured holds what history measures of the image, once per load: per-layer sizes and changes, and
	// the wasted files hover lists.
	measured *history.Measurements
	// matches remembers which instructions match which of its history entries, by their text: an edit
	// compares only the instructions it changed.
	matches *history.Matches

	memoMu sync.Mutex
	align  map[string]alignment // by instructionsKey
}

// wastedFiles returns the image's wasted files, measured when it loaded.
func (li *loadedImage) wastedFiles() []history.WastedFile { return li.measured.WastedFiles() }

// imageState is what is known of an image reference at one moment.
type imageState struct {
	ref     string
	loading bool
	image   *loadedImage // the image as last read, nil when the last read failed or none finished yet
	err     error        // the last load's error
}

// imageEntry tracks one reference: its current state, the on-disk fingerprint it was loaded from, and the
// load in flight.
type imageEntry struct {
	state  imageState
	gen    int // bumped by each load started
	print  fingerprint
	cancel context.CancelFunc // cancels the load in flight
	done   chan struct{}      // closed when the load in flight has ended
	creds  source.Credentials // the registry credentials of the last load
}

// fingerprint identifies the on-disk version of a local image: the archive file, or an OCI layout's
// index.json.
type fingerprint struct {
	path  string
	size  int64
	mtime time.Time
}

// images loads images in the background and reloads them when their files change. One reference is read by
// one load at a time: a load that a newer one replaces is cancelled, and the newer one waits for it to end
// before it opens the image.
type images struct {
	ctx      context.Context
	logger   interface{ Printf(string, ...any) }
	onChange func(ref string) // called (without locks held) after a load finishes
	// read opens and lists an image; readImage with the server's reader, or a test's wrapper of it.
	read func(ctx context.Context, ref string, creds source.Credentials) (*loadedImage, error)
	// creds returns the registry credentials of the settings (zero for none); nil means none. It is called
	// without im.mu held.
	creds func() source.Credentials

	// first is closed once the server published its first diagnostics: until then (or firstWait) loads
	// wait, so that a file's first diagnostics do not share the machine with reading its image.
	first     chan struct{}
	firstOnce sync.Once
	wg        sync.WaitGroup // the loads
	loads     atomic.Uint64  // numbers the images read
	mu        sync.Mutex
	entries   map[string]*imageEntry
}

func newImages(ctx context.Context, r *layerdiff.Reader, logger interface{ Printf(string, ...any) }, onChange func(string), creds func() source.Credentials) *images {
	im := &images{ctx: ctx, logger: logger, onChange: onChange, entries: map[string]*imageEntry{}, creds: creds,
		first: make(chan struct{})}
	im.read = func(ctx context.Context, ref string, creds source.Credentials) (*loadedImage, error) {
		return readImage(ctx, logger.Printf, r, ref, creds)
	}
	return im
}

// firstWait is the longest a load waits for the server's first diagnostics.
const firstWait = 300 * time.Millisecond

// published lets loads go: the first diagnostics are out.
func (im *images) published() { im.firstOnce.Do(func() { close(im.first) }) }

// get returns the state of ref, starting its first load, or a new one when the last failed and the
// registry credentials have changed since.
func (im *images) get(ref string) imageState {
	var creds source.Credentials
	if im.creds != nil {
		creds = im.creds()
	}
	im.mu.Lock()
	defer im.mu.Unlock()
	e, ok := im.entries[ref]
	if !ok {
		e = &imageEntry{}
		im.entries[ref] = e
		im.startLocked(ref, e, creds)
	} else if e.state.err != nil && !e.state.loading && e.creds != creds {
		im.startLocked(ref, e, creds)
	}
	return e.state
}

// startLocked begins a load of ref, cancelling the one in flight. im.mu is held.
func (im *images) startLocked(ref string, e *imageEntry, creds source.Credentials) {
	if e.cancel != nil {
		e.cancel()
	}
	prev := e.done
	e.creds = creds
	e.gen++
	gen := e.gen
	e.state.ref = ref
	e.state.loading = true
	e.print = localFingerprint(ref)
	ctx, cancel := context.WithCancel(im.ctx)
	done := make(chan struct{})
	e.cancel, e.done = cancel, done
	im.wg.Add(1)
	go func() {
		defer im.wg.Done()
		defer close(done)
		defer cancel()
		if prev != nil {
			<-prev // never two reads of one image at once
		}
		select {
		case <-im.first:
		case <-time.After(firstWait):
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			return // replaced while it waited
		}
		im.load(ctx, ref, gen, creds)
	}()
}

func (im *images) load(ctx context.Context, ref string, gen int, creds source.Credentials) {
	start := time.Now()
	li, err := im.read(ctx, ref, creds)
	if ctx.Err() != nil {
		return // replaced by a newer load, dropped or the server is ending
	}
	im.mu.Lock()
	e := im.entries[ref]
	if e == nil || e.gen != gen {
		im.mu.Unlock()
		return
	}
	if li != nil {
		li.id = im.loads.Add(1)
	}
	e.state.loading = false
	e.state.err = err
	// A failed read leaves no image: sizes from a file that is gone or broken would be stale.
	e.state.image = li
	im.mu.Unlock()
	if err != nil {
		im.logger.Printf("image %s: %v", ref, err)
	} else {
		im.logger.Printf("image %s: loaded %d layers in %s", ref, len(li.img.Layers), time.Since(start).Round(time.Millisecond))
	}
	im.onChange(ref)
}

// readImage opens and lists an image through layerdiff/load, as every command does. A panic in a reader is
// turned into an error: a corrupt image must not take the server down. Errors never hold the credentials.
func readImage(ctx context.Context, logf func(string, ...any), r *layerdiff.Reader, ref string, creds source.Credentials) (li *loadedImage, err error) {
	defer func() {
		if p := recover(); p != nil {
			li, err = nil, recovered(logf, "reading image "+ref, p)
		}
		err = source.RedactError(err, creds.Secrets()...)
	}()
	loader, err := load.New(load.WithReader(r), load.WithCredentials(creds),
		load.WithCredentialsFlag(`set the layerlint.registryCredentials setting ("USER:PASSWORD")`))
	if err != nil {
		return nil, err
	}
	img, err := loader.Image(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("reading image %s: %w", ref, err)
	}
	m, err := history.Measure(ctx, img)
	if err != nil {
		return nil, fmt.Errorf("reading image %s: %w", ref, err)
	}
	li = &loadedImage{ref: ref, img: img, measured: m, matches: history.NewMatches(), align: map[string]alignment{}}
	if src := img.Source(); src != nil {
		if h, err := src.ConfigName(); err == nil {
			li.configID = h.String()
		}
	}
	return li, nil
}

// poll reloads every local image whose file changed since its load started, cancelling a load of a file
// that changed again.
func (im *images) poll() {
	im.mu.Lock()
	defer im.mu.Unlock()
	for ref, e := range im.entries {
		if e.print.path == "" {
			continue
		}
		if now := localFingerprint(ref); now != e.print {
			im.logger.Printf("image %s changed on disk: reloading", ref)
			im.startLocked(ref, e, e.creds)
		}
	}
}

// reload reloads the images whose file changed on disk, and the failed ones that read path (or a file under
// the directory path), and reports whether any load started.
func (im *images) reload(path string) bool {
	im.mu.Lock()
	defer im.mu.Unlock()
	started := false
	for ref, e := range im.entries {
		if e.print.path == "" {
			continue
		}
		changed := localFingerprint(ref) != e.print
		retry := !e.state.loading && e.state.err != nil && (e.print.path == path || isUnder(e.print.path, path))
		if changed || retry {
			im.startLocked(ref, e, e.creds)
			started = true
		}
	}
	return started
}

// storeImage returns the name a reference gives an image of a local store (the Docker daemon or
// containers-storage), "" for other references and for references by ID.
func storeImage(ref string) string {
	r, err := source.ParseReference(ref)
	if err != nil || r.Transport != source.DockerDaemon && r.Transport != source.ContainersStorage ||
		strings.HasPrefix(r.Name, "sha256:") {
		return ""
	}
	return r.Name
}

// reloadStored reloads the images of the local stores named by tag whose tag now names another image
// of list (a rebuild), and those that failed and now are there.
func (im *images) reloadStored(list []source.LocalImage) {
	ids := map[string]string{} // name -> image ID
	for _, img := range list {
		for _, n := range img.Names {
			ids[n] = img.ID
			if !strings.Contains(n[strings.LastIndex(n, "/")+1:], ":") {
				ids[n+":latest"] = img.ID
			}
		}
	}
	im.mu.Lock()
	defer im.mu.Unlock()
	for ref, e := range im.entries {
		name := storeImage(ref)
		if name == "" || e.state.loading {
			continue
		}
		id, listed := ids[name]
		if !listed {
			id, listed = ids[name+":latest"]
		}
		if !listed {
			continue
		}
		if li := e.state.image; li == nil || li.configID != id {
			im.logger.Printf("image %s is now %s: reloading", ref, id)
			im.startLocked(ref, e, e.creds)
		}
	}
}

// retain forgets the images whose reference keep rejects, cancelling their loads: an image no open
// Dockerfile uses must not hold memory.
func (im *images) retain(keep func(ref string) bool) {
	im.mu.Lock()
	defer im.mu.Unlock()
	for ref, e := range im.entries {
		if !keep(ref) {
			if e.cancel != nil {
				e.cancel()
			}
			delete(im.entries, ref)
		}
	}
}

// wait waits for the loads to end; cancel them first (the server's context).
func (im *images) wait() { im.wg.Wait() }

// localFingerprint stats the file a local image reference reads; the zero fingerprint for registries and
// daemons, and a fingerprint with only the path when the file is missing.
func localFingerprint(ref string) fingerprint {
	var p string
	r, err := source.ParseReference(ref)
	switch {
	case err == nil && r.Transport == source.OCI:
		p = filepath.Join(r.Path, "index.json")
	case err == nil:
		p = r.Path
	case !strings.Contains(ref, ":"):
		// A bare path that does not exist (yet, or any more): the poll must see it appear.
		p = ref
	}
	if p == "" {
		return fingerprint{}
	}
	abs, err := filepath.Abs(p)
	if err == nil {
		p = abs
	}
	fi, err := os.Stat(p)
	if err != nil {
		return fingerprint{path: p}
	}
	return fingerprint{path: p, size: fi.Size(), mtime: fi.ModTime()}
}

// isUnder reports whether p is dir or inside it.
func isUnder(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
