package cache_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/layerlint/layerlint/internal/buildahtest"
	"github.com/layerlint/layerlint/internal/dockertest"
	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/cache"
	"github.com/layerlint/layerlint/layerdiff/source"
)

func TestMain(m *testing.M) { os.Exit(dockertest.Main(m)) }

// verdicts maps a Dockerfile line to whether the builder reused its step; lines the builder printed no
// verdict for are absent (buildah prints none for FROM; BuildKit numbers only FROM and the steps that make a
// layer: RUN, COPY, ADD, WORKDIR).
type verdicts map[int]bool

// oracleBuilder is a real builder whose own cache record is the oracle: buildah's "Using cache", BuildKit's
// "#N CACHED".
type oracleBuilder interface {
	name() string
	// build builds dockerfile in contextDir, returns the builder's verdict per line and the image it made.
	build(t *testing.T, dockerfile, contextDir string, buildArgs []string) (verdicts, *layerdiff.Image)
}

// oracle is a fixture copied to a temporary directory (with busybox in its context when it wants one) and
// the builder that builds it, again and again.
type oracle struct {
	t       *testing.T
	dir     string // holds Dockerfile and context/
	builder oracleBuilder
}

func newOracle(t *testing.T, b oracleBuilder, fixture string) *oracle {
	dir := t.TempDir()
	buildahtest.CopyTree(t, filepath.Join("..", "..", "testdata", "cache", fixture), dir)
	buildahtest.AddBusybox(t, filepath.Join(dir, "context"), "busybox")
	return &oracle{t: t, dir: dir, builder: b}
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

func (b *oracle) dockerfile() *parser.Result {
	f, err := os.Open(filepath.Join(b.dir, "Dockerfile"))
	if err != nil {
		b.t.Fatal(err)
	}
	defer f.Close()
	df, err := parser.Parse(f)
	if err != nil {
		b.t.Fatal(err)
	}
	return df
}

// context lists the fixture's build context.
func (b *oracle) context(ctx context.Context) *cache.BuildContext {
	bc, err := cache.OpenContext(ctx, filepath.Join(b.dir, "context"))
	if err != nil {
		b.t.Fatal(err)
	}
	return bc
}

// predictIn predicts the next build of the fixture's Dockerfile in bc from prev.
func (b *oracle) predictIn(ctx context.Context, bc *cache.BuildContext, prev *layerdiff.Image, args map[string]string, opts ...cache.Option) *cache.Prediction {
	pred, err := cache.Predict(ctx, b.dockerfile(), bc, prev, append([]cache.Option{cache.WithBuildArgs(args)}, opts...)...)
	if err != nil {
		b.t.Fatal(err)
	}
	return pred
}

// stageLines returns, per stage, the Dockerfile lines of its instructions in order (FROM first).
func stageLines(df *parser.Result) [][]int {
	var out [][]int
	for _, n := range df.AST.Children {
		switch kw := strings.ToUpper(n.Value); {
		case kw == "FROM":
			out = append(out, []int{n.StartLine})
		case len(out) > 0:
			out[len(out)-1] = append(out[len(out)-1], n.StartLine)
		}
	}
	return out
}

// buildahOracle builds with buildah --layers in a private store.
type buildahOracle struct {
	b   *buildahtest.Builder
	n   int
	dir string
}

func (o *buildahOracle) name() string { return "buildah" }

func (o *buildahOracle) build(t *testing.T, dockerfile, contextDir string, buildArgs []string) (verdicts, *layerdiff.Image) {
	if o.b == nil {
		o.b, o.dir = buildahtest.New(t), t.TempDir()
	}
	var extra []string
	for _, a := range buildArgs {
		extra = append(extra, "--build-arg", a)
	}
	const tag = "localhost/cache-oracle:latest"
	steps := o.b.Build(dockerfile, contextDir, tag, extra...)
	lines := stageLines(parseFile(t, dockerfile))
	v := verdicts{}
	for _, s := range steps {
		if s.Number == 1 || s.Stage >= len(lines) || s.Number > len(lines[s.Stage]) {
			continue // FROM, or a step the Dockerfile does not have
		}
		v[lines[s.Stage][s.Number-1]] = s.Cached
	}
	o.n++
	p := filepath.Join(o.dir, fmt.Sprintf("build%d.tar", o.n))
	o.b.Archive(tag, p, "cache-oracle:latest")
	return v, readArchive(t, p)
}

// buildkitOracle builds with the Docker daemon's BuildKit (the package's shared daemon) and reads each image
// through a `docker save` archive.
type buildkitOracle struct {
	n   int
	dir string
}

func (o *buildkitOracle) name() string { return "buildkit" }

func (o *buildkitOracle) build(t *testing.T, dockerfile, contextDir string, buildArgs []string) (verdicts, *layerdiff.Image) {
	d := dockertest.Shared(t)
	if o.dir == "" {
		o.dir = t.TempDir()
	}
	var extra []string
	for _, a := range buildArgs {
		extra = append(extra, "--build-arg", a)
	}
	o.n++
	tag := fmt.Sprintf("cache-oracle-%s:%d", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")), o.n)
	steps := d.Build(t, dockerfile, contextDir, tag, extra...)
	df := parseFile(t, dockerfile)
	layered := layerLines(df)
	v := verdicts{}
	for _, s := range steps {
		stage := stageIndex(df, s.Stage)
		if stage < 0 || stage >= len(layered) {
			continue
		}
		// BuildKit numbers FROM first, except FROM scratch, which has no step.
		i := s.Number - 1
		if s.Of == len(layered[stage])+1 {
			i--
		}
		if i < 0 || i >= len(layered[stage]) {
			continue
		}
		v[layered[stage][i]] = s.Cached
	}
	p := filepath.Join(o.dir, fmt.Sprintf("build%d.tar", o.n))
	d.Save(t, tag, p)
	return v, readArchive(t, p)
}

// layerLines returns, per stage, the lines of the instructions BuildKit numbers after FROM: RUN, COPY, ADD and
// WORKDIR.
func layerLines(df *parser.Result) [][]int {
	var out [][]int
	for _, n := range df.AST.Children {
		switch kw := strings.ToUpper(n.Value); {
		case kw == "FROM":
			out = append(out, nil)
		case len(out) > 0 && (kw == "RUN" || kw == "COPY" || kw == "ADD" || kw == "WORKDIR"):
			out[len(out)-1] = append(out[len(out)-1], n.StartLine)
		}
	}
	return out
}

// stageIndex maps BuildKit's stage label ("" for a single stage, the stage's name, or "stage-N") to the
// stage's index.
func stageIndex(df *parser.Result, label string) int {
	if label == "" {
		return 0
	}
	i := -1
	for _, n := range df.AST.Children {
		if !strings.EqualFold(n.Value, "from") {
			continue
		}
		i++
		if fmt.Sprintf("stage-%d", i) == label {
			return i
		}
		var words []string
		for c := n.Next; c != nil; c = c.Next {
			words = append(words, c.Value)
		}
		if len(words) == 3 && strings.EqualFold(words[1], "as") && strings.EqualFold(words[2], label) {
			return i
		}
	}
	return -1
}

func parseFile(t *testing.T, name string) *parser.Result {
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	df, err := parser.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return df
}

func readArchive(t *testing.T, p string) *layerdiff.Image {
	ctx := context.Background()
	v1img, err := source.OpenString(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	img, err := layerdiff.NewReader().ReadImage(ctx, p, v1img)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func oracleBuilders() []oracleBuilder {
	return []oracleBuilder{&buildahOracle{}, &buildkitOracle{}}
}
