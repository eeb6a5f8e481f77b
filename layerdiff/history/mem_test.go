package history

import (
	"context"
	"testing"

	"github.com/layerlint/layerlint/layerdiff"
)

// memImage is an image's listings read into memory, for tests that check the streamed measurements against
// plain, slow recomputations.
type memImage struct {
	Layers []*layerdiff.LayerIndex
	tree   *layerdiff.Tree
}

func inMemory(t *testing.T, img *layerdiff.Image) *memImage {
	t.Helper()
	m := &memImage{}
	for _, l := range img.Layers {
		idx, err := l.Index(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		m.Layers = append(m.Layers, idx)
	}
	m.tree = layerdiff.MergeLayers(m.Layers)
	return m
}

func (m *memImage) Tree() *layerdiff.Tree { return m.tree }

// wastedFiles measures img and returns its wasted files.
func wastedFiles(t *testing.T, img *layerdiff.Image) []WastedFile {
	t.Helper()
	w, err := WastedFiles(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	return w
}
