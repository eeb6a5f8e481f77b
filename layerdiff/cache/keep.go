package cache

import (
	"encoding/binary"
	"maps"
	"slices"
	"strconv"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/zeebo/xxh3"

	"github.com/layerlint/layerlint/layerdiff"
)

// Keeping steps of an earlier prediction (WithKept). A step's prediction depends on the instruction, on
// every instruction above it in its stage (the state they build, the chain of reuse), on the global ARGs and
// the other stages (COPY --from), on the options, on what the alignment pairs it and the instructions above
// it with, and on the build context and the previous image. stepKey hashes all of that but the last two,
// which are compared by identity: a *BuildContext and a *layerdiff.Image never change once made (a changed
// context is listed again, a changed image read again). A step whose key is the one it had in the earlier
// prediction is taken over without comparing anything: typing in a long Dockerfile changes one line, and the
// steps above it keep their keys.

// stepKey identifies everything a step's prediction depends on but the build context and the image.
type stepKey [16]byte

// keptStep is a step of a prediction with its key.
type keptStep struct {
	key  stepKey
	step Step
}

// WithKept lets Predict take over the steps of an earlier prediction whose inputs are unchanged: same build
// context and image (by identity), same instruction text and lines above and at the step, same alignment
// of them with the image, same options. earlier may be nil or of another Dockerfile.
func WithKept(earlier *Prediction) Option { return func(o *options) { o.earlier = earlier } }

// keeper computes the steps' keys of one prediction and looks them up in the earlier one.
type keeper struct {
	key     stepKey
	earlier map[int]keptStep // by first line; nil when nothing can be kept
	kept    map[int]keptStep // this prediction's, by first line
	taken   int              // how many steps were taken over
}

// newKeeper starts the keys of the target stage's steps from everything they all depend on.
func newKeeper(df *parser.Result, stages [][]instruction, target int, o *options, pv *previous, bc *BuildContext, prev *layerdiff.Image) *keeper {
	k := &keeper{kept: map[int]keptStep{}}
	if e := o.earlier; e != nil && e.context == bc && e.image == prev {
		k.earlier = e.kept
	}
	h := xxh3.New()
	writeInt(h, int(df.EscapeToken))
	h.WriteString(o.target)
	h.Write([]byte{0})
	for _, name := range slices.Sorted(maps.Keys(o.buildArgs)) {
		h.WriteString(name + "=" + o.buildArgs[name])
		h.Write([]byte{0})
	}
	// Global ARGs (the nodes before the first FROM) and the other stages, whole.
	inStages := map[*parser.Node]bool{}
	for _, in := range stages[target] {
		inStages[in.node] = true
	}
	for _, n := range df.AST.Children {
		if !inStages[n] {
			writeNode(h, n)
		}
	}
	writeInt(h, target)
	if pv != nil {
		writeInt(h, 1)
		writeInt(h, pv.start)
		h.WriteString(string(pv.builder))
		h.Write([]byte{0})
		h.WriteString(pv.fromChanged)
		h.Write([]byte{0})
	}
	k.key = h.Sum128().Bytes()
	return k
}

// next returns the key of the instruction in after the previous one's, and the earlier prediction's step
// for it when its key was the same.
func (k *keeper) next(in instruction, pv *previous) (stepKey, Step, bool) {
	h := xxh3.New()
	h.Write(k.key[:])
	writeNode(h, in.node)
	line := in.node.StartLine
	if pv != nil {
		if e, ok := pv.entry[line]; ok {
			writeInt(h, e)
			writeInt(h, pv.layer[line])
		} else {
			writeInt(h, -2)
		}
		h.WriteString(pv.rebuild[line])
		h.Write([]byte{0})
	}
	k.key = h.Sum128().Bytes()
	e, ok := k.earlier[line]
	if !ok || e.key != k.key {
		return k.key, Step{}, false
	}
	k.taken++
	return k.key, e.step, true
}

// record remembers a step of this prediction and its key, for the next.
func (k *keeper) record(key stepKey, s Step) { k.kept[s.Line] = keptStep{key: key, step: s} }

// writeNode hashes what the parser made an instruction from: its lines, its logical line and its heredocs
// (with the escape character, hashed once, they determine the parsed instruction).
func writeNode(h *xxh3.Hasher, n *parser.Node) {
	writeInt(h, n.StartLine)
	writeInt(h, n.EndLine)
	writeInt(h, len(n.Original))
	h.WriteString(n.Original)
	for _, d := range n.Heredocs {
		h.WriteString(d.Name)
		h.Write([]byte{0})
		writeInt(h, len(d.Content))
		h.WriteString(d.Content)
		h.WriteString(strconv.FormatBool(d.Expand) + strconv.FormatBool(d.Chomp))
	}
	h.Write([]byte{1})
}

func writeInt(h *xxh3.Hasher, v int) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(v))
	h.Write(b[:])
}
