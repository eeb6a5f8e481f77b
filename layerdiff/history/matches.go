package history

import (
	"encoding/binary"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/zeebo/xxh3"

	"github.com/layerlint/layerlint/layerdiff"
)

// Matches remembers, for one image, its parsed history entries and which of them match which instructions,
// by the instruction's text. A caller that aligns version after version of a Dockerfile with the same image
// (a language server, on every keystroke) keeps one per image and passes it WithMatches: only the
// instructions that changed are compared with the entries again. It is safe for concurrent use; given
// another image, it forgets the first.
type Matches struct {
	mu       sync.Mutex
	img      *layerdiff.Image
	entries  []CreatedBy
	verdicts map[matchKey]bool
}

// matchKey is an instruction's text (hashed) and the history entry it was compared with.
type matchKey struct {
	text  [16]byte
	entry int
}

// maxVerdicts bounds what a Matches remembers: typing makes a new text of one instruction per keystroke.
const maxVerdicts = 1 << 16

// NewMatches returns an empty Matches.
func NewMatches() *Matches { return &Matches{} }

// WithMatches makes AlignPrefix and Align remember what they compare in m, and take over what m knows.
func WithMatches(m *Matches) Option { return func(o *options) { o.matches = m } }

// parsedEntries returns the image's history entries, parsed: remembered in m when it is not nil.
func (m *Matches) parsedEntries(img *layerdiff.Image, hist []v1.History) []CreatedBy {
	if m == nil {
		return parseEntries(hist)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.forOtherImage(img)
	if m.entries == nil {
		m.entries = parseEntries(hist)
	}
	return m.entries
}

func parseEntries(hist []v1.History) []CreatedBy {
	out := make([]CreatedBy, len(hist))
	for i, h := range hist {
		out[i] = parseEntry(h)
	}
	return out
}

// forOtherImage forgets everything when img is not the image m knows. m.mu is held.
func (m *Matches) forOtherImage(img *layerdiff.Image) {
	if m.img != img {
		m.img, m.entries, m.verdicts = img, nil, nil
	}
}

// verdict returns whether the instruction whose text is key matches entry j, from m or from compare.
func (m *Matches) verdict(img *layerdiff.Image, key [16]byte, j int, compare func() bool) bool {
	if m == nil {
		return compare()
	}
	k := matchKey{key, j}
	m.mu.Lock()
	m.forOtherImage(img)
	ok, known := m.verdicts[k]
	m.mu.Unlock()
	if known {
		return ok
	}
	ok = compare()
	m.mu.Lock()
	if m.img == img {
		if m.verdicts == nil || len(m.verdicts) >= maxVerdicts {
			m.verdicts = map[matchKey]bool{}
		}
		m.verdicts[k] = ok
	}
	m.mu.Unlock()
	return ok
}

// instructionTexts returns, for each instruction of the chain, a hash of what the parser made it from: its
// logical line and heredocs, with the escape character. The parsed instruction, and so whether it matches an
// entry, follows from them.
func instructionTexts(df *parser.Result, c *chain) [][16]byte {
	byLine := make(map[int]*parser.Node, len(df.AST.Children))
	for _, n := range df.AST.Children {
		byLine[n.StartLine] = n
	}
	out := make([][16]byte, len(c.instrs))
	h := xxh3.New()
	var b [8]byte
	for i, in := range c.instrs {
		h.Reset()
		binary.LittleEndian.PutUint64(b[:], uint64(df.EscapeToken))
		h.Write(b[:])
		n := byLine[line(in.cmd)]
		if n == nil {
			// No node starts there (cannot happen with a parse of BuildKit's): the text alone.
			h.WriteString(text(in.cmd))
		} else {
			h.WriteString(n.Original)
			for _, d := range n.Heredocs {
				binary.LittleEndian.PutUint64(b[:], uint64(len(d.Name)))
				h.Write(b[:])
				h.WriteString(d.Name)
				binary.LittleEndian.PutUint64(b[:], uint64(len(d.Content)))
				h.Write(b[:])
				h.WriteString(d.Content)
				h.Write([]byte{boolByte(d.Expand), boolByte(d.Chomp)})
			}
		}
		out[i] = h.Sum128().Bytes()
	}
	return out
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}
