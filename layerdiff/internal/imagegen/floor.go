package imagegen

import (
	"archive/tar"
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sync"

	"github.com/zeebo/xxh3"
	"golang.org/x/sync/errgroup"
)

// FloorStats is what ReadAndHash read.
type FloorStats struct {
	Layers   int   // layer tars read
	Files    int   // regular files hashed
	TarBytes int64 // bytes of layer tars read
	// Sum combines every file's hash, so that the work cannot be skipped and two runs can be compared.
	Sum uint64
}

// ReadAndHash is the floor that a diff of docker-archives is measured against: it reads every layer tar of
// every archive named in manifest.json, walks it with archive/tar and hashes every regular file's contents
// with XXH3-128, workers layers at a time. It does no SHA-256, no sorting, merging or diffing, and keeps
// nothing. With dedup, a layer file that several archives hold under the same name (the same DiffID in the
// `docker save` layout) is read once, as layerdiff does.
func ReadAndHash(ctx context.Context, archives []string, workers int, dedup bool) (FloorStats, error) {
	type job struct {
		archive string
		off     int64
		size    int64
	}
	var jobs []job
	seen := map[string]bool{}
	for _, a := range archives {
		layers, err := archiveLayers(a)
		if err != nil {
			return FloorStats{}, err
		}
		for _, l := range layers {
			if dedup && seen[l.name] {
				continue
			}
			seen[l.name] = true
			jobs = append(jobs, job{a, l.off, l.size})
		}
	}
	var mu sync.Mutex
	var total FloorStats
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, workers))
	for _, j := range jobs {
		g.Go(func() error {
			st, err := hashLayer(gctx, j.archive, j.off, j.size)
			if err != nil {
				return fmt.Errorf("%s: layer at offset %d: %w", j.archive, j.off, err)
			}
			mu.Lock()
			total.Layers++
			total.Files += st.Files
			total.TarBytes += st.TarBytes
			total.Sum += st.Sum
			mu.Unlock()
			return nil
		})
	}
	err := g.Wait()
	return total, err
}

type archivedLayer struct {
	name      string
	off, size int64
}

// archiveLayers lists the layer files of a docker-archive, in manifest order, with where their bytes lie.
func archiveLayers(file string) ([]archivedLayer, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	where := map[string]archivedLayer{}
	var manifest []byte
	tr := tar.NewReader(f) // seeks over file data: *os.File is an io.Seeker
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", file, err)
		}
		name := path.Clean(hdr.Name)
		if name == "manifest.json" {
			if manifest, err = io.ReadAll(tr); err != nil {
				return nil, fmt.Errorf("reading %s: %w", file, err)
			}
			continue
		}
		off, err := f.Seek(0, io.SeekCurrent)
		if err != nil {
			return nil, err
		}
		where[name] = archivedLayer{name: name, off: off, size: hdr.Size}
	}
	var m []archiveManifest
	if err := json.Unmarshal(manifest, &m); err != nil || len(m) != 1 {
		return nil, fmt.Errorf("%s: want a manifest.json with one image (%v)", file, err)
	}
	var out []archivedLayer
	for _, name := range m[0].Layers {
		l, ok := where[path.Clean(name)]
		if !ok {
			return nil, fmt.Errorf("%s: no layer %s", file, name)
		}
		out = append(out, l)
	}
	return out, nil
}

func hashLayer(ctx context.Context, file string, off, size int64) (FloorStats, error) {
	f, err := os.Open(file)
	if err != nil {
		return FloorStats{}, err
	}
	defer f.Close()
	tr := tar.NewReader(bufio.NewReaderSize(io.NewSectionReader(f, off, size), 1<<20))
	h := xxh3.New()
	buf := make([]byte, 256<<10)
	st := FloorStats{TarBytes: size}
	for n := 0; ; n++ {
		if n&255 == 0 {
			if err := ctx.Err(); err != nil {
				return st, err
			}
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return st, nil
		}
		if err != nil {
			return st, err
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		h.Reset()
		if _, err := io.CopyBuffer(h, tr, buf); err != nil {
			return st, err
		}
		sum := h.Sum128()
		st.Files++
		st.Sum += sum.Lo ^ sum.Hi
	}
}
