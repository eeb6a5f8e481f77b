package lint

import (
	"fmt"
	"strings"

	"github.com/layerlint/layerlint/internal/shell"
)

// DocsBase is where RULES.md lives; each rule's URL is an anchor in it.
const DocsBase = "https://github.com/layerlint/layerlint/blob/main/lint/RULES.md"

// Rule is one check, a plain value in the style of go/analysis.
type Rule struct {
	// Name is the stable CamelCase name users put in ignore lists.
	Name string
	// Doc is a one-line description.
	Doc string
	// URL points at the rule's documentation.
	URL string
	// Why explains the problem: what it costs, and when it does not apply.
	Why string
	// Bad is a Dockerfile the rule flags and Good its corrected twin, shown
	// in RULES.md and checked by TestRuleExamples. Rules that need an image
	// have none.
	Bad, Good string
	// HowToFix says how to fix the problem and what the automatic fix does.
	HowToFix string
	// Severity is the default severity.
	Severity Severity
	// NeedsImage marks rules that only run with image evidence.
	NeedsImage bool
	// Settings are the thresholds the rule reads from the configuration.
	Settings []Setting
	// Hadolint lists the hadolint codes the rule stands for: their
	// "# hadolint ignore=" pragmas and .hadolint.yaml ignores apply to it.
	Hadolint []string
	// Run inspects the Dockerfile and reports findings through the pass.
	Run func(*Pass)
}

func docURL(name string) string { return DocsBase + "#" + strings.ToLower(name) }

// Pass is what a rule sees while it runs on one Dockerfile.
type Pass struct {
	// Dockerfile is the parsed file.
	Dockerfile *Dockerfile
	// Rule is the running rule.
	Rule *Rule
	// Evidence is the image evidence, or nil when no image was given.
	Evidence Evidence
	// Context is the build context directory, or "" when unknown.
	Context string
	// Settings are the rule's thresholds from the configuration.
	Settings map[string]any
	// Target is the stage the build targets (--target), or "" for every
	// leaf stage.
	Target string

	report func(Finding)
	// names answers questions about rule names; rules cannot refer to All
	// themselves (it holds them).
	names ruleNames
}

// ruleNames looks rule names up for a rule that checks them.
type ruleNames struct {
	known    func(string) bool
	hadolint func(string) []string
}

// Report records a finding; Rule, Severity, File and URL are filled in.
func (p *Pass) Report(f Finding) {
	f.Rule = p.Rule.Name
	f.File = p.Dockerfile.Name
	f.URL = p.Rule.URL
	p.report(f)
}

// Reportf reports a finding over r.
func (p *Pass) Reportf(r Range, fix *Fix, format string, args ...any) {
	p.Report(Finding{
		Line: r.Start.Line, Col: r.Start.Col, EndLine: r.End.Line, EndCol: r.End.Col,
		Message: fmt.Sprintf(format, args...),
		Fix:     fix,
	})
}

// reportBytes reports a finding over r with its measured cost (nil without
// evidence).
func (p *Pass) reportBytes(r Range, fix *Fix, bytes *int64, format string, args ...any) {
	p.Report(Finding{
		Line: r.Start.Line, Col: r.Start.Col, EndLine: r.End.Line, EndCol: r.End.Col,
		Message: fmt.Sprintf(format, args...),
		Fix:     fix,
		Bytes:   bytes,
	})
}

// WordRange returns the source range of a shell word.
func (p *Pass) WordRange(w shell.Word) Range {
	return Range{Start: p.Dockerfile.Pos(w.Start), End: p.Dockerfile.Pos(w.End)}
}

// CommandRange returns the source range from a command's program to its last
// word.
func (p *Pass) CommandRange(c shell.Command) Range {
	if len(c.Words) == 0 {
		return Range{Start: p.Dockerfile.Pos(commandEnd(c)), End: p.Dockerfile.Pos(commandEnd(c))}
	}
	i := max(c.ProgramIndex(), 0)
	return Range{Start: p.Dockerfile.Pos(c.Words[i].Start), End: p.Dockerfile.Pos(c.Words[len(c.Words)-1].End)}
}

