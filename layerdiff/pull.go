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

// pullMerged streams the merged filesystem of img on its own goroutine, a batch ahead of the caller, so that
// the two images of a diff are merged on two cores. With a listing store it reads the stored stack listing
// instead of merging, or stores one as it merges. next returns nil at the end; stop ends the goroutine early.
func pullMerged(ctx context.Context, img *Image) (next func() (*mergedNode, error), stop func()) {
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
		batch := <-free
		emit := func(n *mergedNode) error {
			batch = append(batch, *n)
			if len(batch) < batchSize {
				return nil
			}
			select {
			case full <- mergedBatch{nodes: batch}:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case batch = <-free:
				batch = batch[:0]
			case <-ctx.Done():
				return ctx.Err()
			}
			return nil
		}
		var err error
		if st, ok := img.store.getStack(img.Layers); ok {
			err = readStack(ctx, st, len(img.Layers), emit)
		} else {
			err = mergeInto(ctx, img, emit)
		}
		if ctx.Err() != nil {
			// Stopped, or the caller's context ended: never let a cut stream pass for a whole one.
			full <- mergedBatch{err: ctx.Err()}
			return
		}
		if len(batch) > 0 {
			full <- mergedBatch{nodes: batch}
		}
		if err != nil {
			full <- mergedBatch{err: err}
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

// mergeInto merges img's layers into emit, storing the stack listing on the way when img has a store.
func mergeInto(ctx context.Context, img *Image, emit func(*mergedNode) error) error {
	m := newMerger(ctx, img.Layers)
	w := img.store.newStackWriter(img.Layers)
	var n mergedNode // one for all paths: emit copies it
	for {
		mp, err := m.next()
		if err != nil {
			w.discard()
			return err
		}
		if mp == nil {
			w.finish()
			return nil
		}
		n = mergedNode{path: mp.Path, layer: mp.Layer, removed: mp.Removed}
		if mp.Node != nil {
			n.node, n.hasNode = *mp.Node, true
		}
		w.add(&n)
		if err := emit(&n); err != nil {
			w.discard()
			return err
		}
	}
}
