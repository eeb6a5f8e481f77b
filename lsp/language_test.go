package lsp_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

var update = flag.Bool("update", false, "rewrite the README's table of language features")

// TestLanguage runs the marker files of testdata/language against layerls and, asked the same requests on
// the same file, Docker's dockerfile-language-server-nodejs. Each file is a txtar archive of a workspace
// whose Dockerfile carries comment lines about the line above them (the first non-marker line up; "#@N"
// is about the Nth, for the lines of a heredoc, where a comment would be part of the text):
//
//	#@ loc NAME "text"             names the range of text on the line ("a[b]c": of b, where abc is)
//	#@ complete "a^b" L1 !L2       completion at ^ offers L1 and not L2 (labels compared as completionWord)
//	#@ hover "a^b" text...         the hover at ^ contains text (in any case)
//	#@ def "a^b" NAME              definition at ^ is exactly NAME ("-": nothing)
//	#@ refs "a^b" NAME...          references at ^ (declarations included) are exactly these
//	#@ highlight "a^b" *NAME NAME  document highlights at ^: *NAME a write, NAME a read
//	#@ rename "a^b" NEW NAME...    renaming at ^ to NEW edits exactly these ("!": refused)
//	#@ token "a^b" t1|t2[.mod]     the semantic token at ^ has one of these types (and the modifier)
//	#@ link "a^b" URL              a document link at ^ goes to URL ("-": no link there)
//
// layerls must pass every marker. The README's table of language features is the count of markers each
// server passes (go test ./lsp -run TestLanguage -update rewrites it).
func TestLanguage(t *testing.T) {
	files, err := filepath.Glob("testdata/language/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no marker files: %v", err)
	}
	passed := map[string]map[string]int{"layerls": {}, "docker-langserver": {}}
	total := map[string]int{}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			dir := t.TempDir()
			writeTxtar(t, file, dir)
			data, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
			if err != nil {
				t.Fatal(err)
			}
			text := string(data)
			markers, locs := parseLanguageMarkers(t, text)
			for _, m := range markers {
				total[m.kind]++
			}
			for _, s := range []*langServer{startLayerls(t, dir, text), startDockerLangserver(t, dir, text)} {
				for _, m := range markers {
					if err := checkMarker(s, m, locs); err != nil {
						if s.name == "layerls" {
							t.Errorf("line %d: %s %s: %v", m.line+1, m.kind, m.raw, err)
						} else if testing.Verbose() {
							t.Logf("%s, line %d: %s %s: %v", s.name, m.line+1, m.kind, m.raw, err)
						}
						continue
					}
					passed[s.name][m.kind]++
				}
			}
		})
	}
	if t.Failed() {
		return
	}
	checkFeatureTable(t, featureTable(passed, total))
}

// langMarker is one "#@" line.
type langMarker struct {
	kind, raw string
	line, col int // the position of ^ (0-based line, byte column)
	args      []string
}

var langMarkerLine = regexp.MustCompile(`^#@(\d*) (\w+) (.*)$`)

// parseLanguageMarkers reads the markers and the named ranges of a marked Dockerfile.
func parseLanguageMarkers(t *testing.T, text string) ([]langMarker, map[string]protocol.Range) {
	t.Helper()
	lines := strings.Split(text, "\n")
	var markers []langMarker
	locs := map[string]protocol.Range{}
	var above []int // the non-marker lines so far
	for i, line := range lines {
		m := langMarkerLine.FindStringSubmatch(line)
		if m == nil {
			above = append(above, i)
			continue
		}
		up := 1
		if m[1] != "" {
			up, _ = strconv.Atoi(m[1])
		}
		if up < 1 || up > len(above) {
			t.Fatalf("line %d: a marker with no line %d above it", i+1, up)
		}
		target := above[len(above)-up]
		m = m[1:]
		fields := markerFields(m[2])
		if m[1] == "loc" {
			if len(fields) != 2 {
				t.Fatalf("line %d: want loc NAME \"text\"", i+1)
			}
			// "a[b]c" names the range of b where abc is.
			plain := strings.NewReplacer("[", "", "]", "").Replace(fields[1])
			at := strings.Index(lines[target], plain)
			from, to := 0, len(plain)
			if l, r := strings.Index(fields[1], "["), strings.Index(fields[1], "]"); l >= 0 && r > l {
				from, to = l, r-1
			}
			if at < 0 {
				t.Fatalf("line %d: %q not on line %d", i+1, plain, target+1)
			}
			locs[fields[0]] = protocol.Range{
				Start: protocol.Position{Line: uint32(target), Character: uint32(at + from)},
				End:   protocol.Position{Line: uint32(target), Character: uint32(at + to)}}
			continue
		}
		if len(fields) == 0 || !strings.Contains(fields[0], "^") {
			t.Fatalf("line %d: want %s \"text^text\" ...", i+1, m[1])
		}
		plain := strings.Replace(fields[0], "^", "", 1)
		at := strings.Index(lines[target], plain)
		if at < 0 {
			t.Fatalf("line %d: %q not on line %d: %s", i+1, plain, target+1, lines[target])
		}
		markers = append(markers, langMarker{kind: m[1], raw: m[2], line: target, col: at + strings.Index(fields[0], "^"), args: fields[1:]})
	}
	return markers, locs
}

