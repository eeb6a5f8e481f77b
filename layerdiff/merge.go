package layerdiff

import (
	"bytes"
	"context"
	"iter"
	"math/bits"
	"slices"
	"unsafe"
)

// MergedPath is one path of an image's merged filesystem, as Merge passes it: what is visible there, and
// what each layer did to it. It and everything it points to are valid until the iteration continues; copy
// what you keep (strings.Clone for strings kept long: they share memory with their neighbours).
type MergedPath struct {
	Path string
	// Node is the entry visible at Path in the merged filesystem, nil when nothing is; Layer is the layer
	// that wrote it (0 is the bottom layer).
	Node  *Entry
	Layer int
	// Removed is the last layer that deleted an entry at Path (by whiteout, opaque directory or a directory
	// replaced by a non-directory), -1 when none did. A later layer may have written Path again.
	Removed int
	// Writes are the layers' own entries at Path, bottom first, each with what was visible below it.
	Writes []LayerWrite
	// Deletions are the layers that deleted an entry at Path, bottom first.
	Deletions []int
}

// LayerWrite is one layer's entry at a path.
type LayerWrite struct {
	Layer int
	Entry *Entry
	// Below is what was visible at the path in the layers under this one (before its deletions), nil when
	// nothing was.
	Below *Entry
}

// Merge streams the filesystem that layers (bottom first) make when stacked the way overlayfs stacks them,
// in path order, with the OCI whiteout rules: a layer's whiteouts and opaque markers delete from the layers
// below it only (never an entry of the same layer); an entry replaces the one below it at the same path; a
// non-directory replacing a directory (or written where there was nothing) removes what lower layers hold
// under it; a layer writing under a non-directory turns it into a directory. It is a k-way merge of the
// sorted listings: memory depends on the number of layers and the depth of the tree, not on the number of
// paths.
func Merge(ctx context.Context, layers []*Listing) iter.Seq2[*MergedPath, error] {
	return func(yield func(*MergedPath, error) bool) {
		m := newMerger(ctx, layers)
		for {
			mp, err := m.next()
			if err != nil {
				yield(nil, err)
				return
			}
			if mp == nil || !yield(mp, nil) {
				return
			}
		}
	}
}

// merger is Merge's state, for callers that pull paths one at a time (Diff pulls from two).
type merger struct {
	ctx  context.Context
	n    int
	ec   []*entryCursor
	dc   []*deleteCursor
	heap []int // cursor ids by head path: id < n is layer id's entries, id >= n layer id-n's deletions

	words  int
	frames []frame
	arena  arena
	count  int

	// per path, by layer
	ents     []Entry
	hasEnt   []bool
	wo, op   []bool
	touched  []int
	events   []int
	implied  []Entry
	own      []uint64
	out      MergedPath
	writes   []LayerWrite
	deletion []int
}

// frame is an ancestor of the current path that deletes, in some layers, what the layers below hold under it.
type frame struct {
	path string
	cum  []uint64 // those layers, and the ones of the frames above it
}

func newMerger(ctx context.Context, layers []*Listing) *merger {
	n := len(layers)
	m := &merger{ctx: ctx, n: n, ec: make([]*entryCursor, n), dc: make([]*deleteCursor, n), words: (n + 63) / 64,
		ents: make([]Entry, n), hasEnt: make([]bool, n), wo: make([]bool, n), op: make([]bool, n),
		implied: make([]Entry, 0, n+1), writes: make([]LayerWrite, 0, n), deletion: make([]int, 0, n)}
	m.own = make([]uint64, m.words)
	for k, l := range layers {
		m.ec[k] = l.entryCursor()
		m.dc[k] = l.deleteCursor()
		if m.ec[k].ok {
			m.heap = append(m.heap, k)
		}
		if m.dc[k].ok {
			m.heap = append(m.heap, n+k)
		}
	}
	for i := len(m.heap)/2 - 1; i >= 0; i-- {
		m.down(i)
	}
	return m
}

func (m *merger) head(id int) []byte {
	if id < m.n {
		return m.ec[id].d.path
	}
	return m.dc[id-m.n].path
}

func (m *merger) less(i, j int) bool {
	c := comparePathBytes(m.head(m.heap[i]), m.head(m.heap[j]))
	return c < 0 || (c == 0 && m.heap[i] < m.heap[j])
}

func (m *merger) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(m.heap) {
			return
		}
		if r := l + 1; r < len(m.heap) && m.less(r, l) {
			l = r
		}
		if !m.less(l, i) {
			return
		}
		m.heap[i], m.heap[l] = m.heap[l], m.heap[i]
		i = l
	}
}

// advance moves the cursor at the top of the heap to its next record.
func (m *merger) advance() error {
	id := m.heap[0]
	var ok bool
	var err error
	if id < m.n {
		c := m.ec[id]
		c.next()
		ok, err = c.ok, c.err
	} else {
		c := m.dc[id-m.n]
		c.next()
		ok, err = c.ok, c.err
	}
	if err != nil {
		return err
	}
	if !ok {
		last := len(m.heap) - 1
		m.heap[0] = m.heap[last]
		m.heap = m.heap[:last]
	}
	m.down(0)
	return nil
}

// next returns the next path that is visible or that some layer wrote or deleted; nil at the end.
func (m *merger) next() (*MergedPath, error) {
	for {
		if len(m.heap) == 0 {
			return nil, nil
		}
		if m.count++; m.count&1023 == 0 {
			if err := m.ctx.Err(); err != nil {
				return nil, err
			}
		}
		if mp, err := m.step(); mp != nil || err != nil {
			return mp, err
		}
	}
}

