package layerdiff

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// DiffOption configures Diff.
type DiffOption func(*diffOptions)

type diffOptions struct {
	mtime bool
}

// WithMtime makes a change of modification time alone count as a modification. By default it does not:
// rebuilding the same files changes every mtime.
func WithMtime(on bool) DiffOption { return func(o *diffOptions) { o.mtime = on } }

// Diff compares the merged filesystems, layers and configs of a and b. It merge-joins the two images'
// merged streams: memory depends on the number of changes, not on the number of files. With a listing store
// (the same for both images) it keeps what the merge-join found, and a repeated diff of the same pair reads
// that instead (diffstore.go).
func Diff(ctx context.Context, a, b *Image, opts ...DiffOption) (*Report, error) {
	var o diffOptions
	for _, opt := range opts {
		opt(&o)
	}
	store, key, keyed := diffKey(a, b, o)
	var d *storedDiff
	if keyed {
		if sd, ok := store.getDiff(key); ok && sd.fits(b) {
			d = sd
		}
	}
	if d == nil {
		var err error
		if d, err = mergeJoin(ctx, a, b, o); err != nil {
			return nil, err
		}
		if !keyed {
			store, key, keyed = diffKey(a, b, o) // the merge stored the stacks
		}
		if keyed {
			store.putDiff(key, d)
		}
	}
	return newReport(a, b, o, d), nil
}

// newReport completes what the merge-join found into a Report.
func newReport(a, b *Image, o diffOptions, d *storedDiff) *Report {
	rep := &Report{
		A:       summarize(a),
		B:       summarize(b),
		Files:   d.files,
		Options: ReportedOptions{Mtime: o.mtime},
	}
	rep.A.Files, rep.B.Files = d.filesA, d.filesB
	histB := LayerHistory(b.Config)
	for i, layer := range d.layers {
		if layer < 0 {
			continue
		}
		r := &LayerRef{Index: layer, DiffID: b.Layers[layer].DiffID.String()}
		if h := histB[layer]; h != nil {
			r.CreatedBy = h.CreatedBy
		}
		rep.Files[i].Layer = r
	}
	rep.Layers, rep.Summary = matchLayers(a, b)
	rep.Config = DiffConfig(a.Config, b.Config)
	s := &rep.Summary
	for _, f := range rep.Files {
		switch f.Change {
		case Added:
			s.Added++
		case Deleted:
			s.Deleted++
		case Modified:
			s.Modified++
		}
	}
	s.ConfigChanges = len(rep.Config)
	s.Identical = len(rep.Files) == 0 && len(rep.Config) == 0
	return rep
}

// fits reports whether every layer index of d names a layer of b.
func (d *storedDiff) fits(b *Image) bool {
	for _, l := range d.layers {
		if l >= len(b.Layers) {
			return false
		}
	}
	return len(d.layers) == len(d.files)
}

// mergeJoin walks the merged streams of a and b side by side and lists the paths that differ.
func mergeJoin(ctx context.Context, a, b *Image, o diffOptions) (*storedDiff, error) {
	d := &storedDiff{files: []FileChange{}}
	add := func(fc FileChange, layer int) {
		d.files = append(d.files, fc)
		d.layers = append(d.layers, layer)
	}
	nextA, stopA := pullMerged(ctx, a)
	defer stopA()
	nextB, stopB := pullMerged(ctx, b)
	defer stopB()
	pa, err := nextA()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a.Name, err)
	}
	pb, err := nextB()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name, err)
	}
	for pa != nil || pb != nil {
		c := 0
		switch {
		case pa == nil:
			c = 1
		case pb == nil:
			c = -1
		default:
			c = ComparePaths(pa.path, pb.path)
		}
		var na, nb *Entry
		removedB := -1
		if c <= 0 && pa.hasNode {
			na = &pa.node
		}
		if c >= 0 {
			removedB = pb.removed
			if pb.hasNode {
				nb = &pb.node
			}
		}
		if na != nil {
			d.filesA++
		}
		if nb != nil {
			d.filesB++
		}
		switch {
		case na != nil && nb == nil:
			add(FileChange{Path: strings.Clone(na.Path), Change: Deleted, Type: na.Type.String(), SizeA: na.Size}, removedB)
		case na == nil && nb != nil:
			add(FileChange{Path: strings.Clone(nb.Path), Change: Added, Type: nb.Type.String(), SizeB: nb.Size}, pb.layer)
		case na != nil && nb != nil:
			if what := compareEntries(na, nb, o.mtime); len(what) > 0 {
				add(modified(na, nb, what), pb.layer)
			}
		}
		if c <= 0 {
			if pa, err = nextA(); err != nil {
				return nil, fmt.Errorf("%s: %w", a.Name, err)
			}
		}
		if c >= 0 {
			if pb, err = nextB(); err != nil {
				return nil, fmt.Errorf("%s: %w", b.Name, err)
			}
		}
	}
	return d, nil
}

