package lint

import (
	"fmt"
	"strings"

	"github.com/layerlint/layerlint/layerdiff"
)

// WastedBytes flags an instruction whose layer stores files that a later
// instruction deletes or overwrites. The finding sits on the instruction that
// stores the bytes, since that layer is what ships them, and names the later
// lines that hide them.
var WastedBytes = &Rule{
	Name:       "WastedBytes",
	Doc:        "a layer stores files that a later instruction deletes or overwrites (measured in the image)",
	URL:        docURL("WastedBytes"),
	Why:        "A file that a later instruction deletes or overwrites is no longer visible, but its bytes stay in the layer that stored it and ship with the image. Measured in the image, this counts every such file, whatever deleted it.",
	HowToFix:   "Delete the files in the instruction that creates them, or create them in an earlier stage and copy only what is kept.",
	Severity:   Warning,
	NeedsImage: true,
	Settings: []Setting{{Name: "threshold", Default: "100kB",
		Doc: "report layers with at least this many wasted bytes (a number or a size such as 1MB)"}},
	Run: func(p *Pass) {
		threshold := max(p.sizeSetting("threshold"), 1)
		for _, in := range p.layerInstructions() {
			f, ok := p.Facts(in.StartLine)
			if !ok || f.WastedBytes < threshold {
				continue
			}
			p.reportBytes(in.FirstLineRange(p.Dockerfile), nil, &f.WastedBytes,
				"%s of the files this %s stores are %s: the image still ships them; remove them in this %s, or create them in an earlier stage and copy only what is kept",
				layerdiff.FormatSize(f.WastedBytes), strings.ToUpper(in.Command), describeWaste(f.WastedBy), strings.ToUpper(in.Command))
		}
	},
}

// describeWaste names the later lines that hide a layer's files.
func describeWaste(srcs []WasteSource) string {
	if len(srcs) == 0 {
		return "deleted or overwritten by a later instruction"
	}
	var parts []string
	for i, s := range srcs {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(srcs)-i))
			break
		}
		verb := "overwritten"
		if s.Deleted {
			verb = "deleted"
		}
		where := "a base image step"
		if s.Line > 0 {
			where = fmt.Sprintf("line %d", s.Line)
		}
		parts = append(parts, fmt.Sprintf("%s by %s (%s)", verb, where, layerdiff.FormatSize(s.Bytes)))
	}
	return strings.Join(parts, ", ")
}

// wastedBy returns the bytes of the files at or under target (an absolute
// path) in the layer on line created that the instruction on line by hides,
// or nil without evidence for both lines. Without per-file detail it is all the layer's
// wasted bytes.
func (p *Pass) wastedBy(created, by int, target string) *int64 {
	f, ok := p.Facts(created)
	if !ok {
		return nil
	}
	// The deleting instruction must be in the image too: an image built
	// before it was added knows nothing of what it deletes.
	if _, ok := p.Facts(by); !ok {
		return nil
	}
	if f.WastedBy == nil {
		return &f.WastedBytes
	}
	var n int64
	for _, s := range f.WastedBy {
		if s.Line != by {
			continue
		}
		for _, w := range s.Files {
			if p := "/" + strings.TrimPrefix(w.Path, "/"); target == "/" || p == target || strings.HasPrefix(p, target+"/") {
				n += w.Size
			}
		}
	}
	return &n
}
