package dockertest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestParseProgress(t *testing.T) {
	out := `#4 [ 1/3] FROM localhost/layerlint/base:latest
#4 DONE 0.0s

#7 [build 2/3] COPY a /a
#7 CACHED

#5 [ 2/3] WORKDIR /app
#5 CACHED

#8 [ 3/3] COPY --from=build /a /b
#8 DONE 0.1s

#6 [build 1/3] FROM docker.io/library/busybox
`
	steps, err := ParseProgress(out)
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{
		{Vertex: 4, Number: 1, Of: 3, Instruction: "FROM localhost/layerlint/base:latest"},
		{Vertex: 5, Number: 2, Of: 3, Instruction: "WORKDIR /app", Cached: true},
		{Vertex: 8, Number: 3, Of: 3, Instruction: "COPY --from=build /a /b"},
		{Vertex: 6, Stage: "build", Number: 1, Of: 3, Instruction: "FROM docker.io/library/busybox"},
		{Vertex: 7, Stage: "build", Number: 2, Of: 3, Instruction: "COPY a /a", Cached: true},
	}
	if len(steps) != len(want) {
		t.Fatalf("got %d steps, want %d: %+v", len(steps), len(want), steps)
	}
	for i := range want {
		if steps[i] != want[i] {
			t.Errorf("step %d: got %+v, want %+v", i, steps[i], want[i])
		}
	}
	if _, err := ParseProgress("#1 [internal] load build definition\n"); err == nil {
		t.Error("output without numbered steps: no error")
	}
}

// TestBuildCached builds a small image with the real daemon's BuildKit twice
// and sees the second build reuse every step, and a changed file rebuild only
// the step that copies it and those after it.
func TestBuildCached(t *testing.T) {
	d := Shared(t)
	d.Load(t, "../../testdata/images/base.tar")
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Dockerfile", "FROM localhost/layerlint/base:latest\nCOPY a /a\nRUN cat /a > /b\nCOPY c /c\n")
	write("a", "one\n")
	write("c", "see\n")
	first := d.Build(t, "", dir, "dockertest:one")
	if len(first) != 4 {
		t.Fatalf("first build: %d steps, want 4: %+v", len(first), first)
	}
	for _, s := range first[1:] {
		if s.Cached {
			t.Errorf("first build: %q cached", s.Instruction)
		}
	}
	write("c", "sea\n")
	second := d.Build(t, "", dir, "dockertest:two")
	got := [3]bool{second[1].Cached, second[2].Cached, second[3].Cached}
	if got != [3]bool{true, true, false} {
		t.Errorf("second build cached = %v, want [true true false]: %+v", got, second)
	}
	archive := filepath.Join(t.TempDir(), "two.tar")
	d.Save(t, "dockertest:two", archive)
	if fi, err := os.Stat(archive); err != nil || fi.Size() == 0 {
		t.Fatalf("docker save wrote nothing: %v", err)
	}
}
