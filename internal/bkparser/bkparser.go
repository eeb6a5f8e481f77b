// Package bkparser is BuildKit's Dockerfile parser (github.com/moby/buildkit/frontend/dockerfile/parser,
// v0.34.2) without its per-line regular expression: Parse returns the same *parser.Result, node for node,
// and the same errors, at about a third of the cost. BuildKit matches every physical line against
// ([^\\])\\[ \t]*$|^\\[ \t]*$ to find line continuations, and Go's backtracking matcher tries it from every
// byte: that match was two thirds of parser.Parse's time, and parsing half of layerlint's.
//
// The files beside this one are BuildKit's parse.go (parser.go upstream), line_parsers.go and
// split_command.go, under the Apache License 2.0 (Copyright The BuildKit Authors; the licence is in LICENSE
// beside them). The changes:
// trimContinuationCharacter scans bytes instead of matching the regular expression; the directives no
// longer compile that expression on every Parse; the result is built from BuildKit's own exported types
// (parser.Node, parser.Result, ...) and helpers (parser.ParseHeredoc, parser.WithLocation), so nothing
// downstream (instructions.Parse, the linter) can tell the two parsers apart. TestParseMatchesBuildKit and
// FuzzParseMatchesBuildKit hold the two to the same output.
package bkparser

import (
	"bytes"
)

func discardBOM(dt []byte) []byte {
	return bytes.TrimPrefix(dt, []byte{0xEF, 0xBB, 0xBF})
}
