package lsp

import "strings"

// The Dockerfile's words with their places: what completion, definition, references, rename, highlight,
// semantic tokens, links and the syntax hovers read. BuildKit's AST has lines but no columns, so each
// instruction's lines are scanned again here; the AST says where instructions and heredocs are.

// tokenKind says what a token of the Dockerfile is.
type tokenKind int

const (
	tokKeyword   tokenKind = iota // an instruction keyword, AS in FROM, CMD in HEALTHCHECK
	tokFlag                       // a flag's name with its dashes: --from
	tokFlagValue                  // a flag's value that is not a stage: --platform=linux/amd64
	tokMountKey                   // a key of --mount's list: type, target, from
	tokVarDecl                    // a variable's name where ARG or ENV declares it
	tokVarRef                     // a variable's name where $NAME or ${NAME} uses it
	tokStageDecl                  // a stage's name in FROM ... AS name
	tokStageRef                   // a stage named in FROM, --from= or --mount=from=
	tokImage                      // the image of a FROM that is not a stage
	tokString                     // a quoted string
	tokComment                    // a comment line
	tokDirective                  // a parser directive: # syntax=, # escape=, # check=
)

// token is one word of the Dockerfile, on one line.
type token struct {
	kind       tokenKind
	line       int // 0-based
	start, end int // byte columns in the line, end exclusive
	text       string
	instr      int    // index in Snapshot.Instructions, -1 outside instructions
	stage      int    // the stage it is in, -1 before the first FROM
	keyword    string // the instruction's (for ONBUILD, the triggered instruction's) keyword
	flag       string // for flags, their values and mount keys: the flag's name without dashes
	value      string // for ARG and ENV declarations: the value written, "" when none
	hasValue   bool   // the declaration has "=value" (or ENV's legacy "NAME value")
}

// syntax is the scanned Dockerfile.
type syntax struct {
	tokens []token
	escape byte
}

// word is a whitespace-separated word of an instruction line, quotes kept.
type word struct {
	text       string
	line       int
	start, end int
}

// scanSyntax scans every instruction and comment of snap. It never fails: text the scanner does not
// understand yields no token.
func scanSyntax(snap *Snapshot) *syntax {
	sx := &syntax{escape: '\\'}
	if snap == nil || snap.lines == nil {
		return sx
	}
	if snap.AST != nil && snap.AST.EscapeToken == '`' {
		sx.escape = '`'
	}
	covered := make([]bool, snap.lines.count())
	for i, in := range snap.Instructions {
		for n := in.Line - 1; n < in.EndLine && n < len(covered); n++ {
			if n >= 0 {
				covered[n] = true
			}
		}
		sx.scanInstruction(snap, i, in)
	}
	sx.resolveFromStages()
	directives := true
	for n := 0; n < snap.lines.count(); n++ {
		text := snap.lines.line(n)
		trimmed := strings.TrimSpace(text)
		if trimmed == "" || covered[n] || !strings.HasPrefix(trimmed, "#") {
			directives = false
			continue
		}
		start := strings.Index(text, "#")
		kind := tokComment
		if directives && isDirective(trimmed) {
			kind = tokDirective
		} else {
			directives = false
		}
		sx.tokens = append(sx.tokens, token{kind: kind, line: n, start: start, end: len(text), text: text[start:], instr: -1, stage: -1})
	}
	return sx
}

// isDirective reports whether a comment at the top of the file is a parser directive.
func isDirective(comment string) bool {
	body := strings.TrimSpace(strings.TrimPrefix(comment, "#"))
	key, _, ok := strings.Cut(body, "=")
	if !ok {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(key)) {
	case "syntax", "escape", "check":
		return true
	}
	return false
}

