package htmlreport

import (
	"fmt"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/history"
)

// Collector gathers an image's regular files into the treemap as they pass, one tree per layer, so that a
// caller already reading the image's merged stream (to measure its history, say) need not read it twice:
// give each file to Add, then the Collector to Image or Diff (WithCollector).
type Collector struct {
	img      *layerdiff.Image
	min      int64
	classOf  map[string]string
	builders []*treeBuilder
	roots    []*Node
}

// NewCollector returns a Collector for img's files. In a diff, rep is the diff of A and img (B), whose
// changed paths class img's files; nil for one image.
func NewCollector(img *layerdiff.Image, rep *layerdiff.Report, opts ...Option) *Collector {
	o := newOptions(opts)
	var total int64
	for _, l := range img.Layers {
		total += l.FileBytes
	}
	c := &Collector{img: img, min: max(total/int64(o.leaves), 1), builders: make([]*treeBuilder, len(img.Layers)),
		roots: make([]*Node, len(img.Layers))}
	if rep != nil {
		c.classOf = map[string]string{} // B's visible paths that changed
		for i := range rep.Files {
			if f := &rep.Files[i]; f.Change != layerdiff.Deleted {
				c.classOf[f.Path] = changeClass(f)
			}
		}
	}
	for k := range img.Layers {
		c.roots[k] = &Node{Step: -1}
		c.builders[k] = newTreeBuilder(c.roots[k], c.min)
	}
	return c
}

// Add offers one entry that layer writes, each layer's in path order; visible says whether the image shows
// it (false: a later layer overwrote or deleted it). Entries other than regular files with contents are not
// drawn. Add keeps no reference to e.
func (c *Collector) Add(layer int, e *layerdiff.Entry, visible bool) {
	if e.Type != layerdiff.TypeFile || e.Size == 0 {
		return
	}
	cl := Class{Wasted: !visible, Leftover: history.LeftoverKind(e.Path)}
	if visible {
		cl.Change = c.classOf[e.Path]
	}
	c.builders[layer].add(file{path: e.Path, bytes: e.Size, class: cl})
}

// tree closes the layers' trees and hangs each under its step of p, labelled.
func (c *Collector) tree(p *Page) (*Node, error) {
	layerStep := p.layerSteps()
	root := &Node{Name: c.img.Name, Step: -1}
	for k, l := range c.img.Layers {
		s, ok := layerStep[k]
		if !ok {
			return nil, fmt.Errorf("%s: layer %d has no step in the history report", c.img.Name, k)
		}
		n := c.roots[k]
		n.Name, n.Step = p.Steps[s].Label, s
		listed := c.builders[k].done()
		if extra := l.FileBytes - listed; extra > 0 {
			// The layer's tar holds some paths twice: the earlier copies are stored, and counted in its size,
			// but the listing keeps the last.
			n.Children = append(n.Children, &Node{Name: "(earlier copies of paths the tar holds twice)", Bytes: extra, Step: -1})
		}
		if n.size() > 0 {
			root.Children = append(root.Children, n)
		}
	}
	return root, nil
}