// InsertAfter returns a text edit inserting text right after a word.
func (p *Pass) InsertAfter(w shell.Word, text string) TextEdit {
	pos := p.Dockerfile.Pos(w.End)
	return TextEdit{StartLine: pos.Line, StartCol: pos.Col, EndLine: pos.Line, EndCol: pos.Col, NewText: text}
}

// Int returns an integer setting, or def when unset or not a number.
func (p *Pass) Int(name string, def int64) int64 {
	switch v := p.Settings[name].(type) {
	case int:
		return int64(v)
	case int64:
		return v
	case float64:
		return int64(v)
	}
	return def
}

// Evidence gives measured facts about the image built from the Dockerfile.
// It is optional: rules must work without it.
type Evidence interface {
	// LayerForLine returns the facts of the layer the instruction on a
	// 1-based line produced.
	LayerForLine(line int) (LayerFacts, bool)
}

// LayerFacts are measured facts about one layer.
type LayerFacts struct {
	// Size is the layer's uncompressed size in bytes.
	Size int64
	// CacheBytes is the bytes of package-manager caches in the layer.
	CacheBytes int64
	// WastedBytes is the bytes of the layer's files that later layers delete
	// or overwrite.
	WastedBytes int64

	// Measured reports that the facts come from an image whose history
	// matched the Dockerfile.
	Measured bool
	// Layer is the index of the layer in the image, bottom first; DiffID is
	// its uncompressed digest.
	Layer  int
	DiffID string
	// Files counts the layer's entries that are not directories.
	Files int
	// Line and EndLine are the instruction's lines.
	Line, EndLine int
	// Leftovers maps package-manager caches and temporary directories ("apt",
	// "pip", "npm", "tmp", ...) to the bytes of the layer's files in them.
	Leftovers map[string]int64
	// WastedBy lists the later instructions that delete or overwrite the
	// layer's files, most bytes first; nil when unknown (see
	// NewImageEvidence).
	WastedBy []WasteSource
}

// Facts returns the evidence for the instruction on line, if an image was
// given and the instruction made a layer.
func (p *Pass) Facts(line int) (LayerFacts, bool) {
	if p.Evidence == nil {
		return LayerFacts{}, false
	}
	return p.Evidence.LayerForLine(line)
}

// leftoverBytes returns the bytes of the given cache kinds in the layer of
// the instruction on line, or nil without evidence.
func (p *Pass) leftoverBytes(line int, kinds ...string) *int64 {
	f, ok := p.Facts(line)
	if !ok {
		return nil
	}
	var n int64
	for _, k := range kinds {
		n += f.Leftovers[k]
	}
	return &n
}

// Size returns a size setting such as "threshold: 50MB" (see
// layerdiff.ParseSize), or def when unset. Invalid values are rejected when
// the configuration is loaded.
func (p *Pass) Size(name string, def int64) int64 {
	n, err := settingSize(p.Settings[name])
	if err != nil || n < 0 {
		return def
	}
	return n
}

// All lists layerlint's own rules, in documentation order.
var All = []*Rule{
	CacheBustingCopy,
	AptUpdateWithoutInstall,
	AptListsNotRemoved,
	AptInstallRecommends,
	ApkCacheKept,
	PipCacheKept,
	NpmCacheKept,
	YumCacheKept,
	RemovedInLaterLayer,
	SeparateChown,
	CacheMountSuggested,
	DownloadExtractSplit,
	BuildToolsInFinalStage,
	LargeLayer,
	WastedBytes,
	PackageCacheInLayer,
	ImageOutOfDate,
	UnknownRuleName,
}

// Lookup returns the rule with the given name.
func Lookup(name string) (*Rule, bool) {
	for _, r := range All {
		if r.Name == name {
			return r, true
		}
	}
	return nil, false
}

// KnownRule reports whether name is one of layerlint's rules or a BuildKit check.
func KnownRule(name string) bool {
	if _, ok := Lookup(name); ok {
		return true
	}
	for _, c := range BuildKitChecks() {
		if c.Name == name {
			return true
		}
	}
	return false
}
