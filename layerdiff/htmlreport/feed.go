package htmlreport

import (
	"context"

	"github.com/layerlint/layerlint/layerdiff"
)

// eachLayerFile calls fn for every entry of every layer of img, each layer's in path order, saying whether
// the entry is what the image shows at its path (false: a later layer overwrote or deleted it).
func eachLayerFile(ctx context.Context, img *layerdiff.Image, fn func(layer int, e *layerdiff.Entry, visible bool)) error {
	tree := img.Tree()
	for k, l := range img.Layers {
		if err := ctx.Err(); err != nil {
			return err
		}
		for i := range l.Entries {
			e := &l.Entries[i]
			n, ok := tree.Lookup(e.Path)
			fn(k, e, ok && n.Layer == k)
		}
	}
	return nil
}
