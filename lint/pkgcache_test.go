package lint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/internal/buildahtest"
	"github.com/layerlint/layerlint/internal/pkgcache"
	"github.com/layerlint/layerlint/internal/shell"
)

// TestCacheDirsMeasuredAndCleaned ties the two users of internal/pkgcache
// together on a real image: buildah builds a RUN that writes a file of a
// known size into every cache directory, as a RUN running as root names it
// (pkgcache.Paths); measuring the image (layerdiff/history, through
// LoadImageEvidence) must count each file under its kind, and lint must
// take an rm of those directories for a cleanup of that kind. A directory
// that one side knows and the other does not turns this red.
func TestCacheDirsMeasuredAndCleaned(t *testing.T) {
	b := buildahtest.New(t)
	b.LoadArchive("../testdata/images/base.tar", "localhost/layerlint/base:latest")
	want := map[string]int64{}
	var cmds []string
	for i, kind := range pkgcache.Kinds() {
		for j, dir := range pkgcache.Paths(kind) {
			kib := int64(64 * (1 + i*3 + j))
			cmds = append(cmds, fmt.Sprintf("mkdir -p %s && dd if=/dev/zero of=%s/blob bs=1k count=%d", dir, dir, kib))
			want[kind] += kib << 10
		}
	}
	src := "FROM localhost/layerlint/base:latest\nRUN " + strings.Join(cmds, " \\\n && ") + "\n"
	ctxDir := t.TempDir()
	file := filepath.Join(ctxDir, "Dockerfile")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Build(file, ctxDir, "localhost/layerlint/lint-caches:test", "--timestamp", "0")
	archive := filepath.Join(t.TempDir(), "caches.tar")
	b.Archive("localhost/layerlint/lint-caches:test", archive, "lint-caches:test")
	_, ev := loadEvidence(t, file, archive)
	facts, ok := ev.LayerForLine(2)
	if !ok {
		t.Fatal("the RUN has no layer")
	}
	for kind, n := range want {
		if got := facts.Leftovers[kind]; got != n {
			t.Errorf("%s: measured %d bytes of leftovers, wrote %d into %v", kind, got, n, pkgcache.Paths(kind))
		}
	}
	for kind := range facts.Leftovers {
		if _, ok := want[kind]; !ok {
			t.Errorf("measured a kind %q that pkgcache does not list", kind)
		}
	}
	for _, kind := range pkgcache.Kinds() {
		rm := shell.Parse("rm -rf " + strings.Join(pkgcache.Paths(kind), " "))
		if !removesCache(rm, kind) {
			t.Errorf("%s: lint does not take %q for a cleanup", kind, "rm -rf "+strings.Join(pkgcache.Paths(kind), " "))
		}
	}
	// The same bytes reach the rules: PackageCacheInLayer claims them all
	// but the temporary files.
	df, err := ParseDockerfile(file, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Run(context.Background(), df, WithEvidence(ev), WithRules(PackageCacheInLayer))
	if err != nil {
		t.Fatal(err)
	}
	var caches int64
	for kind, n := range want {
		if kind != "tmp" {
			caches += n
		}
	}
	if len(fs) != 1 || fs[0].Bytes == nil || *fs[0].Bytes != caches {
		t.Errorf("PackageCacheInLayer: %v, want one finding with %d bytes", fs, caches)
	}
}
