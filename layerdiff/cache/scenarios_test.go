package cache_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/cache"
)

// scenario is one change to a fixture between two builds.
type scenario struct {
	name   string
	change func(o *oracle)
	args   map[string]string
	// want names lines that must rebuild with a reason containing the text (a sanity check of the reasons;
	// the oracle itself is the builder); wantBy overrides it for one builder.
	want   map[int]string
	wantBy map[string]map[int]string
	// known names, per builder, lines where the prediction is known to differ from the builder, and why
	// (a documented limit of prediction from an image); they are counted, not failed.
	known map[string]map[int]string
}

// runScenarios predicts each build from the previous image, builds, and checks every line the builder gave a
// verdict for. Changes never return to an earlier state, so the builder's cache holds nothing the previous
// image does not show. It logs the agreement per scenario as lines agreeing / lines compared.
//
// The prediction checked is the one a language server makes while the user edits: it takes over the steps
// of the prediction made before the change (cache.WithKept), in the same build context (listed again only
// when a file of it changed, as the server does) against the same image. It must equal a prediction made
// from scratch. Before the change, the prediction from the new image is given the previous scenario's, of
// the image before, with the same Dockerfile and build context: it must take nothing over.
func runScenarios(t *testing.T, b oracleBuilder, fixture string, scenarios []scenario) {
	ctx := context.Background()
	o := newOracle(t, b, fixture)
	var prev *layerdiff.Image
	var prevArgs map[string]string
	var last *cache.Prediction // the previous scenario's, of the image before prev
	var bc *cache.BuildContext
	listed := ""       // the state of the context when bc was listed
	relist := func() { // lists the context again if a file of it changed
		if st := contextState(t, filepath.Join(o.dir, "context")); bc == nil || st != listed {
			bc, listed = o.context(ctx), st
		}
	}
	same := func(what string, got, want *cache.Prediction) {
		if !reflect.DeepEqual(got.Steps, want.Steps) {
			t.Errorf("%s: the prediction that took %d steps over differs from one made from scratch:\n%+v\n%+v", what, got.Kept(), got.Steps, want.Steps)
		}
	}
	right, total, kept := 0, 0, 0
	for _, sc := range scenarios {
		relist()
		before := o.predictIn(ctx, bc, prev, prevArgs, cache.WithKept(last))
		if last != nil && before.Kept() != 0 {
			t.Errorf("%s: %d steps taken over from the prediction of the image before", sc.name, before.Kept())
		}
		same(sc.name+", before the change", before, o.predictIn(ctx, o.context(ctx), prev, prevArgs))
		if sc.change != nil {
			sc.change(o)
		}
		relist()
		pred := o.predictIn(ctx, bc, prev, sc.args, cache.WithKept(before))
		same(sc.name, pred, o.predictIn(ctx, o.context(ctx), prev, sc.args))
		kept += pred.Kept()
		var buildArgs []string
		for k, v := range sc.args {
			buildArgs = append(buildArgs, k+"="+v)
		}
		start := time.Now()
		got, img := b.build(t, filepath.Join(o.dir, "Dockerfile"), filepath.Join(o.dir, "context"), buildArgs)
		took := time.Since(start).Round(time.Millisecond)
		want := sc.want
		if w, ok := sc.wantBy[b.name()]; ok {
			want = w
		}
		agree, compared := 0, 0
		for _, s := range pred.Steps {
			cached, ok := got[s.Line]
			if !ok || strings.HasPrefix(s.Reason, "not checked") {
				continue // no verdict, or a stage the image does not hold
			}
			compared++
			if cached != s.Cached {
				if why, ok := sc.known[b.name()][s.Line]; ok {
					t.Logf("%s: line %d %s: predicted cached=%v (%s), %s cached=%v: known difference: %s",
						sc.name, s.Line, s.Instruction, s.Cached, s.Reason, b.name(), cached, why)
					continue
				}
				t.Errorf("%s: line %d %s: predicted cached=%v (%s), %s cached=%v", sc.name, s.Line, s.Instruction,
					s.Cached, s.Reason, b.name(), cached)
				continue
			}
			agree++
			if w, ok := want[s.Line]; ok && !strings.Contains(s.Reason, w) {
				t.Errorf("%s: line %d: reason %q, want it to contain %q", sc.name, s.Line, s.Reason, w)
			}
		}
		for line := range sc.known[b.name()] {
			if _, ok := got[line]; !ok {
				t.Errorf("%s: known difference at line %d, but %s gave that line no verdict", sc.name, line, b.name())
			}
		}
		if compared == 0 {
			t.Errorf("%s: no line compared", sc.name)
		}
		t.Logf("%s: %d/%d lines agree with %s (build %v, %d steps taken over)", sc.name, agree, compared, b.name(), took, pred.Kept())
		right, total = right+agree, total+compared
		prev, prevArgs, last = img, sc.args, pred
	}
	t.Logf("agreement with %s on %s: %d/%d lines predicted right", b.name(), fixture, right, total)
	if kept == 0 {
		t.Errorf("no scenario took a step over from the prediction before its change")
	}
}

