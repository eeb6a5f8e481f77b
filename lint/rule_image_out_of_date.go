package lint

import (
	"strconv"
	"strings"
)

// ImageOutOfDate says that the image given with --image was built from an
// earlier version of the Dockerfile: it matches the instructions up to a
// line, so the findings above it carry measured bytes and those below carry
// none. It is the finding where the image and the Dockerfile part.
var ImageOutOfDate = &Rule{
	Name:       "ImageOutOfDate",
	Doc:        "the image was built from an earlier version of the Dockerfile: only the instructions above the first change are measured",
	URL:        docURL("ImageOutOfDate"),
	Why:        "A builder reuses a step only when every step before it is unchanged, so an image built from an earlier version of the Dockerfile still holds the layers of the instructions above the first one that changed. layerlint measures those and says where the measurements stop, instead of refusing the image.",
	HowToFix:   "Rebuild the image from the current Dockerfile to measure every instruction.",
	Severity:   Info,
	NeedsImage: true,
	Run: func(p *Pass) {
		pre, ok := Prefix(p.Evidence)
		if !ok {
			return
		}
		switch {
		case pre.Diverged != nil:
			in := p.Dockerfile.InstructionAt(pre.Diverged.Line)
			if in == nil {
				return
			}
			upTo := "none of its instructions"
			if pre.LastMatched > 0 {
				upTo = "its instructions up to line " + strconv.Itoa(pre.LastMatched)
			}
			p.Reportf(in.FirstLineRange(p.Dockerfile), nil,
				"the image was built from an earlier version of this Dockerfile: it holds %s (%d of %d); this %s differs (%s), so from here on findings carry no measured bytes; rebuild the image to measure them",
				upTo, pre.Matched, pre.Instructions, strings.ToUpper(in.Command), pre.Diverged.Reason)
		case pre.Stale > 0:
			in := p.Dockerfile.InstructionAt(pre.LastMatched)
			if in == nil {
				return
			}
			p.Reportf(in.FirstLineRange(p.Dockerfile), nil,
				"the image holds %d more steps after this instruction than the Dockerfile: it was built from a version with more instructions; every instruction is measured", pre.Stale)
		}
	},
}
