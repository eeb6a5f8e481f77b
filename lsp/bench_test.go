package lsp_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/layerlint/layerlint/internal/buildahtest"
	"github.com/layerlint/layerlint/lsp"
)

// longDockerfile is a 300-line Dockerfile FROM the test base image: mostly LABEL and ENV steps, and a RUN
// every 15 lines.
func longDockerfile() string {
	var b strings.Builder
	b.WriteString("FROM localhost/layerlint/base:latest\n")
	for i := 2; i <= 300; i++ {
		switch {
		case i%15 == 0:
			fmt.Fprintf(&b, "RUN echo step %d > /root/step%d\n", i, i)
		case i%2 == 0:
			fmt.Fprintf(&b, "ENV VAR_%d=value%d\n", i, i)
		default:
			fmt.Fprintf(&b, "LABEL com.example.l%d=\"v%d\"\n", i, i)
		}
	}
	return b.String()
}

// BenchmarkEditToHints measures the round trip from a didChange of a 300-line Dockerfile (a LABEL value in
// the middle changes, so the prediction and alignment are recomputed) to the inlay-hint answer, with the
// image built from that Dockerfile by buildah loaded. It reports the median.
func BenchmarkEditToHints(b *testing.B) {
	bb := buildahtest.New(b)
	root := repoRoot(b)
	bb.LoadArchive(filepath.Join(root, "testdata", "images", "base.tar"), "localhost/layerlint/base:latest")
	dir := b.TempDir()
	text := longDockerfile()
	path := filepath.Join(dir, "Dockerfile")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
	bb.Build(path, dir, "localhost/layerls-bench:latest", "--timestamp", "0")
	archive := filepath.Join(b.TempDir(), "bench.tar")
	bb.Archive("localhost/layerls-bench:latest", archive, "layerls-bench:latest")

	c := startServer(b, dir, map[string]any{"layerlint": map[string]any{"image": archive, "context": dir}})
	u := c.open(path, text)
	c.waitHints(u, func(hs []lsp.InlayHint) bool { return countLabel(hs, "cached") == 300 })
	var times []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		edited := strings.Replace(text, `com.example.l151="v151"`, fmt.Sprintf(`com.example.l151="edit%d"`, i), 1)
		start := time.Now()
		c.change(u, int32(i+2), edited)
		hs := c.hints(u)
		times = append(times, time.Since(start))
		if len(hs) == 0 {
			b.Fatal("no hints")
		}
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
}