// scanInstruction adds the tokens of one instruction: its keyword, flags and arguments on the lines up to
// its heredocs, and the variables its heredoc bodies expand.
func (sx *syntax) scanInstruction(snap *Snapshot, idx int, in Instr) {
	var words []word
	last := in.EndLine - 1
	bodyFrom := -1
	if in.Node != nil && len(in.Node.Heredocs) > 0 {
		// The header ends on the first line that does not continue: the heredoc bodies follow it.
		for n := in.Line - 1; n <= last; n++ {
			if !sx.continues(snap.lines.line(n)) {
				bodyFrom = n + 1
				last = n
				break
			}
		}
	}
	for n := in.Line - 1; n <= last && n < snap.lines.count(); n++ {
		text := snap.lines.line(n)
		if n > in.Line-1 {
			if t := strings.TrimSpace(text); strings.HasPrefix(t, "#") {
				start := strings.Index(text, "#")
				sx.tokens = append(sx.tokens, token{kind: tokComment, line: n, start: start, end: len(text), text: text[start:], instr: idx, stage: in.Stage})
				continue
			}
		}
		if sx.continues(text) {
			text = strings.TrimRight(text, " \t")
			text = text[:len(text)-1]
		}
		words = append(words, splitWords(text, n)...)
	}
	if len(words) == 0 {
		return
	}
	base := token{instr: idx, stage: in.Stage, keyword: in.Keyword}
	sx.add(base, tokKeyword, words[0])
	words = words[1:]
	kw := in.Keyword
	if kw == "ONBUILD" && len(words) > 0 {
		kw = strings.ToUpper(words[0].text)
		base.keyword = kw
		sx.add(base, tokKeyword, words[0])
		words = words[1:]
	}
	sx.scanArguments(base, kw, words)
	if bodyFrom > 0 {
		expand := true
		for _, h := range in.Node.Heredocs {
			expand = expand && h.Expand
		}
		for n := bodyFrom; n < in.EndLine && n < snap.lines.count(); n++ {
			if expand {
				sx.scanVars(base, word{text: snap.lines.line(n), line: n})
			}
		}
	}
}

// continues reports whether a line ends with the escape character: the instruction goes on.
func (sx *syntax) continues(line string) bool {
	t := strings.TrimRight(line, " \t")
	return t != "" && t[len(t)-1] == sx.escape && !strings.HasPrefix(strings.TrimSpace(t), "#")
}

// scanArguments adds the tokens of an instruction's flags and arguments.
func (sx *syntax) scanArguments(base token, kw string, words []word) {
	for len(words) > 0 && strings.HasPrefix(words[0].text, "--") {
		sx.scanFlag(base, words[0])
		words = words[1:]
	}
	switch kw {
	case "FROM":
		if len(words) > 0 {
			w := words[0]
			kind := tokImage
			if !strings.Contains(w.text, "$") && base.stage > 0 {
				kind = tokStageRef // resolved against the stages later; an unknown name is an image
			}
			sx.add(base, kind, w)
			sx.scanVars(base, w)
		}
		if len(words) > 2 && strings.EqualFold(words[1].text, "AS") {
			sx.add(base, tokKeyword, words[1])
			sx.add(base, tokStageDecl, words[2])
		}
	case "ARG":
		for _, w := range words {
			sx.scanDeclaration(base, w, "=")
		}
	case "ENV":
		if len(words) > 0 && !strings.Contains(words[0].text, "=") {
			d := base
			d.hasValue = len(words) > 1
			if d.hasValue {
				d.value = unquote(joinWords(words[1:]))
			}
			sx.add(d, tokVarDecl, words[0])
			for _, w := range words[1:] {
				sx.scanVars(base, w)
			}
			return
		}
		for _, w := range words {
			sx.scanDeclaration(base, w, "=")
		}
	case "RUN", "CMD", "ENTRYPOINT", "SHELL":
		sx.scanCommand(base, words)
	case "HEALTHCHECK":
		if len(words) > 0 && strings.EqualFold(words[0].text, "CMD") {
			sx.add(base, tokKeyword, words[0])
			sx.scanCommand(base, words[1:])
		}
	default:
		for _, w := range words {
			sx.scanStrings(base, w)
			sx.scanVars(base, w)
		}
	}
}

// scanCommand adds a command's strings, and its variables when the shell runs it (not the exec form).
func (sx *syntax) scanCommand(base token, words []word) {
	exec := len(words) > 0 && strings.HasPrefix(words[0].text, "[")
	for _, w := range words {
		sx.scanStrings(base, w)
		if !exec {
			sx.scanVars(base, w)
		}
	}
}

// scanFlag adds a flag, its value, and the stages and variables in it.
func (sx *syntax) scanFlag(base token, w word) {
	name, value, hasValue := strings.Cut(w.text[2:], "=")
	f := base
	f.flag = strings.ToLower(name)
	sx.tokens = append(sx.tokens, tok(f, tokFlag, w.line, w.start, w.start+2+len(name), w.text[:2+len(name)]))
	if !hasValue {
		return
	}
	vstart := w.start + 2 + len(name) + 1
	val := word{text: value, line: w.line, start: vstart, end: w.end}
	switch f.flag {
	case "from":
		if base.keyword == "COPY" && value != "" && !strings.Contains(value, "$") {
			sx.add(f, tokStageRef, val)
			return
		}
	case "mount":
		sx.scanMount(f, val)
		return
	}
	if value != "" {
		sx.add(f, tokFlagValue, val)
	}
	sx.scanVars(f, val)
}

