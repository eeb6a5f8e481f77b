package lsp

import (
	"fmt"
	"strings"
	"time"

	"go.lsp.dev/protocol"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/history"
)

// Hover describes the instruction at pos: what the keyword does, and from the image its layer's size,
// file counts, biggest files, wasted bytes and by whom, created_by and digest; on FROM the base image's
// size and layer count; and the cache status. Nil when pos is on no instruction.
func Hover(snap *Snapshot, pos protocol.Position) *protocol.Hover {
	if snap == nil || int(pos.Line) >= snap.lines.count() {
		return nil
	}
	if h := syntaxHover(snap, pos); h != nil {
		return h // a flag, a --mount key, a variable or a stage: what it means or holds
	}
	in, ok := snap.instructionAt(int(pos.Line))
	if !ok {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**", in.Keyword)
	if doc := instructionDocs[in.Keyword]; doc.Summary != "" {
		fmt.Fprintf(&b, " — %s\n\n`%s`", doc.Summary, doc.Syntax)
	}
	b.WriteString("\n")
	if line := snap.imageLine(time.Now()); in.Keyword == "FROM" && line != "" {
		fmt.Fprintf(&b, "\n%s\n", strings.Replace(line, "Image:", "**Image**:", 1))
	}
	switch why, rebuilds := snap.rebuild[in.Line]; {
	case rebuilds:
		fmt.Fprintf(&b, "\nNot in image %s (%s): its layer's size shows after the next build.\n", snap.ImageRef, why)
	case snap.Steps != nil && in.Line == snap.baseFromLine():
		size, layers := baseSize(snap.Base)
		fmt.Fprintf(&b, "\n**Base image**: %s in %d layers (%d history entries)\n", layerdiff.FormatSize(size), layers, len(snap.Base))
	case snap.Steps != nil:
		if st, ok := snap.Steps[in.Line]; ok {
			snap.describeStep(&b, st)
		}
	}
	if _, aligned := snap.Steps[in.Line]; !aligned {
		if e, ok := snap.copyEstimate(in); ok {
			fmt.Fprintf(&b, "\n**Layer**: %s (estimate) · %d context files, %d bytes (.dockerignore applied); no image has this layer yet\n",
				e.label(), e.Files, e.Bytes)
		}
	}
	if st, ok := snap.Prediction[in.Line]; ok {
		fmt.Fprintf(&b, "\n**Cache**: %s\n", cacheLabel(st.Cached, st.Reason))
		if len(st.Sources) > 0 {
			fmt.Fprintf(&b, "\nContext files it sends: %d\n", len(st.Sources))
		}
	}
	end := snap.lines.lineEnd(in.Line - 1)
	return &protocol.Hover{
		Contents: protocol.MarkupContent{Kind: protocol.Markdown, Value: b.String()},
		Range:    &protocol.Range{Start: protocol.Position{Line: end.Line}, End: end},
	}
}

// describeStep writes what the image says about one aligned step.
func (s *Snapshot) describeStep(b *strings.Builder, st history.Step) {
	if st.Empty || st.Layer < 0 {
		b.WriteString("\n**Layer**: none, metadata only (0 B)\n")
	} else {
		fmt.Fprintf(b, "\n**Layer**: +%s · %d files (%d added, %d modified, %d deleted)\n",
			layerdiff.FormatSize(st.Size), st.Files, st.Added, st.Modified, st.Deleted)
		if st.Layer >= len(s.image.img.Layers) {
			return
		}
		if top := s.image.img.Layers[st.Layer].Largest(); len(top) > 0 {
			b.WriteString("\nBiggest files it adds:\n\n| file | size |\n| --- | --- |\n")
			for _, e := range top {
				fmt.Fprintf(b, "| `/%s` | %s |\n", e.Path, layerdiff.FormatSize(e.Size))
			}
		}
		if st.Wasted > 0 {
			fmt.Fprintf(b, "\n**Wasted**: %s stored but hidden by later steps:\n\n", layerdiff.FormatSize(st.Wasted))
			n := 0
			for _, w := range s.image.wastedFiles() {
				if w.Layer != st.Layer {
					continue
				}
				if n++; n > 5 {
					b.WriteString("- ...\n")
					break
				}
				how := "overwritten"
				if w.Deleted {
					how = "deleted"
				}
				by := fmt.Sprintf("layer %d", w.By)
				if line := s.stepLine(w.By); line > 0 {
					by = fmt.Sprintf("line %d", line)
				}
				fmt.Fprintf(b, "- `/%s` (%s) %s by %s\n", w.Path, layerdiff.FormatSize(w.Size), how, by)
			}
		}
		for _, kind := range history.LeftoverKinds(st.Leftovers) {
			fmt.Fprintf(b, "\nLeftovers: %s in %s caches\n", layerdiff.FormatSize(st.Leftovers[kind]), kind)
		}
	}
	if cb := strings.TrimSpace(st.CreatedBy); cb != "" {
		fmt.Fprintf(b, "\ncreated_by: `%s`\n", clip(strings.ReplaceAll(cb, "`", "'"), 300))
	}
	if st.DiffID != "" {
		fmt.Fprintf(b, "\ndigest: `%s`\n", st.DiffID)
	}
}
