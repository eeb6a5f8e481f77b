package lsp

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/history"
	"github.com/layerlint/layerlint/layerdiff/source"
)

// Finding a Dockerfile's image by itself: with no image configured, the server looks in the local image
// stores (the Docker daemon of DOCKER_HOST, the docker context in use or the default socket, and containers-storage where it exists)
// for the image built from the Dockerfile. It reads only configs (histories) to choose, and loads only the
// image it chose.

// foundImage is the image a document's Dockerfile was found to be built into.
type foundImage struct {
	// ref opens the image by its ID, so that a rebuild under the same tag is another image.
	ref string
	// name is what the user calls it: its first tag, else its short ID.
	name    string
	created time.Time
	// matched and of count the instructions at the head of the Dockerfile the image holds, and all of them.
	matched, of int
	// gen is the generation of the store listing it was chosen from.
	gen int
}

// describe is "app:dev, built 3 min ago".
func (f *foundImage) describe(now time.Time) string {
	return f.name + ", built " + ago(now, f.created)
}

// ago says how long before now t was, the way a person would.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case t.IsZero():
		return "at an unknown time"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	default:
		return fmt.Sprintf("%d days ago", int(d.Hours()/24))
	}
}

// discovery lists the local stores' images, once and then again whenever they change, for the documents
// whose image is found by itself.
type discovery struct {
	ctx      context.Context
	stores   source.LocalStores
	interval time.Duration
	logger   interface{ Printf(string, ...any) }
	onChange func(list []source.LocalImage) // the listing changed: choose again

	mu      sync.Mutex
	started bool
	listed  bool // a listing has finished
	list    []source.LocalImage
	gen     int
	wg      sync.WaitGroup
}

// current returns the latest listing, starting the first (and the watch of the stores) when none has
// begun; ok is false until a listing has finished.
func (ds *discovery) current() (list []source.LocalImage, gen int, ok bool) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if !ds.started {
		ds.started = true
		ds.wg.Add(1)
		go ds.watch()
	}
	return ds.list, ds.gen, ds.listed
}

// watch lists the stores, then lists them again on every change WatchLocalImages reports.
func (ds *discovery) watch() {
	defer ds.wg.Done()
	changes := source.WatchLocalImages(ds.ctx, ds.stores, ds.interval)
	for {
		start := time.Now()
		list, err := source.ListLocalImages(ds.ctx, ds.stores)
		if ds.ctx.Err() != nil {
			return
		}
		if err != nil {
			ds.logger.Printf("finding images: %v", err)
		}
		ds.logger.Printf("finding images: %d in the local stores, listed in %s", len(list), time.Since(start).Round(time.Millisecond))
		ds.mu.Lock()
		ds.list, ds.listed = list, true
		ds.gen++
		ds.mu.Unlock()
		ds.onChange(list)
		select {
		case <-ds.ctx.Done():
			return
		case <-changes:
		}
	}
}

// wait waits for the watch to end; cancel its context first.
func (ds *discovery) wait() { ds.wg.Wait() }

// chooseImage returns the image of list (newest first) that holds the longest head of the Dockerfile's
// instructions, the newest of those that hold equally many; nil when none holds even one.
func chooseImage(list []source.LocalImage, ast *parser.Result, gen int) *foundImage {
	var best *foundImage
	for _, img := range list {
		a, err := history.AlignPrefix(historyOnly(img), ast, history.WithoutMeasure())
		if err != nil || a.Matched == 0 || best != nil && a.Matched <= best.matched {
			continue
		}
		best = &foundImage{ref: imageIDRef(img), name: imageName(img), created: img.Created,
			matched: a.Matched, of: a.Instructions, gen: gen}
	}
	return best
}

// historyOnly is an image made of a listed image's history alone, for AlignPrefix without measuring: one
// empty listing per layer the history records. (The daemon's history API does not say which entries made
// no layer; then every entry counts as one, which changes nothing the alignment of instructions looks at.)
func historyOnly(img source.LocalImage) *layerdiff.Image {
	out := &layerdiff.Image{Name: img.Ref, Config: &v1.ConfigFile{History: img.History, Created: v1.Time{Time: img.Created}}}
	for _, h := range img.History {
		if !h.EmptyLayer {
			out.Layers = append(out.Layers, &layerdiff.Listing{})
		}
	}
	return out
}

// imageIDRef opens a listed image by its ID.
func imageIDRef(img source.LocalImage) string {
	if img.Transport != source.DockerDaemon || img.ID == "" {
		return img.Ref
	}
	return source.DockerDaemon + ":" + img.ID
}

// imageName is an image's first tag, else its short ID.
func imageName(img source.LocalImage) string {
	if len(img.Names) > 0 {
		return img.Names[0]
	}
	id := strings.TrimPrefix(img.ID, "sha256:")
	return id[:min(12, len(id))]
}
