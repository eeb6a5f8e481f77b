package layerdiff

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// view renders a tree as "path:type@layer" lines for compact comparisons.
func view(t *Tree) []string {
	var out []string
	for _, n := range t.Nodes {
		out = append(out, fmt.Sprintf("%s:%s@%d", n.Path, n.Type, n.Layer))
	}
	return out
}

func TestMergeLayers(t *testing.T) {
	base := []te{dir("etc"), file("etc/a", "1"), file("etc/b", "2"), dir("var"), dir("var/cache"),
		file("var/cache/x", "x"), dir("var/cache/sub"), file("var/cache/sub/y", "y"), file("opt", "a file")}
	tests := []struct {
		name        string
		upper       []te
		want        []string
		wantRemoved map[string]int
	}{{
		name:        "whiteout a file",
		upper:       []te{file("etc/.wh.a", "")},
		want:        []string{"etc:dir@0", "etc/b:file@0", "opt:file@0", "var:dir@0", "var/cache:dir@0", "var/cache/sub:dir@0", "var/cache/sub/y:file@0", "var/cache/x:file@0"},
		wantRemoved: map[string]int{"etc/a": 1},
	}, {
		name:        "whiteout a directory removes its contents",
		upper:       []te{file("var/.wh.cache", "")},
		want:        []string{"etc:dir@0", "etc/a:file@0", "etc/b:file@0", "opt:file@0", "var:dir@0"},
		wantRemoved: map[string]int{"var/cache": 1, "var/cache/x": 1, "var/cache/sub": 1, "var/cache/sub/y": 1},
	}, {
		name:        "opaque directory hides lower contents but keeps its own",
		upper:       []te{dir("var/cache"), file("var/cache/new", "n"), file("var/cache/.wh..wh..opq", "")},
		want:        []string{"etc:dir@0", "etc/a:file@0", "etc/b:file@0", "opt:file@0", "var:dir@0", "var/cache:dir@1", "var/cache/new:file@1"},
		wantRemoved: map[string]int{"var/cache/x": 1, "var/cache/sub": 1, "var/cache/sub/y": 1},
	}, {
		name:  "a whiteout never hides an entry of its own layer",
		upper: []te{file("etc/a", "recreated"), file("etc/.wh.a", "")},
		want:  []string{"etc:dir@0", "etc/a:file@1", "etc/b:file@0", "opt:file@0", "var:dir@0", "var/cache:dir@0", "var/cache/sub:dir@0", "var/cache/sub/y:file@0", "var/cache/x:file@0"},
	}, {
		name:  "a file replaced by a directory",
		upper: []te{dir("opt"), file("opt/bin", "b")},
		want:  []string{"etc:dir@0", "etc/a:file@0", "etc/b:file@0", "opt:dir@1", "opt/bin:file@1", "var:dir@0", "var/cache:dir@0", "var/cache/sub:dir@0", "var/cache/sub/y:file@0", "var/cache/x:file@0"},
	}, {
		name:  "a file replaced by a directory the layer only implies",
		upper: []te{file("opt/bin", "b")},
		want:  []string{"etc:dir@0", "etc/a:file@0", "etc/b:file@0", "opt:dir@1", "opt/bin:file@1", "var:dir@0", "var/cache:dir@0", "var/cache/sub:dir@0", "var/cache/sub/y:file@0", "var/cache/x:file@0"},
	}, {
		name:        "a directory replaced by a symlink drops its contents",
		upper:       []te{symlink("var/cache", "/tmp")},
		want:        []string{"etc:dir@0", "etc/a:file@0", "etc/b:file@0", "opt:file@0", "var:dir@0", "var/cache:symlink@1"},
		wantRemoved: map[string]int{"var/cache/x": 1, "var/cache/sub": 1, "var/cache/sub/y": 1},
	}, {
		name:  "a directory over a directory keeps the contents",
		upper: []te{{name: "var/cache", typ: '5', mode: 0o700}},
		want:  []string{"etc:dir@0", "etc/a:file@0", "etc/b:file@0", "opt:file@0", "var:dir@0", "var/cache:dir@1", "var/cache/sub:dir@0", "var/cache/sub/y:file@0", "var/cache/x:file@0"},
	}, {
		name:        "an opaque root hides everything below",
		upper:       []te{file(".wh..wh..opq", ""), file("only", "o")},
		want:        []string{"only:file@1"},
		wantRemoved: map[string]int{"etc": 1, "etc/a": 1, "etc/b": 1, "opt": 1, "var": 1, "var/cache": 1, "var/cache/x": 1, "var/cache/sub": 1, "var/cache/sub/y": 1},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree := MergeLayers([]*LayerIndex{index(t, base...), index(t, tt.upper...)})
			if got := view(tree); !slices.Equal(got, tt.want) {
				t.Errorf("merged:\n got %s\nwant %s", strings.Join(got, " "), strings.Join(tt.want, " "))
			}
			for p, k := range tt.wantRemoved {
				if got, ok := tree.Removed[p]; !ok || got != k {
					t.Errorf("Removed[%q] = %d, %v; want %d", p, got, ok, k)
				}
			}
		})
	}
}

func TestMergeDeleteThenRecreate(t *testing.T) {
	tree := MergeLayers([]*LayerIndex{
		index(t, dir("app"), file("app/a", "1")),
		index(t, file(".wh.app", "")),
		index(t, dir("app"), file("app/b", "2")),
	})
	if got, want := view(tree), []string{"app:dir@2", "app/b:file@2"}; !slices.Equal(got, want) {
		t.Errorf("merged = %q, want %q", got, want)
	}
	if k := tree.Removed["app/a"]; k != 1 {
		t.Errorf("app/a removed by layer %d, want 1", k)
	}
	if n, ok := tree.Lookup("app/b"); !ok || n.Layer != 2 {
		t.Errorf("Lookup(app/b) = %+v, %v", n, ok)
	}
}

func TestComparePaths(t *testing.T) {
	sorted := []string{"a", "a/b", "a/b/c", "a/b-c", "a-b", "a.b", "ab", "b"}
	for i := range sorted {
		for j := range sorted {
			if got, want := ComparePaths(sorted[i], sorted[j]), cmpInt(i, j); got != want {
				t.Errorf("ComparePaths(%q, %q) = %d, want %d", sorted[i], sorted[j], got, want)
			}
		}
	}
	if !IsUnder("a/b", "a") || IsUnder("a-b", "a") || IsUnder("a", "a") || !IsUnder("x", "") {
		t.Error("IsUnder is wrong")
	}
}

func cmpInt(i, j int) int {
	switch {
	case i < j:
		return -1
	case i > j:
		return 1
	}
	return 0
}