// scanMount adds the keys of a --mount list and the stage of its from=.
func (sx *syntax) scanMount(f token, w word) {
	off := 0
	for _, part := range strings.Split(w.text, ",") {
		key, value, hasValue := strings.Cut(part, "=")
		start := w.start + off
		if key != "" {
			sx.tokens = append(sx.tokens, tok(f, tokMountKey, w.line, start, start+len(key), key))
		}
		if hasValue && value != "" {
			v := word{text: value, line: w.line, start: start + len(key) + 1, end: start + len(part)}
			if strings.EqualFold(key, "from") && !strings.Contains(value, "$") {
				sx.add(f, tokStageRef, v)
			} else {
				sx.scanVars(f, v)
			}
		}
		off += len(part) + 1
	}
}

// scanDeclaration adds NAME of NAME=value (or a bare NAME) as a declaration and the variables of its value.
func (sx *syntax) scanDeclaration(base token, w word, sep string) {
	name, value, hasValue := strings.Cut(w.text, sep)
	if !validVarName(name) {
		sx.scanVars(base, w)
		return
	}
	d := base
	d.hasValue, d.value = hasValue, unquote(value)
	sx.tokens = append(sx.tokens, tok(d, tokVarDecl, w.line, w.start, w.start+len(name), name))
	if hasValue {
		v := word{text: value, line: w.line, start: w.start + len(name) + 1, end: w.end}
		sx.scanStrings(base, v)
		sx.scanVars(base, v)
	}
}

// scanVars adds the variables that $NAME and ${NAME...} use in w. Single quotes and the escape character
// stop expansion, as in BuildKit's and the shell's word expansion.
func (sx *syntax) scanVars(base token, w word) {
	s := w.text
	single, double := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == sx.escape && !single:
			i++
		case c == '\'' && !double:
			single = !single
		case c == '"' && !single:
			double = !double
		case c == '$' && !single && i+1 < len(s):
			j := i + 1
			if s[j] == '{' {
				j++
			}
			k := j
			for k < len(s) && isNameByte(s[k], k == j) {
				k++
			}
			if k > j {
				sx.tokens = append(sx.tokens, tok(base, tokVarRef, w.line, w.start+j, w.start+k, s[j:k]))
				i = k - 1
			}
		}
	}
}

// scanStrings adds the quoted parts of w as strings.
func (sx *syntax) scanStrings(base token, w word) {
	s := w.text
	for i := 0; i < len(s); i++ {
		q := s[i]
		if q == sx.escape {
			i++
			continue
		}
		if q != '"' && q != '\'' {
			continue
		}
		j := i + 1
		for j < len(s) && s[j] != q {
			if s[j] == sx.escape && q == '"' {
				j++
			}
			j++
		}
		end := min(j+1, len(s))
		sx.tokens = append(sx.tokens, tok(base, tokString, w.line, w.start+i, w.start+end, s[i:end]))
		i = j
	}
}

func (sx *syntax) add(base token, kind tokenKind, w word) {
	sx.tokens = append(sx.tokens, tok(base, kind, w.line, w.start, w.end, w.text))
}

func tok(base token, kind tokenKind, line, start, end int, text string) token {
	base.kind, base.line, base.start, base.end, base.text = kind, line, start, end, text
	return base
}

// splitWords splits a line into words separated by unquoted blanks.
func splitWords(text string, line int) []word {
	var out []word
	i := 0
	for i < len(text) {
		for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
			i++
		}
		if i >= len(text) {
			break
		}
		start := i
		var quote byte
		for i < len(text) {
			c := text[i]
			if quote != 0 {
				if c == quote {
					quote = 0
				}
			} else if c == '"' || c == '\'' {
				quote = c
			} else if c == ' ' || c == '\t' {
				break
			}
			i++
		}
		out = append(out, word{text: text[start:i], line: line, start: start, end: i})
	}
	return out
}

func joinWords(ws []word) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.text
	}
	return strings.Join(parts, " ")
}

// unquote drops one pair of matching quotes around s.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

func isNameByte(c byte, first bool) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || !first && c >= '0' && c <= '9'
}

// validVarName reports whether s can name an ARG or ENV variable.
func validVarName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i], i == 0) {
			return false
		}
	}
	return true
}
