// Package instrmemo remembers BuildKit's typed instructions (instructions.ParseInstruction) by the parser
// node they were made from. A language server parses a long Dockerfile on every keystroke, and the history
// aligner and the cache predictor each turned every node into its typed instruction again: for a 3,000-line
// file that was most of a keystroke's work, though only the instruction under the cursor had changed.
//
// A node is known by a hash of everything ParseInstruction reads from it (its words, flags, attributes,
// heredocs, original text and lines), so a remembered instruction is the one ParseInstruction would return,
// Location included. Callers must treat what they get as read-only: it is shared.
package instrmemo

import (
	"encoding/binary"
	"maps"
	"slices"
	"sync"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/zeebo/xxh3"
)

// Memo remembers parsed instructions. The zero value is not usable; a nil *Memo parses every time. It is
// safe for concurrent use.
type Memo struct {
	mu   sync.Mutex
	cur  map[key]result
	prev map[key]result
	max  int
}

type key [16]byte

type result struct {
	v   any
	err error
}

// DefaultSize is how many instructions a Memo made by New remembers before it forgets the older half: a
// 3,000-line Dockerfile's instructions and the versions of them typing makes.
const DefaultSize = 1 << 14

// New returns an empty Memo that remembers about size instructions (DefaultSize when size <= 0).
func New(size int) *Memo {
	if size <= 0 {
		size = DefaultSize
	}
	return &Memo{cur: map[key]result{}, max: size}
}

// Instruction returns instructions.ParseInstruction(n), remembered.
func (m *Memo) Instruction(n *parser.Node) (any, error) {
	if m == nil {
		return instructions.ParseInstruction(n)
	}
	k := nodeKey(n)
	m.mu.Lock()
	r, ok := m.cur[k]
	if !ok {
		if r, ok = m.prev[k]; ok {
			m.putLocked(k, r)
		}
	}
	m.mu.Unlock()
	if ok {
		return r.v, r.err
	}
	v, err := instructions.ParseInstruction(n)
	m.mu.Lock()
	m.putLocked(k, result{v, err})
	m.mu.Unlock()
	return v, err
}

// putLocked remembers r; when cur is full it becomes prev, so what was used lately survives.
func (m *Memo) putLocked(k key, r result) {
	if len(m.cur) >= m.max {
		m.prev, m.cur = m.cur, make(map[key]result, m.max/4)
	}
	m.cur[k] = r
}

// Parse is instructions.Parse(ast, nil) with the instructions taken from m: the stages, with their
// commands, and the ARGs before the first FROM. Each Stage is a copy, so its Commands are the caller's.
func (m *Memo) Parse(ast *parser.Node) (stages []instructions.Stage, metaArgs []instructions.ArgCommand, err error) {
	if m == nil {
		return instructions.Parse(ast, nil)
	}
	for _, n := range ast.Children {
		cmd, err := m.Instruction(n)
		if err != nil {
			// instructions.Parse wraps the error with the node: its own parse gives the same message.
			return instructions.Parse(ast, nil)
		}
		if len(stages) == 0 {
			if a, ok := cmd.(*instructions.ArgCommand); ok {
				metaArgs = append(metaArgs, *a)
				continue
			}
		}
		switch c := cmd.(type) {
		case *instructions.Stage:
			s := *c
			s.Commands = c.Commands[:0:0] // empty as parsed, and never the remembered one's array
			stages = append(stages, s)
		case instructions.Command:
			if len(stages) == 0 {
				return instructions.Parse(ast, nil)
			}
			st := &stages[len(stages)-1]
			st.Commands = append(st.Commands, c)
		default:
			return instructions.Parse(ast, nil)
		}
	}
	return stages, metaArgs, nil
}

// nodeKey hashes everything ParseInstruction reads of n: its word chain, children, flags, attributes,
// heredocs, original text, comments and lines (they become the instruction's Location). The fields are
// written length-prefixed into one buffer, hashed at once: a streaming hasher is a kilobyte of state, and a
// long Dockerfile has thousands of nodes per keystroke.
func nodeKey(n *parser.Node) key {
	bp := bufs.Get().(*[]byte)
	b := appendChain((*bp)[:0], n)
	k := key(xxh3.Hash128(b).Bytes())
	*bp = b
	bufs.Put(bp)
	return k
}

var bufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func appendNum(b []byte, v int) []byte { return binary.LittleEndian.AppendUint64(b, uint64(v)) }

func appendStr(b []byte, s string) []byte { return append(appendNum(b, len(s)), s...) }

func appendChain(b []byte, n *parser.Node) []byte {
	for ; n != nil; n = n.Next {
		b = appendNum(b, -1) // a node starts
		b = appendNum(b, n.StartLine)
		b = appendNum(b, n.EndLine)
		b = appendStr(b, n.Original)
		b = appendStr(b, n.Value)
		b = appendNum(b, len(n.Flags))
		for _, f := range n.Flags {
			b = appendStr(b, f)
		}
		b = appendNum(b, len(n.PrevComment))
		for _, c := range n.PrevComment {
			b = appendStr(b, c)
		}
		b = appendNum(b, len(n.Attributes))
		switch len(n.Attributes) {
		case 0:
		case 1:
			for k, v := range n.Attributes {
				b = appendNum(appendStr(b, k), boolInt(v))
			}
		default:
			for _, k := range slices.Sorted(maps.Keys(n.Attributes)) {
				b = appendNum(appendStr(b, k), boolInt(n.Attributes[k]))
			}
		}
		b = appendNum(b, len(n.Heredocs))
		for _, d := range n.Heredocs {
			b = appendStr(b, d.Name)
			b = appendStr(b, d.Content)
			b = appendNum(b, boolInt(d.Expand)<<1|boolInt(d.Chomp))
		}
		b = appendNum(b, len(n.Children))
		for _, c := range n.Children {
			b = appendChain(b, c)
		}
	}
	return b
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
