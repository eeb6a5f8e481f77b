package lsp

import (
	"sort"
	"strconv"
	"strings"

	"go.lsp.dev/protocol"
)

// Completion offers what can be written at pos: instruction keywords at the start of an instruction (and
// after ONBUILD), the instruction's flags after "--", the values of --network, --platform and the like,
// --mount's keys and values, earlier stages after FROM, --from= and from=, AS after FROM's image, the
// variables visible at pos after "$" or "${", and global and predefined ARGs after ARG. Each item replaces
// the partial word before pos.
func Completion(snap *Snapshot, pos protocol.Position) *protocol.CompletionList {
	list := &protocol.CompletionList{Items: []protocol.CompletionItem{}}
	if snap == nil || snap.lines == nil {
		return list
	}
	col, ok := snap.lines.byteCol(pos)
	if !ok {
		return list
	}
	line := int(pos.Line)
	text := snap.lines.line(line)
	before := text[:col]
	start := strings.LastIndexAny(before, " \t") + 1
	cur := before[start:]
	c := completer{snap: snap, list: list, line: line, col: col}

	in, inInstr := snap.instructionAt(line)
	if !inInstr {
		in = Instr{Line: line + 1, EndLine: line + 1, Stage: snap.stageAtLine(line), Keyword: ""}
	}
	// The words of the instruction before the cursor's word.
	var prev []string
	for n := in.Line - 1; n <= line; n++ {
		t := snap.lines.line(n)
		if n == line {
			t = before[:start]
		}
		if tt := strings.TrimSpace(t); n > in.Line-1 && strings.HasPrefix(tt, "#") {
			continue
		}
		prev = append(prev, strings.Fields(strings.TrimSuffix(strings.TrimRight(t, " \t"), "\\"))...)
	}
	if strings.HasPrefix(strings.TrimSpace(text), "#") && (!inInstr || line == in.Line-1) {
		return list // a comment
	}
	if d := strings.LastIndexByte(cur, '$'); d >= 0 && !strings.Contains(cur[d:], "}") {
		name := strings.TrimPrefix(cur[d+1:], "{")
		if validVarName(name) || name == "" {
			c.variables(in, start+len(cur)-len(name), len(prev) > 0 && strings.EqualFold(prev[0], "FROM"))
			return list
		}
	}
	switch {
	case len(prev) == 0 || len(prev) == 1 && strings.EqualFold(prev[0], "ONBUILD"):
		c.keywords(start)
		return list
	}
	kw := strings.ToUpper(prev[0])
	args := prev[1:]
	if kw == "ONBUILD" && len(args) > 0 {
		kw, args = strings.ToUpper(args[0]), args[1:]
	}
	flagsOnly := true
	for _, a := range args {
		flagsOnly = flagsOnly && strings.HasPrefix(a, "--")
	}
	if strings.HasPrefix(cur, "-") && flagsOnly {
		name, value, hasValue := strings.Cut(strings.TrimLeft(cur, "-"), "=")
		vstart := start + strings.Index(cur, "=") + 1
		switch {
		case !hasValue:
			for _, f := range instructionDocs[kw].Flags {
				c.add("--"+f.Name, protocol.CompletionItemKindProperty, f.Doc, start)
			}
		case name == "from" && kw == "COPY":
			c.stages(in.Stage, vstart)
		case name == "mount" && kw == "RUN":
			c.mount(in.Stage, value, vstart)
		default:
			if f, ok := flagOf(kw, strings.ToLower(name)); ok {
				for _, v := range f.Values {
					c.add(v, protocol.CompletionItemKindValue, "", vstart)
				}
			}
		}
		return list
	}
	var plain []string // the arguments after the flags
	for _, a := range args {
		if !strings.HasPrefix(a, "--") || len(plain) > 0 {
			plain = append(plain, a)
		}
	}
	switch {
	case kw == "FROM" && len(plain) == 0:
		c.stages(in.Stage, start)
	case kw == "FROM" && len(plain) == 1:
		c.add("AS", protocol.CompletionItemKindKeyword, "names this stage, for FROM, COPY --from= and RUN --mount=from= in later stages and for --target.", start)
	case kw == "ARG" && in.Stage >= 0:
		c.globalArgs(in, start)
	case kw == "HEALTHCHECK" && len(plain) == 0:
		c.add("CMD", protocol.CompletionItemKindKeyword, "the command that checks the container's health.", start)
		c.add("NONE", protocol.CompletionItemKindKeyword, "turns off a health check the base image sets.", start)
	}
	return list
}

