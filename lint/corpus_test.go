package lint

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/layerlint/layerlint/internal/tooltest"
)

// corpusEnv names the corpus directory when it is not the shared one.
const corpusEnv = "LAYERLINT_CORPUS"

// corpusDir returns the real-world Dockerfile corpus: $LAYERLINT_CORPUS, or
// shared/corpus/dockerfiles in the nearest directory above this package that
// has one (the repository's sibling ../shared, from a clone or a worktree).
func corpusDir() string {
	if d := os.Getenv(corpusEnv); d != "" {
		return d
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		return ""
	}
	for {
		d := filepath.Join(dir, "shared", "corpus", "dockerfiles")
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// corpusFiles lists the corpus, or ends the test by the tooltest rule: a
// skip, or a failure under LAYERLINT_REQUIRE_TOOLS=1, so CI never passes
// without linting it.
func corpusFiles(tb testing.TB) []string {
	tb.Helper()
	dir := corpusDir()
	var files []string
	if dir != "" {
		files, _ = filepath.Glob(filepath.Join(dir, "*Dockerfile*"))
	}
	if len(files) == 0 {
		tooltest.Missing(tb, "the Dockerfile corpus (shared/corpus/dockerfiles above the repository)", "set "+corpusEnv+"=DIR")
	}
	return files
}

// TestCorpus lints every real-world Dockerfile in the corpus: each parses or
// fails with a ParseError, none panics, and the per-rule counts are logged
// for false-positive review (go test -run Corpus -v).
func TestCorpus(t *testing.T) {
	files := corpusFiles(t)
	counts := map[string]int{}
	parseErrors := 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		df, err := ParseDockerfile(filepath.Base(file), src)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Errorf("%s: not a ParseError: %v", file, err)
			}
			parseErrors++
			t.Logf("parse error: %v", err)
			continue
		}
		fs, err := Run(context.Background(), df)
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		for _, f := range fs {
			counts[f.Rule]++
			if f.Line < 1 || f.Col < 1 || f.EndLine < f.Line {
				t.Errorf("%s: %s has a bad range %+v", file, f.Rule, f)
			}
		}
	}
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	t.Logf("%d Dockerfiles, %d parse errors", len(files), parseErrors)
	for _, n := range names {
		t.Logf("%-34s %d", n, counts[n])
	}
}

// BenchmarkCorpus measures Dockerfiles linted per second over the corpus in
// one process, BuildKit's checks included, on every core as layerlint lints
// many files (go test ./lint -run XXX -bench Corpus). The target is 2,000
// a second.
func BenchmarkCorpus(b *testing.B) {
	benchmarkCorpus(b, runtime.GOMAXPROCS(0))
}

// BenchmarkCorpusOneCore is the same on one goroutine: the cost per file.
func BenchmarkCorpusOneCore(b *testing.B) {
	benchmarkCorpus(b, 1)
}

func benchmarkCorpus(b *testing.B, workers int) {
	files := corpusFiles(b)
	srcs := make([][]byte, len(files))
	for i, f := range files {
		srcs[i], _ = os.ReadFile(f)
	}
	cpu0 := cpuTime()
	b.ResetTimer()
	var linted atomic.Int64
	for i := 0; i < b.N; i++ {
		next := make(chan int)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range next {
					df, err := ParseDockerfile(files[j], srcs[j])
					if err != nil {
						continue
					}
					if _, err := Run(context.Background(), df); err != nil {
						b.Error(err)
					}
					linted.Add(1)
				}
			}()
		}
		for j := range srcs {
			next <- j
		}
		close(next)
		wg.Wait()
	}
	b.ReportMetric(float64(linted.Load())/b.Elapsed().Seconds(), "dockerfiles/s")
	// CPU time per file tells the cost apart from the machine's load: on a
	// shared machine the wall clock measures the neighbours too.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(max(linted.Load(), 1)), "cpu-µs/file")
}

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
