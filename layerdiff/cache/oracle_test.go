package cache_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/layerlint/layerlint/internal/buildahtest"
	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/cache"
	"github.com/layerlint/layerlint/layerdiff/source"
)

// oracle is the fixture testdata/cache/app copied to a temporary directory, with busybox in its context, and
// a buildah store to build it in.
type oracle struct {
	t        *testing.T
	dir      string // holds Dockerfile and context/
	buildah  *buildahtest.Builder
	archives int
}

const oracleTag = "localhost/cache-oracle:latest"

func newOracle(t *testing.T) *oracle {
	b := buildahtest.New(t)
	dir := t.TempDir()
	buildahtest.CopyTree(t, filepath.Join("..", "..", "testdata", "cache", "app"), dir)
	buildahtest.AddBusybox(t, filepath.Join(dir, "context"), "busybox")
	return &oracle{t: t, dir: dir, buildah: b}
}

// build runs buildah bud --layers and returns its steps with buildah's "Using cache" verdicts.
func (b *oracle) build(buildArgs ...string) []buildahtest.Step {
	var extra []string
	for _, a := range buildArgs {
		extra = append(extra, "--build-arg", a)
	}
	return b.buildah.Build(filepath.Join(b.dir, "Dockerfile"), filepath.Join(b.dir, "context"), oracleTag, extra...)
}

// image writes the last build to a docker-archive and reads it.
func (b *oracle) image(ctx context.Context) *layerdiff.Image {
	b.archives++
	p := filepath.Join(b.dir, fmt.Sprintf("build%d.tar", b.archives))
	b.buildah.Archive(oracleTag, p, "cache-oracle:latest")
	v1img, err := source.OpenString(ctx, p)
	if err != nil {
		b.t.Fatal(err)
	}
	img, err := layerdiff.NewReader().ReadImage(ctx, p, v1img)
	if err != nil {
		b.t.Fatal(err)
	}
	return img
}

