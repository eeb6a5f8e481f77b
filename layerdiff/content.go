package layerdiff

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// AddContentDiffs fills Diff (or Binary, or Note) for the modified and added regular files of rep whose
// contents are at most maxBytes on both sides. Only the layers that hold those files' visible versions are
// read again, and only the wanted files' bytes are kept.
func AddContentDiffs(ctx context.Context, rep *Report, a, b *Image, maxBytes int64) error {
	type want struct {
		img   *Image
		layer int
	}
	wanted := map[want]map[string]bool{}
	// Where the changed paths are visible: one pass over each image's merged stream.
	paths := map[*Image]map[string]bool{a: {}, b: {}}
	for i := range rep.Files {
		f := &rep.Files[i]
		if f.Change == Modified {
			paths[a][f.Path] = true
		}
		if f.Change != Deleted {
			paths[b][f.Path] = true
		}
	}
	nodes := map[*Image]map[string]Node{}
	for img, set := range paths {
		found, err := LookupPaths(ctx, img.Layers, sortedPaths(set))
		if err != nil {
			return fmt.Errorf("%s: %w", img.Name, err)
		}
		nodes[img] = found
	}
	need := func(img *Image, p string) {
		n, ok := nodes[img][p]
		if !ok {
			return
		}
		target := n.Path
		if n.Type == TypeHardlink {
			target = n.Link
		}
		w := want{img, n.Layer}
		if wanted[w] == nil {
			wanted[w] = map[string]bool{}
		}
		wanted[w][target] = true
	}
	regular := func(t string) bool { return t == "file" || t == "hardlink" }
	var todo []*FileChange
	for i := range rep.Files {
		f := &rep.Files[i]
		switch {
		case f.Change == Deleted:
			continue
		case !regular(f.Type) || (f.TypeA != "" && !regular(f.TypeA)):
			continue
		case f.Change == Modified && !contains(f.What, "content"):
			continue
		case f.SizeA > maxBytes || f.SizeB > maxBytes:
			f.Note = fmt.Sprintf("larger than %s: contents not compared", FormatSize(maxBytes))
			continue
		}
		if f.Change == Modified {
			need(a, f.Path)
		}
		need(b, f.Path)
		todo = append(todo, f)
	}
	contents := map[want]map[string][]byte{}
	for w, paths := range wanted {
		got, err := readFiles(ctx, w.img, w.layer, paths, maxBytes)
		if err != nil {
			return err
		}
		contents[w] = got
	}
	get := func(img *Image, p string) []byte {
		n, ok := nodes[img][p]
		if !ok {
			return nil
		}
		if n.Type == TypeHardlink {
			p = n.Link
		}
		return contents[want{img, n.Layer}][p]
	}
	for _, f := range todo {
		var before []byte
		if f.Change == Modified {
			before = get(a, f.Path)
		}
		after := get(b, f.Path)
		if isBinary(before) || isBinary(after) {
			f.Binary = true
			continue
		}
		f.Diff = UnifiedDiff("a/"+f.Path, "b/"+f.Path, string(before), string(after))
	}
	return nil
}

// readFiles reads layer k of img again and returns the contents of the wanted paths.
func readFiles(ctx context.Context, img *Image, k int, paths map[string]bool, maxBytes int64) (map[string][]byte, error) {
	if img.src == nil {
		return nil, fmt.Errorf("%s: the image's layers cannot be read again", img.Name)
	}
	layers, err := img.src.Layers()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", img.Name, err)
	}
	rc, err := OpenLayer(layers[k])
	if err != nil {
		return nil, fmt.Errorf("%s: layer %d: %w", img.Name, k+1, err)
	}
	defer rc.Close()
	out := map[string][]byte{}
	err = WalkLayer(ctx, rc, func(e *Entry, kind Kind, content io.Reader) error {
		if kind != KindEntry || content == nil || !paths[e.Path] {
			return nil
		}
		b, err := io.ReadAll(io.LimitReader(content, maxBytes))
		out[e.Path] = b
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: layer %d: %w", img.Name, k+1, err)
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// isBinary reports whether b looks like binary data: a NUL byte in its first 8000 bytes (git's rule) or
// invalid UTF-8.
func isBinary(b []byte) bool {
	head := b[:min(len(b), 8000)]
	return bytes.IndexByte(head, 0) >= 0 || !utf8.Valid(b)
}

// UnifiedDiff returns the changes from a to b as a unified diff with three lines of context, or "" when
// they are equal.
func UnifiedDiff(nameA, nameB, a, b string) string {
	if a == b {
		return ""
	}
	dmp := diffmatchpatch.New()
	ca, cb, lines := dmp.DiffLinesToChars(a, b)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(ca, cb, false), lines)
	type line struct {
		op   diffmatchpatch.Operation
		text string
	}
	var all []line
	for _, d := range diffs {
		text := strings.TrimSuffix(d.Text, "\n")
		for _, l := range strings.Split(text, "\n") {
			all = append(all, line{d.Type, l})
		}
		if !strings.HasSuffix(d.Text, "\n") && d.Type != diffmatchpatch.DiffEqual {
			all[len(all)-1].text += "\n\\ No newline at end of file"
		}
	}
	const context = 3
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", nameA, nameB)
	for i := 0; i < len(all); {
		if all[i].op == diffmatchpatch.DiffEqual {
			i++
			continue
		}
		// A hunk: from context lines before the first change to context lines after the last change that is
		// within 2*context lines of the previous one.
		start := max(0, i-context)
		end := i
		for j := i; j < len(all); j++ {
			if all[j].op != diffmatchpatch.DiffEqual {
				end = j
			} else if j-end > 2*context {
				break
			}
		}
		end = min(len(all), end+context+1)
		aLine, bLine := 1, 1
		for _, l := range all[:start] {
			if l.op != diffmatchpatch.DiffInsert {
				aLine++
			}
			if l.op != diffmatchpatch.DiffDelete {
				bLine++
			}
		}
		var aN, bN int
		var body strings.Builder
		for _, l := range all[start:end] {
			switch l.op {
			case diffmatchpatch.DiffEqual:
				aN++
				bN++
				body.WriteString(" " + l.text + "\n")
			case diffmatchpatch.DiffDelete:
				aN++
				body.WriteString("-" + l.text + "\n")
			case diffmatchpatch.DiffInsert:
				bN++
				body.WriteString("+" + l.text + "\n")
			}
		}
		if aN == 0 {
			aLine--
		}
		if bN == 0 {
			bLine--
		}
		fmt.Fprintf(&sb, "@@ -%d,%d +%d,%d @@\n%s", aLine, aN, bLine, bN, body.String())
		i = end
	}
	return sb.String()
}
