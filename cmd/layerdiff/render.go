package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/layerlint/layerlint/layerdiff"
)

type renderer func(w io.Writer, rep *layerdiff.Report, o renderOptions) error

// renderOptions shape the text and markdown outputs.
type renderOptions struct {
	color bool
	// limit is the most changed paths listed one by one: beyond it they are summarised by directory. 0 lists
	// them all.
	limit int
	// depth summarises by directories this many levels deep, whatever the number of paths; 0 picks the deepest
	// level whose summary fits in limit.
	depth int
}

// summarise reports whether n changed paths are summarised by directory rather than listed.
func (o renderOptions) summarise(n int) bool { return o.depth > 0 || (o.limit > 0 && n > o.limit) }

// dirSummary returns the rows of the summary of files by directory, at most o.limit of them (when it is
// set), the depth they go to, and how many rows and changed paths were left out.
func (o renderOptions) dirSummary(files []layerdiff.FileChange) (rows []dirRow, depth, moreRows, morePaths int) {
	depth = o.depth
	if depth > 0 {
		rows = summariseByDir(files, depth)
	} else {
		depth, rows = summaryDepth(files, o.limit)
	}
	if o.limit > 0 {
		rows, moreRows, morePaths = largestRows(files, rows, o.limit)
	}
	return rows, depth, moreRows, morePaths
}