func (m *merger) step() (*MergedPath, error) {
	for _, k := range m.touched {
		m.hasEnt[k], m.wo[k], m.op[k] = false, false, false
	}
	m.touched = m.touched[:0]
	p := m.arena.string(m.head(m.heap[0]))
	pb := unsafe.Slice(unsafe.StringData(p), len(p))
	for len(m.heap) > 0 && bytes.Equal(m.head(m.heap[0]), pb) {
		id := m.heap[0]
		k := id
		if id >= m.n {
			k = id - m.n
		}
		if !m.hasEnt[k] && !m.wo[k] && !m.op[k] {
			m.touched = append(m.touched, k)
		}
		if id < m.n {
			d := &m.ec[k].d
			m.ents[k] = d.e
			m.ents[k].Path, m.ents[k].Link = p, m.arena.string(d.link)
			m.hasEnt[k] = true
		} else if m.dc[k].kind == delWhiteout {
			m.wo[k] = true
		} else {
			m.op[k] = true
		}
		if err := m.advance(); err != nil {
			return nil, err
		}
	}
	for len(m.frames) > 0 && !IsUnder(p, m.frames[len(m.frames)-1].path) {
		m.frames = m.frames[:len(m.frames)-1]
	}
	var inherited []uint64
	if len(m.frames) > 0 {
		inherited = m.frames[len(m.frames)-1].cum
	}
	m.events = append(m.events[:0], m.touched...)
	for w, word := range inherited {
		for word != 0 {
			k := w*64 + bits.TrailingZeros64(word)
			word &= word - 1
			if !m.hasEnt[k] && !m.wo[k] && !m.op[k] {
				m.events = append(m.events, k)
			}
		}
	}
	slices.Sort(m.events)

	// Does any layer hold something under p? Only then can a layer turn p into a directory, or can a deletion
	// at p matter below it.
	anyUnder := len(m.heap) > 0 && isUnderBytes(m.head(m.heap[0]), pb)
	clear(m.own)
	m.implied = m.implied[:0]
	m.writes, m.deletion = m.writes[:0], m.deletion[:0]
	var node *Entry
	layer, removed := -1, -1
	impliedBetween := func(from, to int) {
		for j := from; j <= to && node != nil && !node.IsDir(); j++ {
			if c := m.ec[j]; c.ok && isUnderBytes(c.d.path, pb) {
				m.implied = append(m.implied, Entry{Path: p, Type: TypeDir, Mode: 0o755})
				node, layer = &m.implied[len(m.implied)-1], j
			}
		}
	}
	prev := -1
	for _, k := range m.events {
		if anyUnder {
			impliedBetween(prev+1, k-1)
		}
		below := node
		if node != nil && (m.wo[k] || has(inherited, k)) {
			node, removed = nil, k
			m.deletion = append(m.deletion, k)
		}
		if m.hasEnt[k] {
			e := &m.ents[k]
			m.writes = append(m.writes, LayerWrite{Layer: k, Entry: e, Below: below})
			if !e.IsDir() && (node == nil || node.IsDir()) {
				set(m.own, k) // what lower layers hold under p is gone
			}
			node, layer = e, k
		} else if anyUnder {
			impliedBetween(k, k)
		}
		if m.wo[k] || m.op[k] {
			set(m.own, k)
		}
		prev = k
	}
	if anyUnder {
		impliedBetween(prev+1, m.n-1)
		m.pushFrame(p, inherited)
	}
	if node == nil && len(m.writes) == 0 && len(m.deletion) == 0 {
		return nil, nil
	}
	m.out = MergedPath{Path: p, Node: node, Layer: layer, Removed: removed, Writes: m.writes, Deletions: m.deletion}
	return &m.out, nil
}

// pushFrame makes p an ancestor frame when it deletes anything under it in some layer.
func (m *merger) pushFrame(p string, inherited []uint64) {
	any := false
	for _, w := range m.own {
		any = any || w != 0
	}
	if !any {
		return
	}
	i := len(m.frames)
	if i == cap(m.frames) {
		m.frames = append(m.frames, frame{})
	} else {
		m.frames = m.frames[:i+1]
	}
	f := &m.frames[i]
	if cap(f.cum) < m.words {
		f.cum = make([]uint64, m.words)
	}
	f.cum = f.cum[:m.words]
	f.path = p
	for w := range f.cum {
		f.cum[w] = m.own[w]
		if inherited != nil {
			f.cum[w] |= inherited[w]
		}
	}
}

func has(set []uint64, k int) bool { return set != nil && set[k/64]&(1<<(k%64)) != 0 }
func set(set []uint64, k int)      { set[k/64] |= 1 << (k % 64) }

// arena copies strings into shared blocks: one allocation per block instead of one per path. Strings are
// never modified once made; a string kept long keeps its block alive, so long-lived copies are cloned.
type arena struct{ block []byte }

const arenaBlock = 32 << 10

func (a *arena) string(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > arenaBlock/8 {
		return string(b)
	}
	if len(a.block)+len(b) > cap(a.block) {
		a.block = make([]byte, 0, arenaBlock)
	}
	start := len(a.block)
	a.block = append(a.block, b...)
	return unsafe.String(&a.block[start], len(b))
}
