package htmlreport

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/history"
)

// manyFiles is an image of two layers holding n small files in n/100 directories (the second layer rewrites
// every tenth file, so that some are wasted), made in memory.
func manyFiles(n int) *layerdiff.Image {
	var low, high layerdiff.LayerIndex
	for i := range n {
		p := fmt.Sprintf("usr/share/d%05d/f%07d", i/100, i)
		e := layerdiff.Entry{Path: p, Type: layerdiff.TypeFile, Size: int64(100 + i%900), Mode: 0o644}
		low.Entries = append(low.Entries, e)
		low.FileBytes += e.Size
		if i%10 == 0 {
			high.Entries = append(high.Entries, e)
			high.FileBytes += e.Size
		}
	}
	return &layerdiff.Image{Name: "many", Layers: []*layerdiff.Listing{low.Listing(), high.Listing()}}
}

// TestCollectorHoldsWhatThePageNeeds: gathering 300,000 files from the merged stream keeps a tree of a few
// thousand nodes and a few MB, not the files: small files are taken together per directory as they pass.
func TestCollectorHoldsWhatThePageNeeds(t *testing.T) {
	const n = 300000
	img := manyFiles(n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := NewCollector(img, nil)
	if err := eachLayerFile(context.Background(), img, c); err != nil {
		t.Fatal(err)
	}
	for _, b := range c.builders {
		b.done()
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	nodes := 0
	var bytes int64
	for k, r := range c.roots {
		nodes += r.count()
		bytes += r.size()
		if r.size() != img.Layers[k].FileBytes {
			t.Errorf("layer %d: the tree holds %d bytes, the layer %d", k, r.size(), img.Layers[k].FileBytes)
		}
	}
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d files: %d nodes, %d bytes held on the heap", n, nodes, held)
	if nodes > 12000 || held > 8<<20 {
		t.Errorf("%d files gathered into %d nodes holding %d bytes: want at most 12000 nodes and 8 MiB", n, nodes, held)
	}
	runtime.KeepAlive(c)
}

// TestCollectorFedByMeasure: files gathered in history's pass (history.MeasureVisit) make the same page as
// the report's own pass over the image.
func TestCollectorFedByMeasure(t *testing.T) {
	ctx := context.Background()
	img := manyFiles(20000)
	c := NewCollector(img, nil)
	m, err := history.MeasureVisit(ctx, img, c.Visit)
	if err != nil {
		t.Fatal(err)
	}
	a, err := history.AlignPrefix(img, nil, history.WithMeasurements(m))
	if err != nil {
		t.Fatal(err)
	}
	hist := history.NewReport(img, a.Steps, nil, 0)
	fed, err := Image(ctx, img, hist, WithCollector(c))
	if err != nil {
		t.Fatal(err)
	}
	own, err := Image(ctx, img, hist)
	if err != nil {
		t.Fatal(err)
	}
	j1, _ := json.Marshal(fed)
	j2, _ := json.Marshal(own)
	if string(j1) != string(j2) || fed.Tree.size() != img.Layers[0].FileBytes+img.Layers[1].FileBytes {
		t.Errorf("the page from history's pass differs from the report's own:\n%s\n%s", j1, j2)
	}
	if _, err := Image(ctx, manyFiles(10), hist, WithCollector(c)); err == nil {
		t.Error("a collector of another image was taken")
	}
}
