package shell

import "strings"

// Fields splits text into words at white space outside quotes and removes
// the quotes and backslash escapes, as the shell does for one simple
// command. Unlike Parse it knows no operators: it is for text that is one
// command's arguments, such as the body of a history entry.
func Fields(text string) []string {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote rune
	escaped := false
	for _, r := range text {
		switch {
		case escaped:
			escaped = false
		case r == '\\' && quote != '\'':
			escaped, inWord = true, true
			continue
		case quote != 0 && r == quote:
			quote = 0
			continue
		case quote == 0 && (r == '"' || r == '\''):
			quote, inWord = r, true
			continue
		case quote == 0 && (r == ' ' || r == '\t' || r == '\n' || r == '\r'):
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
			continue
		}
		cur.WriteRune(r)
		inWord = true
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out
}

// Unquote removes the quotes and backslash escapes of text, keeping its
// white space: "a b" and a\ b are both a b.
func Unquote(text string) string {
	var b strings.Builder
	var quote rune
	escaped := false
	for _, r := range text {
		switch {
		case escaped:
			escaped = false
		case r == '\\' && quote != '\'':
			escaped = true
			continue
		case quote != 0 && r == quote:
			quote = 0
			continue
		case quote == 0 && (r == '"' || r == '\''):
			quote = r
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
