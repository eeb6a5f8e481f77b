package lint

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// ErrNoInstructions is wrapped by the ParseError for an empty or
// comments-only Dockerfile.
var ErrNoInstructions = errors.New("file with no instructions")

// ErrInternal is wrapped by the ParseError for a Dockerfile that made the
// parser or the model built from it panic: a bug in layerlint or BuildKit,
// not in the file. Users see one clean error line; tests and fuzz targets
// treat it as a failure.
var ErrInternal = errors.New("internal error")

// ErrBinary is wrapped by the ParseError for a file that holds binary data
// (a NUL byte or bytes that are not UTF-8): not a Dockerfile.
var ErrBinary = errors.New("binary data")

// ParseError reports a Dockerfile the parser rejects.
type ParseError struct {
	File string
	// Line is 1-based, or 0 when the parser gave no location.
	Line int
	// Message is the parser's message without its location prefix.
	Message string
	// Err is the underlying error.
	Err error
}

// Error formats the error as file:line: message.
func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Message)
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

var lineRef = regexp.MustCompile(`^(?:dockerfile parse error )?(?:on )?line (\d+): `)

func newParseError(file string, err error) *ParseError {
	pe := &ParseError{File: file, Err: err, Message: err.Error()}
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		pe.Line = le.Locations[0][0].Start.Line
	}
	if m := lineRef.FindStringSubmatch(pe.Message); m != nil {
		if pe.Line == 0 {
			_, _ = fmt.Sscanf(m[1], "%d", &pe.Line)
		}
		pe.Message = pe.Message[len(m[0]):]
	}
	return pe
}
