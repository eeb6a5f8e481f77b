package layerdiff

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// A stack listing is the merged filesystem of a stack of layers as Diff reads it, stored beside the layers'
// listings under the stack's chain ID: one record per path, in path order, with what is visible there, the
// layer that wrote it and the last layer that deleted the path. A warm diff reads two of them instead of
// merging every layer again. The format is a listing's (same header, stackMagic) whose entries section holds
//
//	uvarint shared, uvarint n, n bytes of path (as entries), uvarint layer+1 (0: nothing visible),
//	uvarint removed+1 (0: never deleted), then, when something is visible, its entry fields
//
// and whose deletes and meta sections are empty.

// chainID names a stack of layers as the OCI image spec does: the DiffID of the bottom layer, then
// sha256(parent chain ID + " " + DiffID) for each layer above.
func chainID(layers []*Listing) v1.Hash {
	if len(layers) == 0 {
		return v1.Hash{}
	}
	id := layers[0].DiffID
	for _, l := range layers[1:] {
		sum := sha256.Sum256([]byte(id.String() + " " + l.DiffID.String()))
		id = v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
	}
	return id
}

func (s *ListingStore) stackFile(chain v1.Hash) string { return s.file(chain) + ".stack" }

// getStack returns the stored stack listing of the layers, checked whole like a layer's.
func (s *ListingStore) getStack(layers []*Listing) (*Listing, bool) {
	chain := chainID(layers)
	if s == nil || chain.Hex == "" {
		return nil, false
	}
	f, err := os.Open(s.stackFile(chain))
	if err != nil {
		return nil, false
	}
	fi, err := f.Stat()
	if err == nil {
		var l *Listing
		if l, err = openListing(f, fi.Size(), true, true); err == nil {
			l.keep = f
			return l, true
		}
	}
	f.Close()
	os.Remove(f.Name())
	return nil, false
}

// stackWriter writes the stack listing of layers as Diff merges them, into the store.
type stackWriter struct {
	store *ListingStore
	chain v1.Hash
	out   *sink
	lw    *listingWriter
}

func (s *ListingStore) newStackWriter(layers []*Listing) *stackWriter {
	chain := chainID(layers)
	if s == nil || chain.Hex == "" {
		return nil
	}
	out, lw, err := newFinalSink(s.config())
	if err != nil {
		return nil
	}
	return &stackWriter{store: s, chain: chain, out: out, lw: lw}
}

func (w *stackWriter) add(n *mergedNode) {
	if w == nil {
		return
	}
	lw := w.lw
	lw.path(n.path)
	layer := 0
	if n.hasNode {
		layer = n.layer + 1
	}
	lw.uvarint(uint64(layer))
	lw.uvarint(uint64(n.removed + 1))
	if n.hasNode {
		lw.entryFields(&n.node)
	}
	lw.hdr.entries++
}

// finish stores the stack listing; discard drops it (the merge did not reach the end).
func (w *stackWriter) finish() {
	if w == nil {
		return
	}
	w.lw.hdr.stack = true
	hdr, err := w.lw.finish(0, 0)
	if err == nil {
		err = w.out.writeAt(hdr, 0)
	}
	if err == nil {
		w.out.persist(w.store.stackFile(w.chain)) // a store that cannot be written is a store that misses
	}
	w.discard()
}

func (w *stackWriter) discard() {
	if w != nil {
		w.out.discard()
	}
}

// readStack streams a stored stack listing as mergedNodes, checking every record: the order of the paths,
// and layers within the stack.
func readStack(ctx context.Context, l *Listing, layers int, fn func(*mergedNode) error) error {
	rr := newRecordReader(l.src, int64(listingHeaderSize), l.hdr.entriesLen)
	var d entryDecoder
	var a arena
	var n mergedNode // one for all records: fn copies it
	for left := l.hdr.entries; left > 0; left-- {
		if left&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if err := d.decodePath(rr); err != nil {
			return err
		}
		layer, err1 := rr.uvarint()
		removed, err2 := rr.uvarint()
		if err1 != nil || err2 != nil || layer > uint64(layers) || removed > uint64(layers) {
			return corruptf("stack: bad layer")
		}
		n = mergedNode{path: a.string(d.path), layer: int(layer) - 1, removed: int(removed) - 1, hasNode: layer > 0}
		if n.hasNode {
			if err := d.decodeFields(rr); err != nil {
				return err
			}
			n.node = d.e
			n.node.Path, n.node.Link = n.path, a.string(d.link)
		}
		if err := fn(&n); err != nil {
			return err
		}
	}
	if !rr.atEnd() {
		return corruptf("stack: trailing bytes")
	}
	return nil
}
