package htmlreport

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Node is one rectangle of the treemap: a step (a Dockerfile line or a history entry), a directory, a file, or
// the small files of a directory taken together. Its JSON names are short: a big image makes thousands.
type Node struct {
	// Name is a step's label, a directory's or file's base name, or "(N files)" for small files together.
	Name string `json:"n"`
	// Bytes is a leaf's size; 0 on inner nodes, whose size is their children's.
	Bytes int64 `json:"b,omitempty"`
	// Count is the number of files a leaf stands for when it stands for more than one.
	Count int `json:"c,omitempty"`
	// Step is the index of the step a step node stands for, in the page's steps; -1 below steps.
	Step int `json:"s"`
	Class
	Children []*Node `json:"k,omitempty"`
}

// Class is what a leaf's files have in common, besides their directory: small files are taken together only
// with files of the same class, so that every rectangle is wholly wasted or not, in one package cache or not,
// and of one kind of change.
type Class struct {
	// Wasted: the files are stored in their layer but a later layer overwrites or deletes them.
	Wasted bool `json:"w,omitempty"`
	// Leftover is the package-manager cache or temporary directory the files are in ("apt", "tmp"), or "".
	Leftover string `json:"l,omitempty"`
	// Change is how the files differ from image A in a diff: "added", "deleted", "grew", "shrank", "changed"
	// (same size), or "" when they do not.
	Change string `json:"d,omitempty"`
}

// A file is one leaf offered to a treeBuilder.
type file struct {
	path  string
	bytes int64
	class Class
}

// treeBuilder builds one step's subtree from its files, offered in path order (layerdiff.ComparePaths). Files
// and directories smaller than min are not kept one by one: each directory takes its small files and small
// subdirectories together, one leaf per class. So the tree holds at most a few nodes per min bytes, however
// many files the step has, and only the directories being walked are open at once.
type treeBuilder struct {
	min   int64
	stack []*frame
}

// frame is a directory being walked.
type frame struct {
	dir   string // with a trailing slash; "" for the step's root
	node  *Node
	total int64
	small map[Class]*Node
	files map[Class]int // how many files each small leaf stands for
}

func newTreeBuilder(root *Node, min int64) *treeBuilder {
	return &treeBuilder{min: max(min, 1), stack: []*frame{newFrame("", root)}}
}

func newFrame(dir string, n *Node) *frame {
	return &frame{dir: dir, node: n, small: map[Class]*Node{}, files: map[Class]int{}}
}

// add offers one file; paths must come in order. The builder keeps no reference to f.path (a merged stream
// reuses its memory).
func (b *treeBuilder) add(f file) {
	for len(b.stack) > 1 && !strings.HasPrefix(f.path, b.top().dir) {
		b.close()
	}
	// Open the directories between the top frame and the file.
	rest := f.path[len(b.top().dir):]
	for {
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			break
		}
		dir := strings.Clone(b.top().dir + rest[:i+1]) // "" + s is s itself
		b.stack = append(b.stack, newFrame(dir, &Node{Name: strings.Clone(rest[:i]), Step: -1}))
		rest = rest[i+1:]
	}
	top := b.top()
	top.total += f.bytes
	if f.bytes >= b.min {
		top.node.Children = append(top.node.Children, &Node{Name: strings.Clone(rest), Bytes: f.bytes, Step: -1, Class: f.class})
		return
	}
	top.addSmall(f.class, f.bytes, 1)
}

func (b *treeBuilder) top() *frame { return b.stack[len(b.stack)-1] }

func (fr *frame) addSmall(c Class, bytes int64, files int) {
	n := fr.small[c]
	if n == nil {
		n = &Node{Step: -1, Class: c}
		fr.small[c] = n
	}
	n.Bytes += bytes
	fr.files[c] += files
}

// close ends the top directory: kept as a node when it holds min bytes or more, else folded into its parent's
// small leaves.
func (b *treeBuilder) close() {
	fr := b.top()
	b.stack = b.stack[:len(b.stack)-1]
	parent := b.top()
	parent.total += fr.total
	if fr.total < b.min {
		// Nothing in it was kept alone (that would be min bytes or more): its small leaves are all it has.
		for c, n := range fr.small {
			parent.addSmall(c, n.Bytes, fr.files[c])
		}
		return
	}
	fr.finish()
	parent.node.Children = append(parent.node.Children, fr.node)
}

// finish turns a frame's small files into leaves.
func (fr *frame) finish() {
	for c, n := range fr.small {
		if n.Bytes == 0 {
			continue
		}
		n.Count = fr.files[c]
		n.Name = smallName(n.Count)
		fr.node.Children = append(fr.node.Children, n)
	}
	// Largest first; ties in a fixed order, so that the same image always makes the same page.
	slices.SortFunc(fr.node.Children, func(a, b *Node) int {
		return cmp.Or(cmp.Compare(b.size(), a.size()), strings.Compare(a.Name, b.Name),
			cmp.Compare(a.Leftover, b.Leftover), cmp.Compare(a.Change, b.Change), boolCompare(a.Wasted, b.Wasted))
	})
}

// done closes every open directory and returns the total bytes offered.
func (b *treeBuilder) done() int64 {
	for len(b.stack) > 1 {
		b.close()
	}
	root := b.stack[0]
	root.finish()
	return root.total
}

func smallName(n int) string {
	if n == 1 {
		return "(1 small file)"
	}
	return "(" + strconv.Itoa(n) + " small files)"
}

// size is a node's bytes, its children's for inner nodes.
func (n *Node) size() int64 {
	if len(n.Children) == 0 {
		return n.Bytes
	}
	var s int64
	for _, c := range n.Children {
		s += c.size()
	}
	return s
}

// count is the number of nodes in n's subtree, n included.
func (n *Node) count() int {
	c := 1
	for _, ch := range n.Children {
		c += ch.count()
	}
	return c
}

func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
