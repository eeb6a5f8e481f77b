package htmlreport

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/cache"
	"github.com/layerlint/layerlint/layerdiff/history"
)

// Option configures Image and Diff.
type Option func(*options)

type options struct {
	collector *Collector
	pred      *cache.Prediction
	alignment *history.AlignmentSummary
	leaves    int
	maxFiles  int
}

// WithCollector takes the image's files from c, which was given them all, instead of reading the image.
func WithCollector(c *Collector) Option { return func(o *options) { o.collector = c } }

// WithCache shows the cache prediction for each Dockerfile line beside its step.
func WithCache(p *cache.Prediction) Option { return func(o *options) { o.pred = p } }

// WithAlignment shows how far the Dockerfile matches the image.
func WithAlignment(a *history.AlignmentSummary) Option { return func(o *options) { o.alignment = a } }

// WithLeaves sets about how many rectangles the treemap may draw (default 3000): files and directories
// under 1/n of the image's bytes are taken together per directory.
func WithLeaves(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.leaves = n
		}
	}
}

// MaxFiles is how many changed paths a diff's table holds by default: the big pair's 24k fit in a page of
// about 3 MB.
const MaxFiles = 30000

// WithMaxFiles sets how many changed paths the diff's table holds; beyond it, the largest.
func WithMaxFiles(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxFiles = n
		}
	}
}

func newOptions(opts []Option) *options {
	o := &options{leaves: 3000, maxFiles: MaxFiles}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// Image makes the report of one image from its history report (history.NewReport of the steps
// history.AlignPrefix measured): its files are read from the image's listings in one pass.
func Image(ctx context.Context, img *layerdiff.Image, rep *history.Report, opts ...Option) (*Page, error) {
	o := newOptions(opts)
	p := newPage(img, rep, o)
	p.Kind = "image"
	if err := p.buildTree(ctx, img, o, nil); err != nil {
		return nil, err
	}
	return p, nil
}

// Diff makes the report of two images: rep is their layerdiff.Diff, histB the history report of b.
func Diff(ctx context.Context, rep *layerdiff.Report, a, b *layerdiff.Image, histB *history.Report, opts ...Option) (*Page, error) {
	o := newOptions(opts)
	p := newPage(b, histB, o)
	p.Kind, p.ImageA = "diff", a.Name
	d := &Comparison{Summary: rep.Summary, A: rep.A, B: rep.B, Config: rep.Config}
	p.Diff = d

	if err := p.buildTree(ctx, b, o, rep); err != nil {
		return nil, err
	}
	layerStep := p.layerSteps()

	// The changes, by the step of B that last wrote or deleted each path.
	var total int64
	for _, f := range rep.Files {
		total += max(f.SizeA, f.SizeB)
	}
	min := max(total/int64(o.leaves), 1)
	p.ChangesMinBytes = min
	p.Changes = &Node{Name: b.Name, Step: -1}
	builders := map[int]*treeBuilder{}
	nodes := map[int]*Node{}
	rows := make([]ChangedPath, 0, len(rep.Files))
	for i := range rep.Files {
		f := &rep.Files[i]
		step := -1
		if f.Layer != nil {
			if s, ok := layerStep[f.Layer.Index]; ok {
				step = s
			}
		}
		class := changeClass(f)
		rows = append(rows, ChangedPath{Path: f.Path, Change: f.Change, Type: f.Type, SizeA: f.SizeA, SizeB: f.SizeB, Step: step, Class: class})
		if step >= 0 {
			if delta := f.SizeB - f.SizeA; delta > 0 {
				p.Steps[step].Grew += delta
			} else {
				p.Steps[step].Shrank -= delta
			}
		}
		bytes := max(f.SizeA, f.SizeB)
		if bytes == 0 {
			continue
		}
		tb := builders[step]
		if tb == nil {
			name := "in layers only A has (deleted)"
			if step >= 0 {
				name = p.Steps[step].Label
			}
			nodes[step] = &Node{Name: name, Step: step}
			tb = newTreeBuilder(nodes[step], min)
			builders[step] = tb
		}
		tb.add(file{path: f.Path, bytes: bytes, class: Class{Change: class}})
	}
	for _, s := range slices.Sorted(maps.Keys(builders)) {
		builders[s].done()
		p.Changes.Children = append(p.Changes.Children, nodes[s])
	}
	d.Files, d.FilesLeftOut = largestRows(rows, o.maxFiles), max(len(rows)-o.maxFiles, 0)
	return p, nil
}

// largestRows keeps the n rows with the most bytes, in path order.
func largestRows(rows []ChangedPath, n int) []ChangedPath {
	if len(rows) <= n {
		return rows
	}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int {
		return cmp.Compare(max(rows[j].SizeA, rows[j].SizeB), max(rows[i].SizeA, rows[i].SizeB))
	})
	idx = idx[:n]
	slices.Sort(idx)
	out := make([]ChangedPath, n)
	for k, i := range idx {
		out[k] = rows[i]
	}
	return out
}

func newPage(img *layerdiff.Image, rep *history.Report, o *options) *Page {
	p := &Page{Image: img.Name, Steps: newSteps(rep, o.pred), Size: rep.Size, Wasted: rep.Wasted,
		Leftovers: rep.Leftovers, Alignment: o.alignment}
	for _, l := range img.Layers {
		p.TarSize += l.TarSize
	}
	return p
}

// layerSteps maps each layer to the step that made it.
func (p *Page) layerSteps() map[int]int {
	m := map[int]int{}
	for i, s := range p.Steps {
		if s.Layer >= 0 {
			m[s.Layer] = i
		}
	}
	return m
}

// buildTree makes p.Tree from img's files: those the collector of the options gathered, else from one pass
// over img's layers. rep is the diff that classes them, nil for one image.
func (p *Page) buildTree(ctx context.Context, img *layerdiff.Image, o *options, rep *layerdiff.Report) error {
	c := o.collector
	if c == nil {
		c = NewCollector(img, rep, WithLeaves(o.leaves))
		if err := eachLayerFile(ctx, img, c); err != nil {
			return fmt.Errorf("%s: %w", img.Name, err)
		}
	} else if c.img != img {
		return fmt.Errorf("%s: the collector gathered another image's files (%s)", img.Name, c.img.Name)
	}
	p.MinBytes = c.min
	var err error
	p.Tree, err = c.tree(p)
	return err
}
