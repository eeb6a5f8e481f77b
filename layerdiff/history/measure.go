package history

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/layerlint/layerlint/internal/pkgcache"
	"github.com/layerlint/layerlint/layerdiff"
)

// WastedFile is a regular file that a layer stores and a later layer overwrites or deletes.
type WastedFile struct {
	Path  string `json:"path"`
	Size  int64  `json:"size"`
	Layer int    `json:"layer"`
	// By is the layer whose entry is visible at Path in the final image, or the last layer that deleted it.
	By int `json:"by"`
	// Deleted reports that nothing is visible at Path in the final image.
	Deleted bool `json:"deleted"`
}

// Measurements is what one pass over an image's merged stream finds out about its layers: what each adds,
// replaces, deletes and wastes, and which files are wasted.
type Measurements struct {
	layers []layerStats
	wasted []WastedFile
}

// layerStats is what Measure finds out about one layer.
type layerStats struct {
	files, added, modified, deleted int
	wasted                          int64
	leftovers                       map[string]int64
}

// Measure reads img's merged stream once and measures every layer against the filesystem below it, and the
// files later layers overwrite or delete. Memory grows with the number of wasted files, not of all files.
func Measure(ctx context.Context, img *layerdiff.Image) (*Measurements, error) {
	return MeasureVisit(ctx, img, nil)
}

// MeasureVisit is Measure that also hands every merged path to visit (when not nil), so that a caller
// gathering facts of its own (layerdiff report's treemap) reads the image's stream once. mp is valid only
// during the call.
func MeasureVisit(ctx context.Context, img *layerdiff.Image, visit func(mp *layerdiff.MergedPath)) (*Measurements, error) {
	m := &Measurements{layers: make([]layerStats, len(img.Layers))}
	for mp, err := range img.Merge(ctx) {
		if err != nil {
			return nil, fmt.Errorf("%s: measuring layers: %w", img.Name, err)
		}
		if visit != nil {
			visit(mp)
		}
		for _, k := range mp.Deletions {
			m.layers[k].deleted++
		}
		for _, w := range mp.Writes {
			st, e := &m.layers[w.Layer], w.Entry
			if !e.IsDir() {
				st.files++
			}
			switch {
			case w.Below == nil:
				st.added++
			case !e.IsDir():
				st.modified++
			case !w.Below.IsDir():
				st.modified++ // a directory takes the place of a file
			}
			if e.Type != layerdiff.TypeFile {
				continue
			}
			if kind := leftoverKind(e.Path); kind != "" {
				if st.leftovers == nil {
					st.leftovers = map[string]int64{}
				}
				st.leftovers[kind] += e.Size
			}
			if mp.Node != nil && mp.Layer == w.Layer {
				continue // visible in the final image
			}
			wf := WastedFile{Path: strings.Clone(e.Path), Size: e.Size, Layer: w.Layer, Deleted: mp.Node == nil}
			switch {
			case mp.Node != nil:
				wf.By = mp.Layer
			case mp.Removed >= 0:
				wf.By = mp.Removed
			}
			st.wasted += e.Size
			m.wasted = append(m.wasted, wf)
		}
	}
	slices.SortStableFunc(m.wasted, func(a, b WastedFile) int {
		if c := cmp.Compare(b.Size, a.Size); c != 0 {
			return c
		}
		if c := layerdiff.ComparePaths(a.Path, b.Path); c != 0 {
			return c
		}
		return cmp.Compare(a.Layer, b.Layer)
	})
	return m, nil
}

// WastedFiles lists the regular files of the image's layers that are not visible in the final image because
// a later layer overwrote or deleted them, largest first. Their bytes are stored and shipped all the same.
func (m *Measurements) WastedFiles() []WastedFile { return m.wasted }

// WastedFiles measures img (see Measure) and returns its wasted files.
func WastedFiles(ctx context.Context, img *layerdiff.Image) ([]WastedFile, error) {
	m, err := Measure(ctx, img)
	if err != nil {
		return nil, err
	}
	return m.wasted, nil
}

// WithMeasurements gives Align the image's measurements, made once by Measure with the caller's context;
// without it Align measures the image itself.
func WithMeasurements(m *Measurements) Option { return func(o *options) { o.measured = m } }

// measure fills in the measured fields of every step that has a layer.
func measure(img *layerdiff.Image, steps []Step, m *Measurements) error {
	if m == nil {
		var err error
		if m, err = Measure(context.Background(), img); err != nil {
			return err
		}
	}
	for i := range steps {
		s := &steps[i]
		if s.Layer < 0 || s.Layer >= len(m.layers) {
			continue
		}
		st := m.layers[s.Layer]
		s.Size = img.Layers[s.Layer].FileBytes
		s.Files, s.Added, s.Modified, s.Deleted = st.files, st.added, st.modified, st.deleted
		s.Wasted, s.Leftovers = st.wasted, st.leftovers
	}
	return nil
}

// leftoverKind returns the kind of cache p is in, or "": the project's one list of cache directories is
// internal/pkgcache, which lint's rules read too.
func leftoverKind(p string) string { return pkgcache.KindOf(p) }
