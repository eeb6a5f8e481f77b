package history

import (
	"cmp"
	"slices"

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

// WastedFiles lists the regular files of img's layers that are not visible in the final image because a later
// layer overwrote or deleted them, largest first. Their bytes are stored and shipped all the same.
func WastedFiles(img *layerdiff.Image) []WastedFile {
	tree := img.Tree()
	var out []WastedFile
	for k, l := range img.Layers {
		for i := range l.Entries {
			e := &l.Entries[i]
			if e.Type != layerdiff.TypeFile {
				continue
			}
			n, ok := tree.Lookup(e.Path)
			if ok && n.Layer == k {
				continue
			}
			w := WastedFile{Path: e.Path, Size: e.Size, Layer: k, Deleted: !ok}
			if ok {
				w.By = n.Layer
			} else if by, removed := tree.Removed[e.Path]; removed {
				w.By = by
			}
			out = append(out, w)
		}
	}
	slices.SortStableFunc(out, func(a, b WastedFile) int {
		if c := cmp.Compare(b.Size, a.Size); c != 0 {
			return c
		}
		if c := layerdiff.ComparePaths(a.Path, b.Path); c != 0 {
			return c
		}
		return cmp.Compare(a.Layer, b.Layer)
	})
	return out
}

// layerStats is what measure finds out about one layer.
type layerStats struct {
	files, added, modified, deleted int
	wasted                          int64
	leftovers                       map[string]int64
}

// measure fills in the measured fields of every step that has a layer.
func measure(img *layerdiff.Image, steps []Step) {
	stats := measureLayers(img)
	for i := range steps {
		s := &steps[i]
		if s.Layer < 0 || s.Layer >= len(stats) {
			continue
		}
		st := stats[s.Layer]
		s.Size = img.Layers[s.Layer].FileBytes
		s.Files, s.Added, s.Modified, s.Deleted = st.files, st.added, st.modified, st.deleted
		s.Wasted, s.Leftovers = st.wasted, st.leftovers
	}
}

// measureLayers compares each layer with the filesystem below it. It keeps that filesystem as one flattened
// listing and merges each layer onto it, so the work grows with layers times paths, not layers squared.
func measureLayers(img *layerdiff.Image) []layerStats {
	stats := make([]layerStats, len(img.Layers))
	below := &layerdiff.LayerIndex{}
	for k, l := range img.Layers {
		st := &stats[k]
		for i := range l.Entries {
			e := &l.Entries[i]
			if !e.IsDir() {
				st.files++
			}
			lower, ok := below.Lookup(e.Path)
			switch {
			case !ok:
				st.added++
			case !e.IsDir():
				st.modified++
			case !lower.IsDir():
				st.modified++ // a directory takes the place of a file
			}
			if e.Type == layerdiff.TypeFile {
				if kind := leftoverKind(e.Path); kind != "" {
					if st.leftovers == nil {
						st.leftovers = map[string]int64{}
					}
					st.leftovers[kind] += e.Size
				}
			}
		}
		merged := layerdiff.MergeLayers([]*layerdiff.LayerIndex{below, l})
		st.deleted = len(merged.Removed)
		next := &layerdiff.LayerIndex{Entries: make([]layerdiff.Entry, len(merged.Nodes))}
		for i, n := range merged.Nodes {
			next.Entries[i] = *n.Entry
		}
		below = next
	}
	for _, w := range WastedFiles(img) {
		stats[w.Layer].wasted += w.Size
	}
	return stats
}

// leftoverKind returns the kind of cache p is in, or "": the project's one list of cache directories is
// internal/pkgcache, which lint's rules read too.
func leftoverKind(p string) string { return pkgcache.KindOf(p) }
