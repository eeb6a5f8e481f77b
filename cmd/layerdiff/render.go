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

type renderer func(w io.Writer, rep *layerdiff.Report, color bool) error

var renderers = map[string]renderer{
	"text":     renderText,
	"json":     renderJSON,
	"markdown": renderMarkdown,
}

// useColor reports whether output to w may be coloured: only on a terminal, and never with NO_COLOR set
// (https://no-color.org) or TERM=dumb.
func useColor(w io.Writer) bool {
	if _, ok := os.LookupEnv("NO_COLOR"); ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func renderJSON(w io.Writer, rep *layerdiff.Report, _ bool) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

var marks = map[layerdiff.Change]struct{ sign, color string }{
	layerdiff.Added:    {"A", "\x1b[32m"},
	layerdiff.Deleted:  {"D", "\x1b[31m"},
	layerdiff.Modified: {"M", "\x1b[33m"},
}

func renderText(w io.Writer, rep *layerdiff.Report, color bool) error {
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return code + s + "\x1b[0m"
	}
	bold := func(s string) string { return paint("\x1b[1m", s) }
	side := func(label string, s layerdiff.ImageSummary) {
		fmt.Fprintf(w, "%s %s  (%s, %d layers, %s, %d paths)\n", bold(label), s.Name, s.Platform, s.Layers,
			layerdiff.FormatSize(s.Size), s.Files)
	}
	side("A:", rep.A)
	side("B:", rep.B)

	fmt.Fprintf(w, "\n%s\n", bold("Layers"))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  A\tB\tSTATUS\tSIZE\tFILES\tCREATED BY")
	for _, l := range rep.Layers {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%d\t%s\n", idx(l.IndexA), idx(l.IndexB), statusLabel[l.Status],
			layerdiff.FormatSize(l.Size), l.Files, shorten(l.CreatedBy, 70))
	}
	tw.Flush()

	s := rep.Summary
	fmt.Fprintf(w, "\n%s (%d added, %d deleted, %d modified)\n", bold("Files"), s.Added, s.Deleted, s.Modified)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
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
	tw.Flush()
	for _, f := range rep.Files {
		if f.Diff != "" {
			fmt.Fprintf(w, "\n%s", colorDiff(f.Diff, paint))
		}
	}

	if len(rep.Config) > 0 {
		fmt.Fprintf(w, "\n%s\n", bold("Config"))
		for _, c := range rep.Config {
			fmt.Fprintf(w, "  %s: %s\n", c.Field, configChange(c))
		}
	}
	fmt.Fprintf(w, "\n%s A %s, B %s, growth %s; shared %s in %d layer(s); only A %s in %d; only B %s in %d\n",
		bold("Summary:"), layerdiff.FormatSize(s.SizeA), layerdiff.FormatSize(s.SizeB), signed(s.Growth),
		layerdiff.FormatSize(s.SharedBytes), s.SharedLayers, layerdiff.FormatSize(s.OnlyABytes), s.OnlyALayers,
		layerdiff.FormatSize(s.OnlyBBytes), s.OnlyBLayers)
	if s.Identical {
		fmt.Fprintln(w, "The images have identical files and config.")
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

func renderMarkdown(w io.Writer, rep *layerdiff.Report, _ bool) error {
	s := rep.Summary
	fmt.Fprintf(w, "### layerdiff: `%s` → `%s`\n\n", rep.A.Name, rep.B.Name)
	fmt.Fprintf(w, "| | A | B |\n|---|---:|---:|\n")
	fmt.Fprintf(w, "| Size | %s | %s |\n| Layers | %d | %d |\n| Paths | %d | %d |\n\n",
		layerdiff.FormatSize(rep.A.Size), layerdiff.FormatSize(rep.B.Size), rep.A.Layers, rep.B.Layers, rep.A.Files, rep.B.Files)
	fmt.Fprintf(w, "**Growth:** %s · **Files:** %d added, %d deleted, %d modified · **Layers:** %d shared (%s), %d only in A, %d only in B\n\n",
		signed(s.Growth), s.Added, s.Deleted, s.Modified, s.SharedLayers, layerdiff.FormatSize(s.SharedBytes), s.OnlyALayers, s.OnlyBLayers)
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
