// Command gen writes the benchmark pair of synthetic images, a.tar and b.tar, into a directory, with
// pair.json describing it. It does nothing when the directory already holds a pair made with the same
// seed and scale.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/layerlint/layerlint/layerdiff/internal/imagegen"
)

// description is the content of pair.json.
type description struct {
	Version    int
	Seed       uint64
	Scale      float64
	EntriesA   int
	EntriesB   int
	FileBytesA int64
	FileBytesB int64
	Changes    int
	Flat       int `json:",omitempty"`
}

func main() {
	dir := flag.String("dir", "/tmp/layerlint-bench", "directory to write a.tar, b.tar and pair.json into")
	seed := flag.Uint64("seed", 1, "random seed")
	scale := flag.Float64("scale", 1, "size multiplier: 1 is ~0.8 GB and ~120k entries per image")
	flat := flag.Int("flat", 0, "instead, write two single-layer images of this many empty files (10 modified, 10 deleted, 10 added)")
	flag.Parse()
	if err := run(*dir, *seed, *scale, *flat); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
}

func run(dir string, seed uint64, scale float64, flat int) error {
	stamp := filepath.Join(dir, "pair.json")
	if raw, err := os.ReadFile(stamp); err == nil {
		var d description
		if json.Unmarshal(raw, &d) == nil && d.Version == imagegen.Version && d.Seed == seed && d.Scale == scale && d.Flat == flat {
			fmt.Fprintf(os.Stderr, "gen: reusing the pair in %s\n", dir)
			return nil
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	os.Remove(stamp)
	start := time.Now()
	var p *imagegen.Pair
	var err error
	if flat > 0 {
		p, err = imagegen.GenerateFlat(context.Background(), dir, flat)
	} else {
		p, err = imagegen.Generate(context.Background(), dir, imagegen.Options{Seed: seed, Scale: scale})
	}
	if err != nil {
		return err
	}
	d := description{Version: imagegen.Version, Seed: seed, Scale: scale, EntriesA: p.EntriesA, EntriesB: p.EntriesB,
		FileBytesA: p.FileBytesA, FileBytesB: p.FileBytesB, Changes: len(p.Changes), Flat: flat}
	raw, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: wrote %s and %s in %s: %d and %d entries, %.0f and %.0f MB of files, %d changes\n",
		p.A, p.B, time.Since(start).Round(time.Millisecond), p.EntriesA, p.EntriesB,
		float64(p.FileBytesA)/1e6, float64(p.FileBytesB)/1e6, len(p.Changes))
	return os.WriteFile(stamp, append(raw, '\n'), 0o644)
}
