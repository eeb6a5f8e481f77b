package layerdiff_test

import (
	"context"
	"flag"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/internal/imagegen"
	"github.com/layerlint/layerlint/layerdiff/source"
)

// benchScale sizes the generated pair of the benchmarks: 0.02 is ~3k entries and ~16 MB per image, a few
// seconds for all benchmarks; bench/run.sh measures the full-size pair (scale 1) with the CLI.
var benchScale = flag.Float64("bench.scale", 0.02, "scale of the image pair the benchmarks generate (1 is ~0.8 GB per image)")

func generatePair(tb testing.TB, scale float64) *imagegen.Pair {
	tb.Helper()
	p, err := imagegen.Generate(context.Background(), tb.TempDir(), imagegen.Options{Seed: 1, Scale: scale})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// archiveBytes is the size of both archives, the input every benchmark of a pair reports MB/s against.
func archiveBytes(tb testing.TB, p *imagegen.Pair) int64 {
	var n int64
	for _, f := range []string{p.A, p.B} {
		fi, err := os.Stat(f)
		if err != nil {
			tb.Fatal(err)
		}
		n += fi.Size()
	}
	return n
}

// diffPair does what `layerdiff A B` does: open both archives, read them with one Reader (the shared base
// layer is read once), diff.
func diffPair(tb testing.TB, p *imagegen.Pair, opts ...layerdiff.Option) *layerdiff.Report {
	ctx := context.Background()
	r := layerdiff.NewReader(opts...)
	var imgs [2]*layerdiff.Image
	for i, f := range []string{p.A, p.B} {
		src, err := source.OpenString(ctx, f)
		if err != nil {
			tb.Fatal(err)
		}
		if imgs[i], err = r.ReadImage(ctx, f, src); err != nil {
			tb.Fatal(err)
		}
	}
	rep, err := layerdiff.Diff(ctx, imgs[0], imgs[1])
	if err != nil {
		tb.Fatal(err)
	}
	return rep
}

// TestDiffGeneratedPair checks the generator and the diff against each other: the diff of a generated pair
// reports exactly the changes the generator says it made.
func TestDiffGeneratedPair(t *testing.T) {
	p := generatePair(t, 0.005)
	rep := diffPair(t, p)
	describe := func(kind, path string, what []string) string {
		return kind + " " + path + " [" + strings.Join(what, ",") + "]"
	}
	var want, got []string
	for _, c := range p.Changes {
		want = append(want, describe(c.Kind, c.Path, c.What))
	}
	for _, f := range rep.Files {
		got = append(got, describe(string(f.Change), f.Path, f.What))
	}
	slices.Sort(want)
	slices.Sort(got)
	for _, w := range want {
		if _, ok := slices.BinarySearch(got, w); !ok {
			t.Errorf("generated but not reported: %s", w)
		}
	}
	for _, g := range got {
		if _, ok := slices.BinarySearch(want, g); !ok {
			t.Errorf("reported but not generated: %s", g)
		}
	}
	kinds := map[string]int{}
	for _, c := range p.Changes {
		kinds[c.Kind+strings.Join(c.What, ",")]++
	}
	for _, k := range []string{"added", "deleted", "modifiedcontent", "modifiedmode", "modifiedlink"} {
		if kinds[k] == 0 {
			t.Errorf("the generator made no %q change; the pair should exercise every kind", k)
		}
	}
	if s := rep.Summary; s.SharedLayers != 1 || s.OnlyALayers != 3 || s.OnlyBLayers != 4 {
		t.Errorf("layers: %d shared, %d only in A, %d only in B; want 1, 3, 4", s.SharedLayers, s.OnlyALayers, s.OnlyBLayers)
	}
}

// BenchmarkDiff measures open + read + diff of a generated pair; compare with BenchmarkFloor.
func BenchmarkDiff(b *testing.B) {
	p := generatePair(b, *benchScale)
	size := archiveBytes(b, p)
	for _, bc := range []struct {
		name string
		opts func(b *testing.B) []layerdiff.Option
	}{
		{"verify", func(*testing.B) []layerdiff.Option { return nil }},
		{"no-verify", func(*testing.B) []layerdiff.Option { return []layerdiff.Option{layerdiff.WithVerify(false)} }},
		{"warm-cache", func(b *testing.B) []layerdiff.Option {
			opts := []layerdiff.Option{layerdiff.WithListingStore(layerdiff.NewListingStore(b.TempDir()))}
			diffPair(b, p, opts...) // fills the cache
			return opts
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			opts := bc.opts(b)
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				diffPair(b, p, opts...)
			}
		})
	}
}

// BenchmarkFloor measures the least a diff must do: read both archives' layers and hash every file, layers
// in parallel on every CPU ("all" reads the shared base layer twice, "dedup" once, as the diff does).
func BenchmarkFloor(b *testing.B) {
	p := generatePair(b, *benchScale)
	size := archiveBytes(b, p)
	for _, dedup := range []bool{false, true} {
		name := "all"
		if dedup {
			name = "dedup"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				if _, err := imagegen.ReadAndHash(context.Background(), []string{p.A, p.B}, runtime.GOMAXPROCS(0), dedup); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIndexLayer measures IndexLayer alone on the generated base layer (the largest).
func BenchmarkIndexLayer(b *testing.B) {
	p := generatePair(b, *benchScale)
	ctx := context.Background()
	img, err := source.OpenString(ctx, p.A)
	if err != nil {
		b.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		b.Fatal(err)
	}
	var tarSize int64
	b.ReportAllocs()
	for b.Loop() {
		rc, err := layerdiff.OpenLayer(layers[0])
		if err != nil {
			b.Fatal(err)
		}
		idx, err := layerdiff.IndexLayer(ctx, rc)
		rc.Close()
		if err != nil {
			b.Fatal(err)
		}
		if tarSize == 0 {
			tarSize = idx.TarSize
			b.SetBytes(tarSize)
		}
	}
}
