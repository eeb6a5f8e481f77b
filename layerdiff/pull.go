package layerdiff

import (
	"context"
)

// mergedNode is what Diff needs of a MergedPath, in a form that outlives the merger's next step: the path
// and the entry's strings are the merger's arena strings, which are never reused.
type mergedNode struct {
	path    string
	node    Entry
	hasNode bool
	layer   int
	removed int
}

// mergedBatch is a run of consecutive merged paths, or the error that ended the stream.
type mergedBatch struct {
	nodes []mergedNode
	err   error
}

const batchSize = 512

// pullMerged runs the merge of layers on its own goroutine, a batch ahead of the caller, so that the two
// images of a diff are merged on two cores. next returns nil at the end; stop ends the goroutine early.
func pullMerged(ctx context.Context, layers []*Listing) (next func() (*mergedNode, error), stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	full := make(chan mergedBatch, 2)
	free := make(chan []mergedNode, 3)
	for range 3 {
		free <- make([]mergedNode, 0, batchSize)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(full)
		m := newMerger(ctx, layers)
		var batch []mergedNode
		select {
		case batch = <-free:
		case <-ctx.Done():
			return
		}
		for {
			mp, err := m.next()
			if err != nil || mp == nil {
				if len(batch) > 0 {
					full <- mergedBatch{nodes: batch}
				}
				if err != nil {
					full <- mergedBatch{err: err}
				}
				return
			}
			n := mergedNode{path: mp.Path, layer: mp.Layer, removed: mp.Removed}
			if mp.Node != nil {
				n.node, n.hasNode = *mp.Node, true
			}
			batch = append(batch, n)
			if len(batch) == batchSize {
				select {
				case full <- mergedBatch{nodes: batch}:
				case <-ctx.Done():
					return
				}
				select {
				case batch = <-free:
					batch = batch[:0]
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	var cur []mergedNode
	i := 0
	next = func() (*mergedNode, error) {
		for i == len(cur) {
			if cur != nil {
				free <- cur
				cur = nil
			}
			b, ok := <-full
			if !ok {
				return nil, nil
			}
			if b.err != nil {
				return nil, b.err
			}
			cur, i = b.nodes, 0
		}
		i++
		return &cur[i-1], nil
	}
	stop = func() {
		cancel()
		for range full {
		}
		<-done
	}
	return next, stop
}