// contextState describes every file of a build context directory — path, mode, size, modification time and
// content — to tell whether a change touched it.
func contextState(t *testing.T, dir string) string {
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %v %d %d\n", p, fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
		if fi.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "%x\n", sha256.Sum256(data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestPredictMatchesBuilders changes testdata/cache/app one way at a time, predicts the next build from the
// previous image, rebuilds with buildah --layers and with BuildKit, and checks every step against the
// builder's own cache record.
func TestPredictMatchesBuilders(t *testing.T) {
	chtimes := func(o *oracle, rel string) {
		when := time.Now().Add(time.Hour)
		if err := os.Chtimes(filepath.Join(o.dir, rel), when, when); err != nil {
			t.Fatal(err)
		}
	}
	scenarios := []scenario{
		{name: "first build"},
		{name: "invisible changes: mtime, dockerignored file and dir", change: func(o *oracle) {
			chtimes(o, "context/src/main.go")
			o.write("context/notes.txt", "changed notes\n")
			o.write("context/docs/other.md", "changed\n")
		}},
		{name: "source file", change: func(o *oracle) { o.write("context/src/main.go", "package main\n\nfunc main() { println(\"v2\") }\n") },
			want: map[int]string{10: "src/main.go changed", 11: "after line 10"}},
		{name: "single manifest", change: func(o *oracle) { o.write("context/go.mod", "module example.com/app\n\ngo 1.23\n") },
			want: map[int]string{7: "go.mod changed", 8: "after line 7"}},
		{name: "glob source", change: func(o *oracle) { o.write("context/README.md", "# app v2\n") }, want: map[int]string{11: "README.md changed"}},
		{name: "file added", change: func(o *oracle) { o.write("context/src/new.go", "package main\n") }, want: map[int]string{10: "src/new.go added"}},
		{name: "file removed", change: func(o *oracle) { os.Remove(filepath.Join(o.dir, "context/src/util/util.go")) },
			want: map[int]string{10: "src/util/util.go removed"}},
		{name: "dockerignore exception", change: func(o *oracle) { o.write("context/docs/keep.md", "kept, v2\n") }, want: map[int]string{12: "docs/keep.md changed"}},
		{name: "mode only", change: func(o *oracle) {
			if err := os.Chmod(filepath.Join(o.dir, "context/config/app.conf"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, want: map[int]string{9: "mode of config/app.conf changed"}},
		{name: "instruction edit", change: func(o *oracle) { o.edit("Dockerfile", "echo modules", "echo go-modules") },
			want: map[int]string{8: "instruction text changed", 9: "after line 8"}},
		{name: "build arg", args: map[string]string{"VERSION": "2"}, want: map[int]string{8: "build args changed"}},
		{name: "ARG default edit", change: func(o *oracle) { o.edit("Dockerfile", "ARG VERSION=1", "ARG VERSION=3") }},
		{name: "config step edit", change: func(o *oracle) { o.edit("Dockerfile", "ENV APP_VERSION=${VERSION}", "ENV APP_VERSION=v${VERSION}") },
			wantBy: map[string]map[int]string{"buildah": {14: "instruction text changed"}}},
		{name: "label inserted above the layers", change: func(o *oracle) {
			o.edit("Dockerfile", "ARG VERSION=3\n", "ARG VERSION=3\nLABEL stage=test\n")
		}, wantBy: map[string]map[int]string{"buildah": {6: "new instruction", 7: "after line 6"}}},
		{name: "ENV inserted above the RUNs", change: func(o *oracle) {
			o.edit("Dockerfile", "COPY go.mod ./\n", "COPY go.mod ./\nENV STAGE=one\n")
		}, wantBy: map[string]map[int]string{
			"buildah":  {9: "new instruction", 10: "after line 9"},
			"buildkit": {10: "ENV STAGE changed", 11: "after line 10"},
		}},
	}
	for _, b := range oracleBuilders() {
		t.Run(b.name(), func(t *testing.T) {
			if testing.Short() {
				t.Skip("builds images with " + b.name())
			}
			runScenarios(t, b, "app", scenarios)
		})
	}
}

// TestPredictMultiStage changes testdata/cache/multistage, whose final stage reads its build stage with
// COPY --from, and checks the final stage's prediction against buildah and BuildKit. Both builders reuse a
// COPY --from whose files are the same as last time, whatever the other stage rebuilt.
func TestPredictMultiStage(t *testing.T) {
	// Modification times are what tells a changed RUN input: keep each change clearly after the last build.
	later := func(o *oracle, rel string) {
		when := time.Now().Add(2 * time.Second)
		if err := os.Chtimes(filepath.Join(o.dir, rel), when, when); err != nil {
			t.Fatal(err)
		}
	}
	touchOnly := "a file touched without a change of content reads as changed: the RUN that reads it may make " +
		"other output, and only running it tells"
	scenarios := []scenario{
		{name: "first build"},
		{name: "build stage file the final stage does not read", change: func(o *oracle) { o.write("context/notes.txt", "notes v2\n") }},
		{name: "build stage output copied as is", change: func(o *oracle) { o.write("context/assets/a2.txt", "second asset, v2\n") },
			want: map[int]string{17: "assets/a2.txt changed (copied by stage build)", 18: "after line 17"}},
		{name: "build stage RUN input", change: func(o *oracle) { o.write("context/main.txt", "main v2\n"); later(o, "context/main.txt") },
			want: map[int]string{16: "stage build changed: line 7 copies main.txt", 17: "after line 16"}},
		{name: "final stage file", change: func(o *oracle) { o.write("context/conf.txt", "conf v2\n") },
			want: map[int]string{15: "conf.txt changed", 16: "after line 15"}},
		{name: "build stage RUN input touched", change: func(o *oracle) { later(o, "context/main.txt") },
			known: map[string]map[int]string{
				"buildah":  {16: touchOnly, 17: "after line 16", 18: "after line 16", 19: "after line 16"},
				"buildkit": {16: touchOnly, 17: "after line 16", 18: "after line 16"},
			}},
	}
	for _, b := range oracleBuilders() {
		t.Run(b.name(), func(t *testing.T) {
			if testing.Short() {
				t.Skip("builds images with " + b.name())
			}
			runScenarios(t, b, "multistage", scenarios)
		})
	}
}
