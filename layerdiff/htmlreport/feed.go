package htmlreport

import (
	"context"

	"github.com/layerlint/layerlint/layerdiff"
)

// Visit gives the Collector every entry a merged path holds (see Add): pass it to history.MeasureVisit, or
// call it for each path of the image's merged stream.
func (c *Collector) Visit(mp *layerdiff.MergedPath) {
	for _, w := range mp.Writes {
		c.Add(w.Layer, w.Entry, mp.Node != nil && mp.Layer == w.Layer)
	}
}

// eachLayerFile gives c every entry of every layer of img, from one pass over its merged stream.
func eachLayerFile(ctx context.Context, img *layerdiff.Image, c *Collector) error {
	for mp, err := range img.Merge(ctx) {
		if err != nil {
			return err
		}
		c.Visit(mp)
	}
	return nil
}
