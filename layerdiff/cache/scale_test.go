package cache_test

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/cache"
)

const scaleDockerfile = "FROM scratch\nWORKDIR /app\nCOPY . .\n"

// bigContext writes n small files in directories of 100 to a new context directory and returns it with the
// image buildah would make from scaleDockerfile (a layer holding the files under app/ with the same bytes
// and modes, and buildah's history).
func bigContext(tb testing.TB, n int) (string, *layerdiff.Image) {
	tb.Helper()
	dir := tb.TempDir()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := func(h *tar.Header) {
		h.Format = tar.FormatPAX
		if err := tw.WriteHeader(h); err != nil {
			tb.Fatal(err)
		}
	}
	hdr(&tar.Header{Typeflag: tar.TypeDir, Name: "app/", Mode: 0o755})
	for i := 0; i < n; i++ {
		sub := fmt.Sprintf("d%03d", i/100)
		name := fmt.Sprintf("%s/f%05d.txt", sub, i)
		if i%100 == 0 {
			if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
				tb.Fatal(err)
			}
			os.Chmod(filepath.Join(dir, sub), 0o755)
			hdr(&tar.Header{Typeflag: tar.TypeDir, Name: "app/" + sub + "/", Mode: 0o755})
		}
		body := []byte(fmt.Sprintf("file %d\n%s", i, strings.Repeat("x", i%512)))
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.WriteFile(p, body, 0o644); err != nil {
			tb.Fatal(err)
		}
		os.Chmod(p, 0o644)
		hdr(&tar.Header{Typeflag: tar.TypeReg, Name: "app/" + name, Mode: 0o644, Size: int64(len(body))})
		if _, err := tw.Write(body); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(buf.Bytes())), nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	img, err := mutate.Append(empty.Image,
		mutate.Addendum{History: v1.History{CreatedBy: "/bin/sh -c #(nop) WORKDIR /app", EmptyLayer: true}},
		mutate.Addendum{Layer: layer, History: v1.History{CreatedBy: "/bin/sh -c #(nop) COPY dir:0123 in . "}})
	if err != nil {
		tb.Fatal(err)
	}
	read, err := layerdiff.NewReader().ReadImage(context.Background(), "big", img)
	if err != nil {
		tb.Fatal(err)
	}
	return dir, read
}

func predictDir(tb testing.TB, dir string, prev *layerdiff.Image) *cache.Prediction {
	tb.Helper()
	ctx := context.Background()
	df, err := parser.Parse(strings.NewReader(scaleDockerfile))
	if err != nil {
		tb.Fatal(err)
	}
	bc, err := cache.OpenContext(ctx, dir)
	if err != nil {
		tb.Fatal(err)
	}
	pred, err := cache.Predict(ctx, df, bc, prev)
	if err != nil {
		tb.Fatal(err)
	}
	return pred
}

// TestPredict10kFiles times a prediction over a context of 10,000 files (listing, .dockerignore, hashing
// every file, comparing with the layer) and checks that it finds the one changed file among them.
func TestPredict10kFiles(t *testing.T) {
	dir, prev := bigContext(t, 10000)
	start := time.Now()
	pred := predictDir(t, dir, prev)
	t.Logf("cache prediction over 10000 context files: %v", time.Since(start).Round(time.Millisecond))
	if s := pred.Steps[2]; !s.Cached || len(s.Sources) != 10000 {
		t.Fatalf("COPY . .: cached=%v (%s) with %d sources, want cached with 10000", s.Cached, s.Reason, len(s.Sources))
	}
	if err := os.WriteFile(filepath.Join(dir, "d042", "f04217.txt"), []byte("edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pred = predictDir(t, dir, prev)
	if s := pred.Steps[2]; s.Cached || s.Reason != "d042/f04217.txt changed" {
		t.Fatalf("COPY . . after an edit: cached=%v reason %q, want a rebuild naming d042/f04217.txt", s.Cached, s.Reason)
	}
}

func BenchmarkPredict10kFiles(b *testing.B) {
	dir, prev := bigContext(b, 10000)
	b.ResetTimer()
	for b.Loop() {
		predictDir(b, dir, prev)
	}
}
