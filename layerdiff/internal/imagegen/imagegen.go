// Package imagegen writes pairs of synthetic container images shaped like a real application image, for
// benchmarks and for tests that need images larger than fixtures can be.
//
// A pair is two docker-archives (the `docker save` layout) that share a base layer byte for byte: a
// Debian-like tree of packages, libraries, documentation, time zones, symlinks and hardlinks. Each image then
// has app layers (packages, node_modules, the app itself); image B's app layers are A's with files modified,
// deleted, added and re-moded, and B has one more layer that changes the base: whiteouts (one of them of a
// whole directory), overwrites, mode changes and retargeted symlinks. Generate returns the changes it made,
// so a diff of the pair can be checked against them.
//
// Everything is deterministic from Options.Seed, and layers are streamed to disk: memory holds the listing of
// the images, never their bytes.
package imagegen

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Version changes whenever the same Options start producing different archives, so that a stored pair made
// by an older generator is not mistaken for a current one.
const Version = 2

// Options describe the pair to generate.
type Options struct {
	// Seed makes generation deterministic: the same Seed and Scale give byte-identical archives.
	Seed uint64
	// Scale multiplies the number of files and bytes. At 1 each image holds about 120k entries and 0.8 GB,
	// over a base layer of 80k files; tests use 0.005 or so.
	Scale float64
}

// Change is one path the diff of a pair must report, in the terms of layerdiff's report.
type Change struct {
	Path string
	// Kind is "added", "deleted" or "modified".
	Kind string
	// What lists what differs for a modified path: "content", "mode" or "link".
	What []string
}

// String renders the change as "modified app/x.js [content]", for test failures.
func (c Change) String() string {
	if len(c.What) == 0 {
		return c.Kind + " " + c.Path
	}
	return c.Kind + " " + c.Path + " [" + strings.Join(c.What, ",") + "]"
}

// Pair is a generated pair of images.
type Pair struct {
	// A and B are the paths of the two docker-archives.
	A, B string
	// Changes are the paths that differ between the merged filesystems of A and B, sorted by path.
	Changes []Change
	// EntriesA and EntriesB count the tar entries of each image's layers (directories included).
	EntriesA, EntriesB int
	// FileBytesA and FileBytesB are the bytes of regular files in each image's layers.
	FileBytesA, FileBytesB int64
}

// Generate writes a.tar and b.tar into dir (which must exist) and returns the pair.
func Generate(ctx context.Context, dir string, opts Options) (*Pair, error) {
	if opts.Scale <= 0 {
		return nil, fmt.Errorf("imagegen: scale must be positive, got %g", opts.Scale)
	}
	plan := planPair(opts)
	p := &Pair{A: filepath.Join(dir, "a.tar"), B: filepath.Join(dir, "b.tar"), Changes: plan.changes}
	for _, l := range plan.a {
		p.EntriesA += len(l.nodes)
		p.FileBytesA += l.fileBytes()
	}
	for _, l := range plan.b {
		p.EntriesB += len(l.nodes)
		p.FileBytesB += l.fileBytes()
	}
	pools := newPools(opts.Seed)

	// Every distinct layer is written once to a temporary file, hashing it on the way; the archives then
	// copy it. The base layer is the same file in both archives.
	tmp, err := os.MkdirTemp(dir, ".imagegen-*")
	if err != nil {
		return nil, fmt.Errorf("imagegen: %w", err)
	}
	defer os.RemoveAll(tmp)
	written := map[*layer]*layerFile{}
	for _, l := range slices.Concat(plan.a, plan.b) {
		if written[l] != nil {
			continue
		}
		lf, err := writeLayer(ctx, filepath.Join(tmp, fmt.Sprintf("layer-%d.tar", len(written))), l, pools)
		if err != nil {
			return nil, fmt.Errorf("imagegen: %w", err)
		}
		written[l] = lf
	}
	for _, img := range []struct {
		path, tag string
		layers    []*layer
		env       []string
	}{
		{p.A, "layerlint/bench:a", plan.a, []string{"APP_VERSION=1"}},
		{p.B, "layerlint/bench:b", plan.b, []string{"APP_VERSION=2", "NODE_ENV=production"}},
	} {
		files := make([]*layerFile, len(img.layers))
		for i, l := range img.layers {
			files[i] = written[l]
		}
		if err := writeArchive(ctx, img.path, img.tag, img.env, img.layers, files); err != nil {
			return nil, fmt.Errorf("imagegen: writing %s: %w", img.path, err)
		}
	}
	return p, nil
}