// compareEntries lists what differs between two entries at the same path.
func compareEntries(a, b *Entry, mtime bool) []string {
	var what []string
	if a.Type != b.Type {
		what = append(what, "type")
	}
	if (a.Type == TypeFile || a.Type == TypeHardlink) && (b.Type == TypeFile || b.Type == TypeHardlink) &&
		(a.Size != b.Size || a.Hash != b.Hash) {
		what = append(what, "content")
	}
	if a.Mode != b.Mode {
		what = append(what, "mode")
	}
	if a.UID != b.UID || a.GID != b.GID {
		what = append(what, "owner")
	}
	if a.Type == b.Type && a.Link != b.Link {
		what = append(what, "link")
	}
	if mtime && a.ModTime != b.ModTime && a.Type != TypeDir {
		what = append(what, "mtime")
	}
	return what
}

func modified(na, nb *Entry, what []string) FileChange {
	fc := FileChange{Path: strings.Clone(nb.Path), Change: Modified, Type: nb.Type.String(), SizeA: na.Size,
		SizeB: nb.Size, What: what}
	for _, w := range what {
		switch w {
		case "type":
			fc.TypeA = na.Type.String()
		case "mode":
			fc.ModeA, fc.ModeB = FormatMode(na), FormatMode(nb)
		case "owner":
			fc.OwnerA, fc.OwnerB = owner(na), owner(nb)
		case "link":
			fc.LinkA, fc.LinkB = strings.Clone(na.Link), strings.Clone(nb.Link)
		}
	}
	return fc
}

func owner(e *Entry) string { return strconv.Itoa(e.UID) + ":" + strconv.Itoa(e.GID) }

// FormatMode renders an entry's type and permissions the way ls -l does ("drwxr-xr-x", "-rwsr-xr-x").
func FormatMode(e *Entry) string {
	m := fs.FileMode(e.Mode & 0o777)
	if e.Mode&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if e.Mode&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if e.Mode&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	switch e.Type {
	case TypeDir:
		m |= fs.ModeDir
	case TypeSymlink:
		m |= fs.ModeSymlink
	case TypeChar:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case TypeBlock:
		m |= fs.ModeDevice
	case TypeFIFO:
		m |= fs.ModeNamedPipe
	}
	return m.String()
}

// summarize describes img; Diff counts its files.
func summarize(img *Image) ImageSummary {
	s := ImageSummary{Name: img.Name, Layers: len(img.Layers)}
	for _, l := range img.Layers {
		s.Size += l.FileBytes
		s.TarSize += l.TarSize
	}
	if c := img.Config; c != nil && c.OS != "" {
		s.Platform = c.OS + "/" + c.Architecture
		if c.Variant != "" {
			s.Platform += "/" + c.Variant
		}
	}
	return s
}

// matchLayers aligns the layers of a and b by DiffID and totals their sizes (bytes of file contents, the
// size docker history shows).
func matchLayers(a, b *Image) ([]LayerMatch, Summary) {
	s := Summary{FirstDivergentLayer: -1}
	n := max(len(a.Layers), len(b.Layers))
	for i := 0; i < n; i++ {
		if i >= len(a.Layers) || i >= len(b.Layers) || a.Layers[i].DiffID != b.Layers[i].DiffID {
			s.FirstDivergentLayer = i
			break
		}
	}
	inB := map[string]int{}
	for i, l := range b.Layers {
		if _, ok := inB[l.DiffID.String()]; !ok {
			inB[l.DiffID.String()] = i
		}
	}
	inA := map[string]bool{}
	histA, histB := LayerHistory(a.Config), LayerHistory(b.Config)
	var out []LayerMatch
	for i, l := range a.Layers {
		id := l.DiffID.String()
		m := LayerMatch{DiffID: id, IndexA: ptr(i), Size: l.FileBytes, TarSize: l.TarSize, Files: l.Len(),
			Deletes: l.Deletes(), Status: "only_a"}
		if h := histA[i]; h != nil {
			m.CreatedBy = h.CreatedBy
		}
		if inA[id] {
			continue // the same layer twice in one image is stored once
		}
		inA[id] = true
		if j, ok := inB[id]; ok {
			m.Status, m.IndexB = "shared", ptr(j)
			s.SharedLayers++
			s.SharedBytes += l.FileBytes
		} else {
			s.OnlyALayers++
			s.OnlyABytes += l.FileBytes
		}
		out = append(out, m)
	}
	seenB := map[string]bool{}
	for i, l := range b.Layers {
		id := l.DiffID.String()
		if inA[id] || seenB[id] {
			continue
		}
		seenB[id] = true
		m := LayerMatch{DiffID: id, IndexB: ptr(i), Size: l.FileBytes, TarSize: l.TarSize, Files: l.Len(),
			Deletes: l.Deletes(), Status: "only_b"}
		if h := histB[i]; h != nil {
			m.CreatedBy = h.CreatedBy
		}
		s.OnlyBLayers++
		s.OnlyBBytes += l.FileBytes
		out = append(out, m)
	}
	for _, l := range a.Layers {
		s.SizeA += l.FileBytes
	}
	for _, l := range b.Layers {
		s.SizeB += l.FileBytes
	}
	s.Growth = s.SizeB - s.SizeA
	return out, s
}

func ptr(i int) *int { return &i }

// String summarizes a change in one line, for logs and test failures.
func (f FileChange) String() string {
	return fmt.Sprintf("%s %s (%s)", f.Change, f.Path, f.Type)
}
