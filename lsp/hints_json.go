package lsp

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// hintList is an inlay-hint answer that encodes itself. A 3,000-line Dockerfile's answer is 600 hints and
// a quarter of a megabyte with their tooltips, and encoding it by reflection took a third of a keystroke's
// round trip. Its JSON decodes to the same hints as encoding/json's (FuzzHintListJSON).
type hintList []InlayHint

// MarshalJSON implements json.Marshaler.
func (hs hintList) MarshalJSON() ([]byte, error) {
	size := 2
	for _, h := range hs {
		size += 96 + len(h.Label) + len(h.Tooltip)
	}
	b := make([]byte, 0, size)
	b = append(b, '[')
	for i, h := range hs {
		if i > 0 {
			b = append(b, ',')
		}
		if len(h.TextEdits) > 0 || h.Data != nil {
			// Never sent by this server; encoding/json knows how.
			data, err := json.Marshal(h)
			if err != nil {
				return nil, err
			}
			b = append(b, data...)
			continue
		}
		b = append(b, `{"position":{"line":`...)
		b = strconv.AppendUint(b, uint64(h.Position.Line), 10)
		b = append(b, `,"character":`...)
		b = strconv.AppendUint(b, uint64(h.Position.Character), 10)
		b = append(b, `},"label":`...)
		b = appendJSONString(b, h.Label)
		if h.Kind != 0 {
			b = append(b, `,"kind":`...)
			b = strconv.AppendUint(b, uint64(h.Kind), 10)
		}
		if h.Tooltip != "" {
			b = append(b, `,"tooltip":`...)
			b = appendJSONString(b, h.Tooltip)
		}
		if h.PaddingLeft {
			b = append(b, `,"paddingLeft":true`...)
		}
		if h.PaddingRight {
			b = append(b, `,"paddingRight":true`...)
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// appendJSONString appends s as a JSON string: quotes, backslashes and control characters escaped, invalid
// UTF-8 replaced by U+FFFD as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
