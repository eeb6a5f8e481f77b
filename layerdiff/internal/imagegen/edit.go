package imagegen

import (
	"archive/tar"
	"fmt"
	"math"
	"math/rand/v2"
	"path"
	"slices"
	"strings"
)

// pairPlan is the listing of both images and the changes between them.
type pairPlan struct {
	a, b    []*layer
	changes []Change
}

// planPair plans the pair. Each layer draws from its own random stream, so the shape of one layer does not
// depend on the sizes drawn for another.
func planPair(opts Options) *pairPlan {
	stream := func(n uint64) *rand.Rand { return rand.New(rand.NewPCG(opts.Seed, n)) }
	s := opts.Scale
	base := planBase(stream(0), s)
	apt, npm, app := planApt(stream(1), s, 1), planNpm(stream(2), s, 1), planApp(stream(3), s, 1)
	e := &editor{rng: stream(4)}
	aptB := e.editApp(apt, 86400, "")
	npmB := e.editApp(npm, 86400, "")
	appB := e.editApp(app, 86400, "app/src/feature-flags")
	cleanup := e.editBase(base, s)
	slices.SortFunc(e.changes, func(x, y Change) int { return strings.Compare(x.Path, y.Path) })
	return &pairPlan{
		a:       []*layer{base, apt, npm, app},
		b:       []*layer{base, aptB, npmB, appB, cleanup},
		changes: e.changes,
	}
}

// editor derives image B's layers from A's and records what it changed.
type editor struct {
	rng     *rand.Rand
	changes []Change
}

func (e *editor) record(p, kind string, what ...string) {
	e.changes = append(e.changes, Change{Path: p, Kind: kind, What: what})
}

// count is the number of items a fraction of n selects: at least one, so small pairs exercise every edit.
func count(n int, frac float64) int { return max(1, int(math.Round(float64(n)*frac))) }

// pick returns the indexes of the regular files of nodes that ok accepts, shuffled.
func (e *editor) pick(nodes []node, ok func(*node) bool) []int {
	var idx []int
	for i := range nodes {
		if nodes[i].typ == tar.TypeReg && !nodes[i].pinned && ok(&nodes[i]) {
			idx = append(idx, i)
		}
	}
	e.rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	return idx
}

// rewrite gives n new contents: a new seed, and a size within a factor of two of the old one.
func (e *editor) rewrite(n *node) {
	n.seed = e.rng.Uint64()
	n.size = max(64, int64(float64(n.size)*(0.5+e.rng.Float64())))
}

func otherMode(m int64) int64 {
	if m&0o111 != 0 {
		return 0o700
	}
	return 0o640
}

// editApp returns B's version of app layer l: 2% of its files get new contents, 1% are dropped, 0.5% change
// mode, 1% more are added next to existing ones, and newDir (when set) is added with a few files. l and B's
// version occupy the same paths and no other layer writes them, so each edit is one change of the diff.
func (e *editor) editApp(l *layer, later int64, newDir string) *layer {
	nodes := slices.Clone(l.nodes)
	files := e.pick(nodes, func(*node) bool { return true })
	nMod, nDel, nMode, nAdd := count(len(files), 0.02), count(len(files), 0.01), count(len(files), 0.005), count(len(files), 0.01)
	drop := map[int]bool{}
	for k, i := range files[:min(len(files), nMod+nDel+nMode)] {
		n := &nodes[i]
		switch {
		case k < nMod:
			e.rewrite(n)
			e.record(n.path, "modified", "content")
		case k < nMod+nDel:
			drop[i] = true
			e.record(n.path, "deleted")
		default:
			n.mode = otherMode(n.mode)
			e.record(n.path, "modified", "mode")
		}
	}
	kept := nodes[:0]
	for i, n := range nodes {
		if !drop[i] {
			kept = append(kept, n)
		}
	}
	b := newBuilder(e.rng)
	b.nodes = kept
	for _, n := range kept {
		b.seen[n.path] = true
	}
	for k := range nAdd {
		near := l.nodes[files[e.rng.IntN(len(files))]]
		p := fmt.Sprintf("%s/added-%d%s", path.Dir(near.path), k, path.Ext(near.path))
		b.file(p, near.size, near.text, 0o644)
		e.record(p, "added")
	}
	if newDir != "" {
		b.dir(newDir)
		e.record(newDir, "added")
		for k := range 3 {
			p := fmt.Sprintf("%s/flag%d.ts", newDir, k)
			b.file(p, b.textSize(), true, 0o644)
			e.record(p, "added")
		}
	}
	return b.finish(l.createdBy, l.modTime+later, 0)
}

// Directories and fractions of the base that B's cleanup layer changes.
const (
	wipedDir = "usr/share/zoneinfo" // whited out as a whole
	addedDir = "etc/app"            // absent from the base
)

// editBase plans the layer B adds on top: it whites out wipedDir and 0.5% of the other base files, writes new
// contents over 1%, changes the mode of 0.3% (same bytes), retargets 1% of the symlinks and adds addedDir.
// Parent directories are written again with the base's metadata, as a RUN layer does, which is no change.
func (e *editor) editBase(base *layer, scale float64) *layer {
	b := newBuilder(e.rng)
	for _, n := range base.nodes {
		if n.path == wipedDir || strings.HasPrefix(n.path, wipedDir+"/") {
			e.record(n.path, "deleted")
		}
	}
	b.add(node{path: whiteoutOf(wipedDir), typ: tar.TypeReg, mode: 0o644})
	keep := func(n *node) bool { return !strings.HasPrefix(n.path, wipedDir+"/") }
	files := e.pick(base.nodes, keep)
	nDel, nMod, nMode := count(len(files), 0.005), count(len(files), 0.01), count(len(files), 0.003)
	for k, i := range files[:min(len(files), nDel+nMod+nMode)] {
		n := base.nodes[i]
		switch {
		case k < nDel:
			b.add(node{path: whiteoutOf(n.path), typ: tar.TypeReg, mode: 0o644})
			e.record(n.path, "deleted")
		case k < nDel+nMod:
			e.rewrite(&n)
			b.add(n)
			e.record(n.path, "modified", "content")
		default:
			n.mode = otherMode(n.mode)
			b.add(n)
			e.record(n.path, "modified", "mode")
		}
	}
	var links []node
	for _, n := range base.nodes {
		if n.typ == tar.TypeSymlink && strings.Contains(n.path, "/") && keep(&n) {
			links = append(links, n)
		}
	}
	e.rng.Shuffle(len(links), func(i, j int) { links[i], links[j] = links[j], links[i] })
	for _, n := range links[:min(len(links), count(len(links), 0.01))] {
		n.link += ".new"
		b.add(n)
		e.record(n.path, "modified", "link")
	}
	b.dir(addedDir)
	e.record(addedDir, "added")
	for _, f := range []string{"config.yaml", "secrets.env"} {
		b.file(addedDir+"/"+f, max(64, int64(4000*scale)), true, 0o600)
		e.record(addedDir+"/"+f, "added")
	}
	return b.finish("RUN /bin/sh -c rm -rf /usr/share/zoneinfo && apt-get purge -y --auto-remove && chmod -R go-w /usr /etc # buildkit",
		base.modTime+3*86400, 0)
}

func whiteoutOf(p string) string { return path.Join(path.Dir(p), ".wh."+path.Base(p)) }