// completer collects items that replace the text from a byte column to the cursor.
type completer struct {
	snap      *Snapshot
	list      *protocol.CompletionList
	line, col int
}

func (c *completer) add(label string, kind protocol.CompletionItemKind, doc string, from int) {
	it := protocol.CompletionItem{
		Label: label, Kind: kind,
		TextEdit: &protocol.TextEdit{
			Range:   protocol.Range{Start: c.snap.lines.position(c.line+1, from+1), End: c.snap.lines.position(c.line+1, c.col+1)},
			NewText: label,
		},
	}
	if doc != "" {
		it.Documentation = protocol.MarkupContent{Kind: protocol.Markdown, Value: doc}
	}
	c.list.Items = append(c.list.Items, it)
}

func (c *completer) keywords(from int) {
	kws := make([]string, 0, len(instructionDocs))
	for kw := range instructionDocs {
		kws = append(kws, kw)
	}
	sort.Strings(kws)
	for _, kw := range kws {
		d := instructionDocs[kw]
		c.add(kw, protocol.CompletionItemKindKeyword, d.Summary+"\n\n`"+d.Syntax+"`", from)
	}
}

// stages offers the names of the stages before stage.
func (c *completer) stages(stage, from int) {
	for _, st := range scanSyntax(c.snap).stages() {
		if st.index < stage && st.name != "" {
			c.add(st.name, protocol.CompletionItemKindModule, "stage "+st.name, from)
		}
	}
}

// mount offers --mount's keys, or the values of the key being written.
func (c *completer) mount(stage int, value string, vstart int) {
	comma := strings.LastIndexByte(value, ',')
	part := value[comma+1:]
	pstart := vstart + comma + 1
	key, _, hasValue := strings.Cut(part, "=")
	if !hasValue {
		for _, k := range mountKeys {
			c.add(k.Name, protocol.CompletionItemKindProperty, k.Doc, pstart)
		}
		return
	}
	if mountKeyName(key) == "from" {
		c.stages(stage, pstart+len(key)+1)
		return
	}
	if f, ok := flagOf("--mount", mountKeyName(key)); ok {
		for _, v := range f.Values {
			c.add(v, protocol.CompletionItemKindValue, "", pstart+len(key)+1)
		}
	}
}

// variables offers the ARGs and ENVs visible in the instruction: in a FROM line the global ARGs and the
// predefined platform ARGs; in a stage its own and, for ENVs, its parent stages'.
func (c *completer) variables(in Instr, from int, fromLine bool) {
	sx := scanSyntax(c.snap)
	idx := c.snap.instrIndex(in.Line)
	seen := map[string]bool{}
	for _, t := range sx.tokens {
		if t.kind != tokVarDecl || seen[t.text] {
			continue
		}
		if d := sx.varDeclBefore(t.text, in.Stage, idx, fromLine || in.Stage < 0); d >= 0 {
			seen[t.text] = true
			var b strings.Builder
			sx.describeVariable(c.snap, &b, d)
			c.add(t.text, protocol.CompletionItemKindVariable, b.String(), from)
		}
	}
	if fromLine || in.Stage < 0 {
		for _, a := range predefinedArgs {
			if !seen[a] {
				c.add(a, protocol.CompletionItemKindVariable, "set by BuildKit", from)
			}
		}
	}
}

// globalArgs offers, after ARG in a stage, the global ARGs (an ARG without a value brings them in) and the
// predefined ones.
func (c *completer) globalArgs(in Instr, from int) {
	sx := scanSyntax(c.snap)
	seen := map[string]bool{}
	for _, t := range sx.tokens {
		if t.kind == tokVarDecl && t.stage < 0 && !seen[t.text] {
			seen[t.text] = true
			c.add(t.text, protocol.CompletionItemKindVariable, "the global build argument of line "+strconv.Itoa(t.line+1), from)
		}
	}
	for _, a := range predefinedArgs {
		if !seen[a] {
			c.add(a, protocol.CompletionItemKindVariable, "set by BuildKit", from)
		}
	}
}

// instrIndex returns the index of the instruction starting at 1-based line, or the number of instructions
// before that line.
func (s *Snapshot) instrIndex(line int) int {
	for i, in := range s.Instructions {
		if in.Line >= line {
			return i
		}
	}
	return len(s.Instructions)
}

// stageAtLine returns the stage a 0-based line is in: the last FROM at or before it.
func (s *Snapshot) stageAtLine(line int) int {
	stage := -1
	for _, in := range s.Instructions {
		if in.Line-1 <= line {
			stage = in.Stage
		}
	}
	return stage
}