func (b *oracle) write(rel, body string) {
	if err := os.WriteFile(filepath.Join(b.dir, rel), []byte(body), 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *oracle) edit(rel, old, new string) {
	p := filepath.Join(b.dir, rel)
	body, err := os.ReadFile(p)
	if err != nil {
		b.t.Fatal(err)
	}
	if !bytes.Contains(body, []byte(old)) {
		b.t.Fatalf("%s does not contain %q", rel, old)
	}
	b.write(rel, strings.Replace(string(body), old, new, 1))
}

func (b *oracle) predict(ctx context.Context, prev *layerdiff.Image, args map[string]string) *cache.Prediction {
	f, err := os.Open(filepath.Join(b.dir, "Dockerfile"))
	if err != nil {
		b.t.Fatal(err)
	}
	defer f.Close()
	df, err := parser.Parse(f)
	if err != nil {
		b.t.Fatal(err)
	}
	bc, err := cache.OpenContext(ctx, filepath.Join(b.dir, "context"))
	if err != nil {
		b.t.Fatal(err)
	}
	pred, err := cache.Predict(ctx, df, bc, prev, cache.WithBuildArgs(args))
	if err != nil {
		b.t.Fatal(err)
	}
	return pred
}

// TestPredictMatchesBuildah changes the context or the Dockerfile one way at a time, predicts the next build
// from the previous image, rebuilds with buildah --layers and checks every step against buildah's own
// "Using cache" lines. Changes never return to an earlier state, so buildah's store (which keeps every earlier
// build) holds no cache the previous image does not show.
func TestPredictMatchesBuildah(t *testing.T) {
	ctx := context.Background()
	b := newOracle(t)
	chtimes := func(rel string) {
		when := time.Now().Add(time.Hour)
		if err := os.Chtimes(filepath.Join(b.dir, rel), when, when); err != nil {
			t.Fatal(err)
		}
	}
	chmod := func(rel string, mode os.FileMode) {
		if err := os.Chmod(filepath.Join(b.dir, rel), mode); err != nil {
			t.Fatal(err)
		}
	}
	scenarios := []struct {
		name   string
		change func()
		args   map[string]string
		// want names lines that must rebuild with a reason containing the text (a sanity check of the
		// reasons; the oracle itself is buildah).
		want map[int]string
	}{
		{name: "first build"},
		{name: "invisible changes: mtime, dockerignored file and dir", change: func() {
			chtimes("context/src/main.go")
			b.write("context/notes.txt", "changed notes\n")
			b.write("context/docs/other.md", "changed\n")
		}},
		{name: "source file", change: func() { b.write("context/src/main.go", "package main\n\nfunc main() { println(\"v2\") }\n") },
			want: map[int]string{10: "src/main.go changed", 11: "after line 10"}},
		{name: "single manifest", change: func() { b.write("context/go.mod", "module example.com/app\n\ngo 1.23\n") },
			want: map[int]string{7: "go.mod changed", 8: "after line 7"}},
		{name: "glob source", change: func() { b.write("context/README.md", "# app v2\n") }, want: map[int]string{11: "README.md changed"}},
		{name: "file added", change: func() { b.write("context/src/new.go", "package main\n") }, want: map[int]string{10: "src/new.go added"}},
		{name: "file removed", change: func() { os.Remove(filepath.Join(b.dir, "context/src/util/util.go")) },
			want: map[int]string{10: "src/util/util.go removed"}},
		{name: "dockerignore exception", change: func() { b.write("context/docs/keep.md", "kept, v2\n") }, want: map[int]string{12: "docs/keep.md changed"}},
		{name: "mode only", change: func() { chmod("context/config/app.conf", 0o600) }, want: map[int]string{9: "mode of config/app.conf changed"}},
		{name: "instruction edit", change: func() { b.edit("Dockerfile", "echo modules", "echo go-modules") },
			want: map[int]string{8: "instruction text changed", 9: "after line 8"}},
		{name: "build arg", args: map[string]string{"VERSION": "2"}, want: map[int]string{8: "build args changed"}},
		{name: "ARG default edit", change: func() { b.edit("Dockerfile", "ARG VERSION=1", "ARG VERSION=3") }},
		{name: "config step edit", change: func() { b.edit("Dockerfile", "ENV APP_VERSION=${VERSION}", "ENV APP_VERSION=v${VERSION}") },
			want: map[int]string{14: "instruction text changed"}},
	}
	var prev *layerdiff.Image
	right, total := 0, 0
	for _, sc := range scenarios {
		if sc.change != nil {
			sc.change()
		}
		pred := b.predict(ctx, prev, sc.args)
		var buildArgs []string
		for k, v := range sc.args {
			buildArgs = append(buildArgs, k+"="+v)
		}
		start := time.Now()
		used := b.build(buildArgs...)
		t.Logf("%s: buildah took %v", sc.name, time.Since(start).Round(time.Millisecond))
		if len(used) != len(pred.Steps) {
			t.Fatalf("%s: buildah ran %d steps, the prediction has %d", sc.name, len(used), len(pred.Steps))
		}
		for i, s := range pred.Steps {
			if s.Instruction == "FROM" {
				continue // buildah prints no cache verdict for FROM
			}
			total++
			if got := used[i].Cached; got != s.Cached {
				t.Errorf("%s: line %d %s: predicted cached=%v (%s), buildah cached=%v", sc.name, s.Line, s.Instruction, s.Cached, s.Reason, got)
				continue
			}
			right++
			if want, ok := sc.want[s.Line]; ok && !strings.Contains(s.Reason, want) {
				t.Errorf("%s: line %d: reason %q, want it to contain %q", sc.name, s.Line, s.Reason, want)
			}
		}
		prev = b.image(ctx)
	}
	t.Logf("agreement with buildah: %d/%d lines predicted right", right, total)
}
