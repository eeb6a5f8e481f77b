package lsp_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

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

// percentile returns the p-th percentile (0-100) of sorted durations, in milliseconds.
func percentile(sorted []time.Duration, p int) float64 {
	i := (len(sorted)*p + 99) / 100
	i = min(max(i-1, 0), len(sorted)-1)
	return float64(sorted[i].Microseconds()) / 1000
}

// BenchmarkOpenToDiagnostics3000 measures, on a fresh server each time, the time from opening the 3,000-line
// Dockerfile (its image configured, loading in the background) to the first diagnostics.
func BenchmarkOpenToDiagnostics3000(b *testing.B) {
	dir, path, archive := bigWorkspace(b)
	text, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var times []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		c := startServer(b, dir, map[string]any{"layerlint": map[string]any{"image": archive, "context": dir}})
		b.StartTimer()
		start := time.Now()
		u := c.open(path, string(text))
		c.waitDiagnostics(u, 1, func([]protocol.Diagnostic) bool { return true })
		times = append(times, time.Since(start))
		b.StopTimer()
		c.shutdown()
		b.StartTimer()
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(percentile(times, 50), "median-ms")
	b.ReportMetric(percentile(times, 95), "p95-ms")
}

// BenchmarkEditToHints3000 types into a RUN script in the middle of the 3,000-line Dockerfile, its image
// loaded and the server's default diagnostics delay, and measures each round trip from the didChange to the
// hint answer. It types as a person does, a character every 80 ms and a pause of 400 ms after every eighth,
// so that diagnostics (the linter, the heavier work) run during the pauses and now and then while typing
// goes on, as they do in an editor.
func BenchmarkEditToHints3000(b *testing.B) {
	dir, path, archive := bigWorkspace(b)
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	text := string(data)
	c := startServerWith(b, dir, map[string]any{"layerlint": map[string]any{"image": archive, "context": dir}}, lsp.Options{PollInterval: -1})
	u := c.open(path, text)
	c.waitHints(u, func(hs []lsp.InlayHint) bool { return sizeCount(hs) == 301 && countLabel(hs, "cached") == 301 })
	// The cursor: the end of a line of the RUN script of block 50.
	const anchor = "echo 'block 50 line 11' >> /root/block50.log;"
	i := strings.Index(text, anchor)
	if i < 0 {
		b.Fatal("no anchor")
	}
	line, col := strings.Count(text[:i], "\n"), i-strings.LastIndex(text[:i], "\n")-1+len(anchor)
	var times []time.Duration
	b.ResetTimer()
	next := time.Now()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		time.Sleep(time.Until(next))
		next = time.Now().Add(80 * time.Millisecond)
		if i%8 == 7 {
			next = next.Add(400 * time.Millisecond)
		}
		b.StartTimer()
		start := time.Now()
		c.insert(u, int32(i+2), line, col+i, "x")
		hs := c.hints(u)
		times = append(times, time.Since(start))
		if len(hs) == 0 {
			b.Fatal("no hints")
		}
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(percentile(times, 50), "median-ms")
	b.ReportMetric(percentile(times, 95), "p95-ms")
}
