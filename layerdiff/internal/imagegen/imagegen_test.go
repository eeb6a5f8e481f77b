package imagegen

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"os"
	"testing"
)

func fileSum(t *testing.T, p string) [32]byte {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

func TestGenerateIsDeterministic(t *testing.T) {
	ctx := context.Background()
	gen := func(seed uint64) *Pair {
		p, err := Generate(ctx, t.TempDir(), Options{Seed: seed, Scale: 0.003})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p1, p2, other := gen(3), gen(3), gen(4)
	for _, c := range []struct{ x, y string }{{p1.A, p2.A}, {p1.B, p2.B}} {
		if fileSum(t, c.x) != fileSum(t, c.y) {
			t.Errorf("%s and %s differ; the same seed must give the same bytes", c.x, c.y)
		}
	}
	if fileSum(t, p1.A) == fileSum(t, other.A) {
		t.Errorf("seeds 3 and 4 gave the same image A")
	}
}

func TestReadAndHashCountsEveryFile(t *testing.T) {
	opts := Options{Seed: 5, Scale: 0.003}
	p, err := Generate(context.Background(), t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	plan := planPair(opts)
	regular := func(ls []*layer) int {
		n := 0
		for _, l := range ls {
			for _, e := range l.nodes {
				if e.typ == tar.TypeReg {
					n++ // whiteouts are empty regular files in the tar
				}
			}
		}
		return n
	}
	base := regular(plan.a[:1])
	for _, dedup := range []bool{false, true} {
		st, err := ReadAndHash(context.Background(), []string{p.A, p.B}, 2, dedup)
		if err != nil {
			t.Fatal(err)
		}
		wantLayers, wantFiles := len(plan.a)+len(plan.b), regular(plan.a)+regular(plan.b)
		if dedup {
			wantLayers, wantFiles = wantLayers-1, wantFiles-base
		}
		if st.Layers != wantLayers || st.Files != wantFiles {
			t.Errorf("dedup=%v: read %d layers and %d files, want %d and %d", dedup, st.Layers, st.Files, wantLayers, wantFiles)
		}
	}
}

func TestContentDiffersBySeed(t *testing.T) {
	p := newPools(1)
	render := func(n node) []byte {
		var b bytes.Buffer
		if err := p.writeContent(&b, &n); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for _, text := range []bool{false, true} {
		a := render(node{size: 3 << 20, seed: 10, text: text})
		b := render(node{size: 3 << 20, seed: 11, text: text})
		if len(a) != 3<<20 {
			t.Fatalf("text=%v: wrote %d bytes, want %d", text, len(a), 3<<20)
		}
		if bytes.Equal(a, b) {
			t.Errorf("text=%v: seeds 10 and 11 gave the same contents", text)
		}
		if !bytes.Equal(a, render(node{size: 3 << 20, seed: 10, text: text})) {
			t.Errorf("text=%v: the same seed gave different contents", text)
		}
	}
}
