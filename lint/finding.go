package lint

import (
	"fmt"
	"strings"
)

// Severity ranks findings; higher is more severe.
type Severity int

// Severities, from least to most severe. Off disables a rule.
const (
	Off Severity = iota
	Info
	Warning
	Error
)

// String returns the lowercase name used in output and configuration.
func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	default:
		return "off"
	}
}

// ParseSeverity parses error, warning, info or off (and none, a synonym of off).
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error":
		return Error, nil
	case "warning", "warn":
		return Warning, nil
	case "info":
		return Info, nil
	case "off", "none":
		return Off, nil
	}
	return Off, fmt.Errorf("unknown severity %q (want error, warning, info or off)", s)
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Finding is one problem a rule reports. Lines and columns are 1-based;
// columns count bytes and EndCol is exclusive, as in SARIF.
type Finding struct {
	Rule     string
	Severity Severity
	File     string
	Line     int
	EndLine  int
	Col      int
	EndCol   int
	Message  string
	// URL documents the rule.
	URL string
	// Bytes is the measured cost of the finding, set only when an image is
	// given (see Evidence).
	Bytes *int64
	// Fix is an optional suggested edit.
	Fix *Fix
}

// Fix is a suggested change made of text edits on the Dockerfile.
type Fix struct {
	Title string
	Edits []TextEdit
	// Safe fixes keep the build's meaning and are applied by --fix; others are
	// only offered (for example as editor code actions).
	Safe bool
}

// TextEdit replaces the text between two positions (1-based line and byte
// column, end exclusive) with NewText.
type TextEdit struct {
	StartLine int
	StartCol  int
	EndLine   int
	EndCol    int
	NewText   string
}

// Position is a 1-based line and byte column.
type Position struct {
	Line int
	Col  int
}

// Range is a span of source text; End is exclusive.
type Range struct {
	Start Position
	End   Position
}
