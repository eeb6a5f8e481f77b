package htmlreport

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/layerdiff"
)

// randomFiles makes n files in a random tree, in path order, with sizes from a long-tailed distribution.
func randomFiles(r *rand.Rand, n int) []file {
	seen := map[string]bool{}
	var files []file
	classes := []Class{{}, {Wasted: true}, {Leftover: "apt"}, {Wasted: true, Leftover: "tmp"}, {Change: "added"}}
	for len(files) < n {
		depth := 1 + r.IntN(6)
		parts := make([]string, depth)
		for i := range parts {
			parts[i] = fmt.Sprintf("d%d", r.IntN(4))
		}
		parts[depth-1] = fmt.Sprintf("f%d", r.IntN(1000))
		p := strings.Join(parts, "/")
		if seen[p] {
			continue
		}
		// A path may not be both a file and a directory.
		clash := false
		for q := range seen {
			if strings.HasPrefix(q, p+"/") || strings.HasPrefix(p, q+"/") {
				clash = true
				break
			}
		}
		if clash {
			continue
		}
		seen[p] = true
		size := int64(1 + r.ExpFloat64()*1000)
		if r.IntN(50) == 0 {
			size *= 1000
		}
		files = append(files, file{path: p, bytes: size, class: classes[r.IntN(len(classes))]})
	}
	slices.SortFunc(files, func(a, b file) int { return layerdiff.ComparePaths(a.path, b.path) })
	return files
}

// leafTotals sums a tree's leaves by class, and checks that every leaf kept alone is min bytes or more and
// every leaf standing for several files says how many.
func leafTotals(t *testing.T, n *Node, min int64, sums map[Class]int64, files map[Class]int) {
	t.Helper()
	if len(n.Children) == 0 {
		sums[n.Class] += n.Bytes
		if n.Count == 0 {
			files[n.Class]++
			if n.Bytes < min {
				t.Errorf("leaf %s of %d bytes is kept alone, under %d", n.Name, n.Bytes, min)
			}
		} else {
			files[n.Class] += n.Count
		}
		return
	}
	for _, c := range n.Children {
		leafTotals(t, c, min, sums, files)
	}
}

// TestTreeBuilderKeepsEveryByte: whatever the tree and the threshold, the built tree's leaves hold exactly the
// bytes and files offered, class by class; the tree's size stays within a few nodes per min bytes.
func TestTreeBuilderKeepsEveryByte(t *testing.T) {
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 7))
		files := randomFiles(r, 50+r.IntN(400))
		want, wantFiles := map[Class]int64{}, map[Class]int{}
		var total int64
		for _, f := range files {
			want[f.class] += f.bytes
			wantFiles[f.class]++
			total += f.bytes
		}
		for _, leaves := range []int{1, 10, 100, 100000} {
			min := max(total/int64(leaves), 1)
			root := &Node{Name: "step", Step: 0}
			b := newTreeBuilder(root, min)
			for _, f := range files {
				b.add(f)
			}
			if got := b.done(); got != total || root.size() != total {
				t.Fatalf("seed %d, %d leaves: done says %d bytes, the tree holds %d; %d were offered", seed, leaves, got, root.size(), total)
			}
			sums, counts := map[Class]int64{}, map[Class]int{}
			leafTotals(t, root, min, sums, counts)
			for c := range want {
				if sums[c] != want[c] || counts[c] != wantFiles[c] {
					t.Errorf("seed %d, %d leaves, class %+v: %d bytes in %d files, want %d in %d", seed, leaves, c, sums[c], counts[c], want[c], wantFiles[c])
				}
			}
			// Nodes kept alone are min bytes or more, and each directory adds at most one small leaf per class.
			if n, limit := root.count(), 2*(leaves+1)*7*len(want); leaves < 100000 && n > limit {
				t.Errorf("seed %d, %d leaves: %d nodes, more than %d", seed, leaves, n, limit)
			}
		}
	}
}

// TestVendoredLayoutLibrary: the embedded d3-hierarchy is the file third_party/update.sh recorded (its
// SHA-256), of the version recorded, with its licence beside it.
func TestVendoredLayoutLibrary(t *testing.T) {
	var v vendored
	if err := json.Unmarshal(d3Source, &v); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(d3JS))
	if hex.EncodeToString(sum[:]) != v.SHA256 {
		t.Errorf("the embedded %s hashes to %x, SOURCE.json records %s: run third_party/update.sh", v.File, sum, v.SHA256)
	}
	if !strings.HasPrefix(d3JS, "// https://d3js.org/d3-hierarchy/ v"+v.Version+" ") {
		t.Errorf("the embedded file does not say it is d3-hierarchy %s: %.80q", v.Version, d3JS)
	}
	lic, err := os.ReadFile("third_party/d3-hierarchy/LICENSE")
	if err != nil || v.License != "ISC" || !strings.Contains(string(lic), "Permission to use, copy, modify, and/or distribute this software") {
		t.Errorf("licence %q, LICENSE %v: want ISC's text beside the file", v.License, err)
	}
}

// FuzzTreeBuilder feeds the builder any set of paths (one a line, sizes from their lengths), in path order
// with no path both a file and a directory, and a threshold: it must not panic, and the tree must hold
// exactly the bytes offered.
func FuzzTreeBuilder(f *testing.F) {
	f.Add("usr/bin/a\nusr/lib/b\nusr/lib/x/c\netc/d", int64(3))
	f.Add("a\nb/c\nb/d/e\nb/d/f\nz", int64(1))
	f.Add("/lead\nx//y\ntrail/\n.\n..", int64(100))
	f.Fuzz(func(t *testing.T, list string, min int64) {
		paths := slices.Compact(slices.SortedFunc(slices.Values(strings.Split(list, "\n")), layerdiff.ComparePaths))
		var files []file
		var total int64
		for _, p := range paths {
			if p == "" || (len(files) > 0 && strings.HasPrefix(p, files[len(files)-1].path+"/")) {
				continue // a file cannot have children
			}
			files = append(files, file{path: p, bytes: int64(len(p)), class: Class{Wasted: len(p)%2 == 0}})
			total += int64(len(p))
		}
		root := &Node{Step: 0}
		b := newTreeBuilder(root, min)
		for _, fl := range files {
			b.add(fl)
		}
		if got := b.done(); got != total || root.size() != total {
			t.Fatalf("done %d, tree %d, offered %d", got, root.size(), total)
		}
	})
}

// TestTreeIsDeterministic: the same files make the same tree, small leaves of equal size and name included.
func TestTreeIsDeterministic(t *testing.T) {
	var files []file
	for i, c := range []Class{{}, {Wasted: true}, {Leftover: "apt"}, {Change: "added"}, {Wasted: true, Leftover: "tmp"}} {
		files = append(files, file{path: fmt.Sprintf("d/f%d", i), bytes: 10, class: c})
	}
	var first []byte
	for range 20 {
		root := &Node{Step: 0}
		b := newTreeBuilder(root, 1000)
		for _, f := range files {
			b.add(f)
		}
		b.done()
		got, err := json.Marshal(root)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = got
		} else if string(got) != string(first) {
			t.Fatalf("two builds differ:\n%s\n%s", first, got)
		}
	}
}
