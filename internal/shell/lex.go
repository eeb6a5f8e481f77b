package shell

import "strings"

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func (p *parser) skipSpaces() {
	for p.i < len(p.text) && (p.text[p.i] == ' ' || p.text[p.i] == '\t') {
		p.i++
	}
}

// word reads one word at p.i, removing quotes and escapes. Command
// substitutions ($(...), `...`) and ${...} stay in the word as written.
func (p *parser) word() Word {
	t := p.text
	start := p.i
	var b strings.Builder
	for p.i < len(t) {
		c := t[p.i]
		switch {
		case strings.IndexByte(" \t\r\n;&|()<>", c) >= 0:
			return Word{Text: b.String(), Start: p.off(start), End: p.off(p.i-1) + 1}
		case c == '\\':
			if p.i+1 < len(t) {
				if t[p.i+1] != '\n' {
					b.WriteByte(t[p.i+1])
				}
				p.i += 2
			} else {
				p.i++
			}
		case c == '\'':
			end := strings.IndexByte(t[p.i+1:], '\'')
			if end < 0 {
				end = len(t) - p.i - 1
			}
			b.WriteString(t[p.i+1 : p.i+1+end])
			p.i += end + 2
		case c == '"':
			p.i++
			for p.i < len(t) && t[p.i] != '"' {
				if t[p.i] == '\\' && p.i+1 < len(t) && strings.IndexByte("\"\\$`\n", t[p.i+1]) >= 0 {
					if t[p.i+1] != '\n' {
						b.WriteByte(t[p.i+1])
					}
					p.i += 2
					continue
				}
				if t[p.i] == '$' && p.i+1 < len(t) && t[p.i+1] == '(' {
					end := matchParen(t, p.i+1)
					b.WriteString(t[p.i:end])
					p.i = end
					continue
				}
				b.WriteByte(t[p.i])
				p.i++
			}
			p.i++
		case c == '`':
			end := strings.IndexByte(t[p.i+1:], '`')
			if end < 0 {
				end = len(t) - p.i - 1
			}
			stop := min(p.i+end+2, len(t))
			b.WriteString(t[p.i:stop])
			p.i = stop
		case c == '$' && p.i+1 < len(t) && (t[p.i+1] == '(' || t[p.i+1] == '{'):
			end := matchParen(t, p.i+1)
			b.WriteString(t[p.i:end])
			p.i = end
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	if p.i > len(t) {
		p.i = len(t)
	}
	return Word{Text: b.String(), Start: p.off(start), End: p.off(max(start, p.i-1)) + 1}
}

// matchParen returns the offset after the bracket closing the one at open
// ('(' or '{'), or len(t).
func matchParen(t string, open int) int {
	o := t[open]
	cl := byte(')')
	if o == '{' {
		cl = '}'
	}
	depth := 0
	for j := open; j < len(t); j++ {
		switch t[j] {
		case o:
			depth++
		case cl:
			depth--
			if depth == 0 {
				return j + 1
			}
		case '\'':
			if o == '(' {
				if k := strings.IndexByte(t[j+1:], '\''); k >= 0 {
					j += k + 1
				}
			}
		}
	}
	return len(t)
}