var renderers = map[string]renderer{
	"text":     renderText,
	"json":     renderJSON,
	"markdown": renderMarkdown,
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// useColor reports whether output to w may be coloured: only on a terminal, and never with NO_COLOR set
// (https://no-color.org) or TERM=dumb.
func useColor(w io.Writer) bool {
	if _, ok := os.LookupEnv("NO_COLOR"); ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	return isTerminal(w)
}

func renderJSON(w io.Writer, rep *layerdiff.Report, _ renderOptions) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

var marks = map[layerdiff.Change]struct{ sign, color string }{
	layerdiff.Added:    {"A", "\x1b[32m"},
	layerdiff.Deleted:  {"D", "\x1b[31m"},
	layerdiff.Modified: {"M", "\x1b[33m"},
}

func renderText(w io.Writer, rep *layerdiff.Report, o renderOptions) error {
	paint := func(code, s string) string {
		if !o.color {
			return s
		}
		return code + s + "\x1b[0m"
	}
	bold := func(s string) string { return paint("\x1b[1m", s) }
	side := func(label string, s layerdiff.ImageSummary) {
		fmt.Fprintf(w, "%s %s  (%s, %d layers, %s of files, tar %s, %d paths)\n", bold(label), s.Name, s.Platform,
			s.Layers, layerdiff.FormatSize(s.Size), layerdiff.FormatSize(s.TarSize), s.Files)
	}
	side("A:", rep.A)
	side("B:", rep.B)

	fmt.Fprintf(w, "\n%s\n", bold("Layers"))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	// SIZE is what docker history (and layerdiff history) shows for the layer: bytes of file contents. TAR is
	// the uncompressed tar: contents, headers and padding.
	fmt.Fprintln(tw, "  A\tB\tSTATUS\tSIZE\tTAR\tFILES\tCREATED BY")
	for _, l := range rep.Layers {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%d\t%s\n", idx(l.IndexA), idx(l.IndexB), statusLabel[l.Status],
			layerdiff.FormatSize(l.Size), layerdiff.FormatSize(l.TarSize), l.Files, shorten(l.CreatedBy, 70))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	if o.summarise(len(rep.Files)) {
		if err := renderTextSummary(w, rep, o, bold, paint); err != nil {
			return err
		}
	} else if err := renderTextFiles(w, rep, bold, paint); err != nil {
		return err
	}

	if len(rep.Config) > 0 {
		fmt.Fprintf(w, "\n%s\n", bold("Config"))
		for _, c := range rep.Config {
			fmt.Fprintf(w, "  %s: %s\n", c.Field, configChange(c))
		}
	}
	s := rep.Summary
	fmt.Fprintf(w, "\n%s A %s, B %s, growth %s; shared %s in %d layer(s); only A %s in %d; only B %s in %d\n",
		bold("Summary:"), layerdiff.FormatSize(s.SizeA), layerdiff.FormatSize(s.SizeB), signed(s.Growth),
		layerdiff.FormatSize(s.SharedBytes), s.SharedLayers, layerdiff.FormatSize(s.OnlyABytes), s.OnlyALayers,
		layerdiff.FormatSize(s.OnlyBBytes), s.OnlyBLayers)
	if s.Identical {
		fmt.Fprintln(w, "The images have identical files and config.")
	}
	return nil
}

// renderTextFiles lists every changed path, then the content diffs.
func renderTextFiles(w io.Writer, rep *layerdiff.Report, bold func(string) string, paint func(code, s string) string) error {
	s := rep.Summary
	fmt.Fprintf(w, "\n%s (%d added, %d deleted, %d modified)\n", bold("Files"), s.Added, s.Deleted, s.Modified)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range rep.Files {
		m := marks[f.Change]
		size := layerdiff.FormatSize(f.SizeB)
		switch f.Change {
		case layerdiff.Deleted:
			size = layerdiff.FormatSize(f.SizeA)
		case layerdiff.Modified:
			if f.SizeA != f.SizeB {
				size = layerdiff.FormatSize(f.SizeA) + " → " + layerdiff.FormatSize(f.SizeB)
			}
		}
		typ := f.Type
		if f.TypeA != "" {
			typ = f.TypeA + "→" + f.Type
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", paint(m.color, m.sign), f.Path, typ, size, detail(f), layerLabel(f.Layer))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, f := range rep.Files {
		if f.Diff != "" {
			fmt.Fprintf(w, "\n%s", colorDiff(f.Diff, paint))
		}
	}
	return nil
}

// renderTextSummary prints the changed paths summarised by directory, like du, and how to see every path.
func renderTextSummary(w io.Writer, rep *layerdiff.Report, o renderOptions, bold func(string) string, paint func(code, s string) string) error {
	s := rep.Summary
	rows, depth, moreRows, morePaths := o.dirSummary(rep.Files)
	levels := "levels"
	if depth == 1 {
		levels = "level"
	}
	fmt.Fprintf(w, "\n%s (%d changed: %d added, %d deleted, %d modified), by directory, %d %s deep:\n", bold("Files"),
		len(rep.Files), s.Added, s.Deleted, s.Modified, depth, levels)
	if err := renderDirSummary(w, rows, paint); err != nil {
		return err
	}
	if moreRows > 0 {
		fmt.Fprintf(w, "  … %d more directories, with %d changed paths in no row above\n", moreRows, morePaths)
	}
	if rep.Options.Content {
		fmt.Fprintln(w, "Every path and its content diff: layerdiff --all --content (or --format json).")
	} else {
		fmt.Fprintln(w, "Every path: layerdiff --all (or --format json).")
	}
	return nil
}

func colorDiff(d string, paint func(code, s string) string) string {
	var sb strings.Builder
	for _, l := range strings.SplitAfter(d, "\n") {
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
			sb.WriteString(paint("\x1b[1m", strings.TrimSuffix(l, "\n")) + "\n")
		case strings.HasPrefix(l, "+"):
			sb.WriteString(paint("\x1b[32m", strings.TrimSuffix(l, "\n")) + "\n")
		case strings.HasPrefix(l, "-"):
			sb.WriteString(paint("\x1b[31m", strings.TrimSuffix(l, "\n")) + "\n")
		case strings.HasPrefix(l, "@@"):
			sb.WriteString(paint("\x1b[36m", strings.TrimSuffix(l, "\n")) + "\n")
		default:
			sb.WriteString(l)
		}
	}
	return sb.String()
}

// detail says what changed in a modified path.
func detail(f layerdiff.FileChange) string {
	var parts []string
	for _, w := range f.What {
		switch w {
		case "mode":
			parts = append(parts, "mode "+f.ModeA+"→"+f.ModeB)
		case "owner":
			parts = append(parts, "owner "+f.OwnerA+"→"+f.OwnerB)
		case "link":
			parts = append(parts, "link "+f.LinkA+"→"+f.LinkB)
		case "type":
		default:
			parts = append(parts, w)
		}
	}
	if f.Binary {
		parts = append(parts, "binary")
	}
	if f.Note != "" {
		parts = append(parts, f.Note)
	}
	return strings.Join(parts, ", ")
}

func layerLabel(l *layerdiff.LayerRef) string {
	if l == nil {
		return ""
	}
	return fmt.Sprintf("B layer %d: %s", l.Index, shorten(l.CreatedBy, 60))
}

func configChange(c layerdiff.ConfigChange) string {
	if len(c.Added)+len(c.Removed) > 0 {
		var parts []string
		for _, r := range c.Removed {
			parts = append(parts, "-"+r)
		}
		for _, a := range c.Added {
			parts = append(parts, "+"+a)
		}
		return strings.Join(parts, " ")
	}
	return fmt.Sprintf("%s → %s", jsonish(c.A), jsonish(c.B))
}

func jsonish(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func idx(i *int) string {
	if i == nil {
		return "-"
	}
	return fmt.Sprint(*i)
}

func signed(n int64) string {
	if n > 0 {
		return "+" + layerdiff.FormatSize(n)
	}
	return layerdiff.FormatSize(n)
}

// shorten collapses whitespace and cuts s to n runes.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// maxMarkdownFiles bounds the file table of a PR comment (GitHub caps comments at 65536 characters).
const maxMarkdownFiles = 300

// maxMarkdownDirs bounds the directory summary a PR comment shows when it cannot list every path.
const maxMarkdownDirs = 40

func renderMarkdown(w io.Writer, rep *layerdiff.Report, _ renderOptions) error {
	s := rep.Summary
	fmt.Fprintf(w, "### layerdiff: `%s` → `%s`\n\n", rep.A.Name, rep.B.Name)
	fmt.Fprintf(w, "| | A | B |\n|---|---:|---:|\n")
	fmt.Fprintf(w, "| Size (files) | %s | %s |\n| Size (tar) | %s | %s |\n| Layers | %d | %d |\n| Paths | %d | %d |\n\n",
		layerdiff.FormatSize(rep.A.Size), layerdiff.FormatSize(rep.B.Size), layerdiff.FormatSize(rep.A.TarSize),
		layerdiff.FormatSize(rep.B.TarSize), rep.A.Layers, rep.B.Layers, rep.A.Files, rep.B.Files)
	fmt.Fprintf(w, "**Growth:** %s · **Files:** %d added, %d deleted, %d modified · **Layers:** %d shared (%s), %d only in A, %d only in B\n\n",
		signed(s.Growth), s.Added, s.Deleted, s.Modified, s.SharedLayers, layerdiff.FormatSize(s.SharedBytes), s.OnlyALayers, s.OnlyBLayers)
	if len(rep.Files) > maxMarkdownFiles {
		o := renderOptions{limit: maxMarkdownDirs}
		rows, depth, moreRows, morePaths := o.dirSummary(rep.Files)
		fmt.Fprintf(w, "**Changed paths by directory** (%d levels deep)\n\n", depth)
		renderMarkdownDirSummary(w, rows, moreRows, morePaths)
	}
	if len(rep.Files) > 0 {
		fmt.Fprintf(w, "<details><summary>Changed paths (%d)</summary>\n\n", len(rep.Files))
		fmt.Fprintf(w, "| | Path | Type | Size A | Size B | Detail | Written by (B) |\n|---|---|---|---:|---:|---|---|\n")
		for i, f := range rep.Files {
			if i == maxMarkdownFiles {
				fmt.Fprintf(w, "\n…and %d more; run `layerdiff --format json` for all.\n", len(rep.Files)-i)
				break
			}
			by := ""
			if f.Layer != nil {
				by = fmt.Sprintf("layer %d: `%s`", f.Layer.Index, mdEscape(shorten(f.Layer.CreatedBy, 60)))
			}
			fmt.Fprintf(w, "| %s | `%s` | %s | %s | %s | %s | %s |\n", marks[f.Change].sign, mdEscape(f.Path), f.Type,
				layerdiff.FormatSize(f.SizeA), layerdiff.FormatSize(f.SizeB), mdEscape(detail(f)), by)
		}
		fmt.Fprintf(w, "\n</details>\n")
		for _, f := range rep.Files {
			if f.Diff != "" {
				fmt.Fprintf(w, "\n<details><summary><code>%s</code></summary>\n\n```diff\n%s```\n\n</details>\n", mdEscape(f.Path), f.Diff)
			}
		}
	}
	if len(rep.Config) > 0 {
		fmt.Fprintf(w, "\n**Config**\n\n")
		for _, c := range rep.Config {
			fmt.Fprintf(w, "- %s: `%s`\n", c.Field, mdEscape(configChange(c)))
		}
	}
	return nil
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// progressBar prints one self-overwriting line on a terminal's stderr.
type progressBar struct {
	w     io.Writer
	mu    sync.Mutex
	shown bool
}

func (p *progressBar) update(pr layerdiff.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r\x1b[Kreading layers: %d/%d, %s", pr.LayersDone, pr.LayersTotal, layerdiff.FormatSize(pr.Bytes))
	p.shown = true
}

func (p *progressBar) done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

var statusLabel = map[string]string{"shared": "shared", "only_a": "only in A", "only_b": "only in B"}
