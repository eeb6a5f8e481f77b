package lint

import (
	"regexp"
	"strings"
)

// This file reads the comments that turn rules off: layerlint's and
// hadolint's ignore pragmas on the lines above an instruction, hadolint's
// global pragma, and BuildKit's check=skip directive.

// pragma is one ignore comment.
type pragma struct {
	// line is the comment's 1-based line.
	line int
	// tool is "layerlint", "hadolint" or "check".
	tool string
	// global is true for check=skip and "# hadolint global ignore=": they
	// apply to the whole file.
	global bool
	// names are the rule names (or hadolint codes) as written, with the
	// column of each.
	names []pragmaName
}

type pragmaName struct {
	name     string
	col, end int // 1-based byte columns, end exclusive
}

var (
	ignorePragma = regexp.MustCompile(`^(\s*#\s*)(layerlint|hadolint)(\s+global)?\s+ignore\s*=\s*`)
	checkPragma  = regexp.MustCompile(`(?i)^(\s*#\s*check\s*=\s*)`)
)

// parsePragma reads a comment line. The names end at the first word that is
// not followed by a comma, so a reason may follow them:
// "# layerlint ignore=A, B  # vendored" and "# hadolint ignore=DL3009 why".
func parsePragma(n int, text string) (pragma, bool) {
	if m := ignorePragma.FindStringSubmatch(text); m != nil {
		p := pragma{line: n, tool: m[2], global: m[3] != ""}
		p.names = pragmaNames(text, len(m[0]))
		return p, true
	}
	if m := checkPragma.FindStringSubmatch(text); m != nil {
		p := pragma{line: n, tool: "check", global: true}
		// check=skip=A,B;error=true: the skip part only.
		off := len(m[0])
		for _, part := range strings.Split(text[off:], ";") {
			t := strings.TrimLeft(part, " \t")
			if strings.HasPrefix(t, "skip=") {
				p.names = append(p.names, pragmaNames(text, off+len(part)-len(t)+len("skip="))...)
			}
			off += len(part) + 1
		}
		return p, true
	}
	return pragma{}, false
}

// pragmaNames reads comma-separated names from text[off:].
func pragmaNames(text string, off int) []pragmaName {
	var out []pragmaName
	i := off
	for i < len(text) {
		for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
			i++
		}
		start := i
		for i < len(text) && isWordByte(text[i]) {
			i++
		}
		if i == start {
			break
		}
		out = append(out, pragmaName{name: text[start:i], col: start + 1, end: i + 1})
		for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
			i++
		}
		if i >= len(text) || text[i] != ',' {
			break
		}
		i++
	}
	return out
}

// pragmas returns every ignore pragma of the file: check=skip among the
// directives at the top, the others anywhere.
func pragmas(df *Dockerfile) []pragma {
	var out []pragma
	top := true
	for n := 1; n <= df.LineCount(); n++ {
		t := strings.TrimSpace(df.Line(n))
		if !strings.HasPrefix(t, "#") {
			top = false // directives end at the first line that is not a comment
			continue
		}
		p, ok := parsePragma(n, df.Line(n))
		if !ok || p.tool == "check" && !top {
			continue
		}
		out = append(out, p)
	}
	return out
}

// ruleNames turns a pragma's names into rule names: hadolint codes become
// the rules they map to (see HadolintRules), "all" stays.
func (p pragma) ruleNames() map[string]bool {
	out := map[string]bool{}
	for _, n := range p.names {
		if p.tool == "hadolint" {
			for _, r := range HadolintRules(n.name) {
				out[r] = true
			}
			continue
		}
		out[n.name] = true
	}
	return out
}

// dropInlineIgnored honours the pragmas: "# layerlint ignore=A,B" and
// "# hadolint ignore=DL3009" in the comment lines directly above an
// instruction, "# hadolint global ignore=..." anywhere, and "# check=skip=A,B"
// (or skip=all) among the parser directives at the top of the file.
func dropInlineIgnored(df *Dockerfile, fs []Finding) []Finding {
	ps := pragmas(df)
	if len(ps) == 0 {
		return fs
	}
	fileSkip := map[string]bool{}
	byLine := map[int]map[string]bool{}
	for _, p := range ps {
		if p.global {
			for n := range p.ruleNames() {
				fileSkip[n] = true
			}
			continue
		}
		byLine[p.line] = p.ruleNames()
	}
	type span struct {
		start, end int
		names      map[string]bool
	}
	var spans []span
	for _, in := range df.Instructions {
		names := map[string]bool{}
		for n := in.StartLine - 1; n >= 1; n-- {
			if !strings.HasPrefix(strings.TrimSpace(df.Line(n)), "#") {
				break
			}
			for name := range byLine[n] {
				names[name] = true
			}
		}
		if len(names) > 0 {
			spans = append(spans, span{in.StartLine, in.EndLine, names})
		}
	}
	kept := fs[:0]
	for _, f := range fs {
		if fileSkip[f.Rule] || fileSkip["all"] {
			continue
		}
		ignored := false
		for _, s := range spans {
			if f.Line >= s.start && f.Line <= s.end && (s.names[f.Rule] || s.names["all"]) {
				ignored = true
			}
		}
		if !ignored {
			kept = append(kept, f)
		}
	}
	return kept
}

// UnknownRuleName flags a rule name in a layerlint ignore pragma or a
// check=skip directive that is neither one of layerlint's rules nor a
// BuildKit check: a typo there silently ignores nothing. hadolint's own codes
// in hadolint pragmas are hadolint's business and are not checked.
var UnknownRuleName = &Rule{
	Name:     "UnknownRuleName",
	Doc:      "an ignore pragma or check=skip names a rule that does not exist, so it ignores nothing",
	URL:      docURL("UnknownRuleName"),
	Why:      "A pragma with a misspelt rule name ignores nothing, silently: the finding it was meant for comes back, or worse, nobody notices that it never went away.",
	Bad:      "FROM debian:bookworm\n# layerlint ignore=AptListNotRemoved\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
	Good:     "FROM debian:bookworm\n# layerlint ignore=AptInstallRecommends\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
	HowToFix: "Use a name from `layerlint --list-rules`. For a hadolint code, use a `# hadolint ignore=` pragma, or the layerlint rule the message names.",
	Severity: Warning,
	Run: func(p *Pass) {
		for _, pr := range pragmas(p.Dockerfile) {
			if pr.tool == "hadolint" {
				continue
			}
			for _, n := range pr.names {
				if n.name == "all" || p.names.known(n.name) {
					continue
				}
				hint := ""
				if rules := p.names.hadolint(n.name); len(rules) > 0 {
					hint = "; hadolint's " + n.name + " is " + strings.Join(rules, ", ") + " here"
				}
				p.Reportf(Range{Start: Position{pr.line, n.col}, End: Position{pr.line, n.end}}, nil,
					"%s is not a rule of layerlint or BuildKit, so this ignores nothing (see --list-rules)%s", n.name, hint)
			}
		}
	},
}
