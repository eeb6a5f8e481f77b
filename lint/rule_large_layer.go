package lint

import (
	"strings"

	"github.com/layerlint/layerlint/layerdiff"
)

// LargeLayer flags an instruction whose layer holds more bytes of files than
// the threshold: every pull and every cache miss moves it whole.
var LargeLayer = &Rule{
	Name:       "LargeLayer",
	Doc:        "an instruction's layer is larger than the threshold (measured in the image)",
	URL:        docURL("LargeLayer"),
	Why:        "A large layer is pulled whole and rebuilt whole: when what changes often shares a layer with what does not, every change moves all of it.",
	HowToFix:   "Split the instruction so that what changes often gets a layer of its own, or build in an earlier stage and copy only the result.",
	Severity:   Warning,
	NeedsImage: true,
	Settings: []Setting{{Name: "threshold", Default: "100MB",
		Doc: "report layers whose files add up to more than this many bytes (a number or a size such as 50MB)"}},
	Run: func(p *Pass) {
		threshold := p.sizeSetting("threshold")
		for _, in := range p.layerInstructions() {
			f, ok := p.Facts(in.StartLine)
			if !ok || f.Size <= threshold {
				continue
			}
			// The size is in the message, not in Bytes: splitting the layer
			// saves none of it.
			p.Reportf(in.FirstLineRange(p.Dockerfile), nil,
				"this %s adds a %s layer, over the %s threshold; split it so that what changes often gets a layer of its own, or build in an earlier stage and copy only the result",
				strings.ToUpper(in.Command), layerdiff.FormatSize(f.Size), layerdiff.FormatSize(threshold))
		}
	},
}

// layerInstructions returns the instructions of the stages that end up in a
// shipped image (see shippedStages), in Dockerfile order: the ones image
// evidence can measure.
func (p *Pass) layerInstructions() []*Instruction {
	var out []*Instruction
	for _, st := range p.shippedStages() {
		out = append(out, st.Instructions...)
	}
	return out
}
