package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/layerlint/layerlint/layerdiff"
)

// dirRow is one line of the summary of changed paths by directory, as du prints one per directory: the changes
// at and under Path, nested rows included in their parents' totals.
type dirRow struct {
	// Path is a directory with a trailing slash ("usr/lib/"), or a changed path at the top of the image.
	Path                              string
	Changed, Added, Deleted, Modified int
	// Growth is the sum of size_b - size_a over the changed paths (bytes of file contents).
	Growth int64
}

// summariseByDir counts the changed paths under every directory at most depth levels deep (depth ≥ 1), in
// path order, each directory before what is under it. A changed path at the top level is a row of its own.
func summariseByDir(files []layerdiff.FileChange, depth int) []dirRow {
	rows := map[string]*dirRow{}
	for _, f := range files {
		p := f.Path
		var keys []string
		if !strings.Contains(p, "/") {
			keys = append(keys, p)
		}
		for i, d := 0, 0; d < depth; d++ {
			j := strings.IndexByte(p[i:], '/')
			if j < 0 {
				break
			}
			i += j + 1
			keys = append(keys, p[:i])
		}
		for _, k := range keys {
			r := rows[k]
			if r == nil {
				r = &dirRow{Path: k}
				rows[k] = r
			}
			r.add(f)
		}
	}
	out := make([]dirRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b dirRow) int { return layerdiff.ComparePaths(a.Path, b.Path) })
	return out
}

func (r *dirRow) add(f layerdiff.FileChange) {
	r.Changed++
	switch f.Change {
	case layerdiff.Added:
		r.Added++
	case layerdiff.Deleted:
		r.Deleted++
	case layerdiff.Modified:
		r.Modified++
	}
	r.Growth += f.SizeB - f.SizeA
}

// maxSummaryDepth bounds the depth summaryDepth tries; deeper trees are summarised at this depth.
const maxSummaryDepth = 16

// summaryDepth returns the deepest level (1 to maxSummaryDepth) whose summary has at most limit rows, 1 when
// none does, and that summary.
func summaryDepth(files []layerdiff.FileChange, limit int) (int, []dirRow) {
	depth, rows := 1, summariseByDir(files, 1)
	for d := 2; d <= maxSummaryDepth; d++ {
		next := summariseByDir(files, d)
		if len(next) > limit {
			break
		}
		if len(next) == len(rows) {
			break // no directory goes deeper
		}
		depth, rows = d, next
	}
	return depth, rows
}

// largestRows keeps the limit rows that changed the most paths (then the most bytes), in path order, and
// returns how many rows it left out and how many changed paths no kept row holds.
func largestRows(files []layerdiff.FileChange, rows []dirRow, limit int) (kept []dirRow, moreRows, morePaths int) {
	if len(rows) <= limit {
		return rows, 0, 0
	}
	byCount := slices.Clone(rows)
	slices.SortStableFunc(byCount, func(a, b dirRow) int {
		if c := cmp.Compare(b.Changed, a.Changed); c != 0 {
			return c
		}
		return cmp.Compare(abs64(b.Growth), abs64(a.Growth))
	})
	keep := map[string]bool{}
	for _, r := range byCount[:limit] {
		keep[r.Path] = true
	}
	for _, r := range rows {
		if keep[r.Path] {
			kept = append(kept, r)
		}
	}
	for _, f := range files {
		if !heldBy(f.Path, keep) {
			morePaths++
		}
	}
	return kept, len(rows) - len(kept), morePaths
}

// heldBy reports whether p or one of its directories is a kept row.
func heldBy(p string, keep map[string]bool) bool {
	if keep[p] {
		return true
	}
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && keep[p[:i+1]] {
			return true
		}
	}
	return false
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// renderDirSummary prints rows as a table: how many paths changed at and under each directory, and how many
// bytes of file contents they add (size in B less size in A).
func renderDirSummary(w io.Writer, rows []dirRow, paint func(code, s string) string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  CHANGED\tADDED\tDELETED\tMODIFIED\tGROWTH\t\tDIRECTORY")
	for _, r := range rows {
		// Every cell gets a colour code of the same length, so that tabwriter aligns them alike.
		code := "\x1b[39m"
		switch {
		case r.Growth > 0:
			code = "\x1b[32m"
		case r.Growth < 0:
			code = "\x1b[31m"
		}
		growth := paint(code, signed(r.Growth))
		fmt.Fprintf(tw, "  %d\t%d\t%d\t%d\t%s\t\t%s\n", r.Changed, r.Added, r.Deleted, r.Modified, growth, r.Path)
	}
	return tw.Flush()
}

// renderMarkdownDirSummary prints rows as a markdown table.
func renderMarkdownDirSummary(w io.Writer, rows []dirRow, moreRows, morePaths int) {
	fmt.Fprintf(w, "| Directory | Changed | Added | Deleted | Modified | Growth |\n|---|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(w, "| `%s` | %d | %d | %d | %d | %s |\n", mdEscape(r.Path), r.Changed, r.Added, r.Deleted, r.Modified, signed(r.Growth))
	}
	if moreRows > 0 {
		fmt.Fprintf(w, "\n…and %d more directories, with %d changed paths in no row above.\n", moreRows, morePaths)
	}
	fmt.Fprintln(w)
}
