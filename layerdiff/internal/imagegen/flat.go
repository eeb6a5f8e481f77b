package imagegen

import (
	"archive/tar"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// FlatChanges is how many paths GenerateFlat modifies, deletes and adds each.
const FlatChanges = 10

// GenerateFlat writes a pair of single-layer images of files empty files each into dir (which must exist):
// the shape of a huge node_modules or site-packages, where a diff is all tar headers and paths. B is A with
// FlatChanges files re-moded, FlatChanges deleted and FlatChanges added. Files sit a thousand to a
// directory, and the tars are in path order, as directory walks write them. Nothing is held in memory.
func GenerateFlat(ctx context.Context, dir string, files int) (*Pair, error) {
	if files < 3*FlatChanges || files%1000 != 0 {
		return nil, fmt.Errorf("imagegen: flat pair of %d files: want a multiple of 1000, at least 1000", files)
	}
	p := &Pair{A: filepath.Join(dir, "a.tar"), B: filepath.Join(dir, "b.tar")}
	// Spread the changes over the listing: file i of every stretch of files/FlatChanges.
	step := files / FlatChanges
	deleted := func(i int) bool { return i%step == step/3 }
	modified := func(i int) bool { return i%step == 2*step/3 }
	added := func(i int) bool { return i%step == step-1 }
	name := func(i int) string { return fmt.Sprintf("d%03d/f%07d", i/1000, i) }
	for i := 0; i < files; i++ {
		switch {
		case deleted(i):
			p.Changes = append(p.Changes, Change{Path: name(i), Kind: "deleted"})
		case modified(i):
			p.Changes = append(p.Changes, Change{Path: name(i), Kind: "modified", What: []string{"mode"}})
		case added(i):
			p.Changes = append(p.Changes, Change{Path: name(i) + "-new", Kind: "added"})
		}
	}
	tmp, err := os.MkdirTemp(dir, ".imagegen-*")
	if err != nil {
		return nil, fmt.Errorf("imagegen: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, img := range []struct {
		path, tag string
		b         bool
		entries   *int
	}{{p.A, "layerlint/flat:a", false, &p.EntriesA}, {p.B, "layerlint/flat:b", true, &p.EntriesB}} {
		lf, err := writeFlatLayer(ctx, filepath.Join(tmp, "layer.tar"), files, func(i int) (keep, modify, add bool) {
			if !img.b {
				return true, false, false
			}
			return !deleted(i), modified(i), added(i)
		}, name, img.entries)
		if err != nil {
			return nil, fmt.Errorf("imagegen: %w", err)
		}
		l := &layer{createdBy: fmt.Sprintf("COPY node_modules/ /app/node_modules/ # %d files", files), modTime: epoch}
		if err := writeArchive(ctx, img.path, img.tag, nil, []*layer{l}, []*layerFile{lf}); err != nil {
			return nil, fmt.Errorf("imagegen: writing %s: %w", img.path, err)
		}
	}
	return p, nil
}

// writeFlatLayer writes the layer of a flat image: directories of a thousand empty files each.
func writeFlatLayer(ctx context.Context, file string, files int, plan func(i int) (keep, modify, add bool),
	name func(int) string, entries *int) (*layerFile, error) {
	return writeLayerFile(file, func(tw *tar.Writer) error {
		return fillFlatLayer(ctx, tw, files, plan, name, entries)
	})
}

// fillFlatLayer writes the flat layer's entries to tw.
func fillFlatLayer(ctx context.Context, tw *tar.Writer, files int, plan func(i int) (keep, modify, add bool),
	name func(int) string, entries *int) error {
	mtime := time.Unix(epoch, 0)
	write := func(n string, typ byte, mode int64) error {
		*entries++
		return tw.WriteHeader(&tar.Header{Name: n, Typeflag: typ, Mode: mode, ModTime: mtime, Uname: "root",
			Gname: "root", Format: tar.FormatUSTAR})
	}
	for i := 0; i < files; i++ {
		if i%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := write(fmt.Sprintf("d%03d/", i/1000), tar.TypeDir, 0o755); err != nil {
				return err
			}
		}
		keep, modify, add := plan(i)
		mode := int64(0o644)
		if modify {
			mode = 0o755
		}
		if keep {
			if err := write(name(i), tar.TypeReg, mode); err != nil {
				return err
			}
		}
		if add {
			if err := write(name(i)+"-new", tar.TypeReg, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