// markerFields splits a marker's arguments at blanks; "quoted text" is one field.
func markerFields(s string) []string {
	var out []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		if s[0] == '"' {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				return append(out, s[1:])
			}
			out = append(out, s[1:end+1])
			s = s[end+2:]
			continue
		}
		end := strings.IndexAny(s, " \t")
		if end < 0 {
			end = len(s)
		}
		out = append(out, s[:end])
		s = s[end:]
	}
	return out
}

// featureNames are the README's names of the markers' features, in the table's order.
var featureNames = [][2]string{
	{"complete", "completion"}, {"hover", "hover: instruction and flag docs, variable values, stages"},
	{"def", "go to definition"}, {"refs", "references"}, {"highlight", "document highlight"},
	{"rename", "rename"}, {"token", "semantic tokens"}, {"link", "document links"},
}

// featureTable is the README's table: each feature's markers passed per server.
func featureTable(passed map[string]map[string]int, total map[string]int) string {
	var b strings.Builder
	b.WriteString("| feature | layerls | dockerfile-language-server-nodejs 0.15 |\n| --- | --- | --- |\n")
	for _, f := range featureNames {
		fmt.Fprintf(&b, "| %s | %d/%d | %d/%d |\n", f[1], passed["layerls"][f[0]], total[f[0]], passed["docker-langserver"][f[0]], total[f[0]])
	}
	return b.String()
}

// checkFeatureTable compares the README's table (between the language-features comments) with the
// measured one, or writes it with -update.
func checkFeatureTable(t *testing.T, table string) {
	path := filepath.Join(repoRoot(t), "README.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- language-features: begin -->\n", "<!-- language-features: end -->"
	readme := string(data)
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q ... %q section", strings.TrimSpace(begin), end)
	}
	if got := readme[i+len(begin) : j]; got != table {
		if *update {
			if err := os.WriteFile(path, []byte(readme[:i+len(begin)]+table+readme[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("README.md's table of language features is not what was measured (go test ./lsp -run TestLanguage -update):\n%s\nmeasured:\n%s", got, table)
	}
}

// sameRanges compares two sets of ranges.
func sameRanges(got []protocol.Range, want []protocol.Range) error {
	key := func(r protocol.Range) string {
		return fmt.Sprintf("%d:%d-%d:%d", r.Start.Line+1, r.Start.Character, r.End.Line+1, r.End.Character)
	}
	var g, w []string
	for _, r := range got {
		g = append(g, key(r))
	}
	for _, r := range want {
		w = append(w, key(r))
	}
	sort.Strings(g)
	sort.Strings(w)
	if !slices.Equal(g, w) {
		return fmt.Errorf("got %v, want %v", g, w)
	}
	return nil
}

// rangesOf decodes a Location, a list of Locations or LocationLinks, or null.
func rangesOf(raw json.RawMessage) []protocol.Range {
	var list []struct {
		Range                *protocol.Range `json:"range"`
		TargetSelectionRange *protocol.Range `json:"targetSelectionRange"`
	}
	if json.Unmarshal(raw, &list) != nil {
		var one struct {
			Range *protocol.Range `json:"range"`
		}
		if json.Unmarshal(raw, &one) == nil && one.Range != nil {
			return []protocol.Range{*one.Range}
		}
		return nil
	}
	var out []protocol.Range
	for _, l := range list {
		if l.TargetSelectionRange != nil {
			out = append(out, *l.TargetSelectionRange)
		} else if l.Range != nil {
			out = append(out, *l.Range)
		}
	}
	return out
}
