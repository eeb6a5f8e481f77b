package bkparser

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Matches reports how the result of Parse differs from BuildKit's parser.Parse on src, or "" when it does
// not: the same nodes, warnings and escape token, or the same error message and locations.
func Matches(src []byte) string {
	want, wantErr := parser.Parse(bytes.NewReader(src))
	got, gotErr := Parse(bytes.NewReader(src))
	if (wantErr == nil) != (gotErr == nil) {
		return "errors: got " + errString(gotErr) + ", BuildKit " + errString(wantErr)
	}
	if wantErr != nil {
		if gotErr.Error() != wantErr.Error() || !reflect.DeepEqual(locations(gotErr), locations(wantErr)) {
			return "errors: got " + errString(gotErr) + ", BuildKit " + errString(wantErr)
		}
		return ""
	}
	if !reflect.DeepEqual(got, want) {
		return "got\n" + dump(got) + "\nBuildKit\n" + dump(want)
	}
	return ""
}

func errString(err error) string {
	if err == nil {
		return "none"
	}
	return err.Error()
}

func locations(err error) [][]parser.Range {
	var le *parser.LocationError
	if errors.As(err, &le) {
		return le.Locations
	}
	return nil
}

func dump(r *parser.Result) string {
	var b strings.Builder
	for _, n := range r.AST.Children {
		b.WriteString(n.Dump())
		b.WriteString("\n")
	}
	return b.String()
}

// cases are the parser's corner cases: continuations with blanks, escaped escapes, the backtick escape,
// comments and empty lines inside continuations, heredocs, JSON forms, directives, a BOM, CRLF.
var cases = []string{
	"FROM alpine\nRUN a \\\n  b\n",
	"FROM alpine\nRUN a \\ \t\n  b\n",
	"FROM alpine\nRUN a \\\\\nRUN b\n",
	"FROM alpine\nRUN a \\\\\\\n b\n",
	"FROM alpine\nRUN \\\n\n  b\n",
	"FROM alpine\nRUN a \\\n# comment\n  b\n",
	"FROM alpine\n\\\nRUN b\n",
	"FROM alpine\nRUN a\\\n",
	"# escape=`\nFROM alpine\nRUN a `\n  b\nRUN c \\\n",
	"# escape=`\nFROM alpine\nRUN a ``\nRUN b\n",
	"\xef\xbb\xbf# syntax=docker/dockerfile:1\nFROM alpine\r\nRUN a \\\r\n b\r\n",
	"FROM alpine\nRUN <<EOF\necho hi\nEOF\nCOPY <<-EOT /x\n\tbody\n\tEOT\n",
	"FROM alpine\nRUN <<EOF\nunterminated\n",
	"FROM alpine\nCMD [\"a\", \"b\"]\nENTRYPOINT [\"x\"\nSHELL [\"sh\", \"-c\"]\n",
	"FROM alpine\nENV A=b C d\nLABEL a=b \"c d\"=e\nARG X\nARG Y=z\n",
	"FROM alpine\nHEALTHCHECK --interval=5s CMD true\nONBUILD RUN echo <<EOF\nx\nEOF\n",
	"FROM alpine\nRUN --mount=type=cache,target=/x --network=none a\nCOPY --from=b --chown=1:1 a b\n",
	"FROM alpine\nFROM\n",
	"# only a comment\n",
	"",
	"FROM alpine\nRUN caf\xc3\xa9\\\n x\nRUN \xff\\\n y\n",
	"FROM alpine\nMAINTAINER me\nEXPOSE 80 443/udp\nUSER a\nWORKDIR /x\nVOLUME [\"/v\"]\nSTOPSIGNAL 9\nbogus a b\n",
}

func TestParseMatchesBuildKit(t *testing.T) {
	for _, c := range cases {
		if diff := Matches([]byte(c)); diff != "" {
			t.Errorf("%q: %s", c, diff)
		}
	}
}

// FuzzParseMatchesBuildKit holds Parse to BuildKit's parser.Parse on any input.
func FuzzParseMatchesBuildKit(f *testing.F) {
	for _, c := range cases {
		f.Add([]byte(c))
	}
	_ = filepath.WalkDir(filepath.Join("..", "..", "testdata"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(d.Name(), "Dockerfile") {
			if src, err := os.ReadFile(path); err == nil {
				f.Add(src)
			}
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, src []byte) {
		if diff := Matches(src); diff != "" {
			t.Errorf("%q: %s", src, diff)
		}
	})
}
