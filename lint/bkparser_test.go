package lint

import (
	"bytes"
	"os"
	"reflect"
	"testing"

	"github.com/layerlint/layerlint/internal/bkparser"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// TestBKParserCorpus holds bkparser, which ParseDockerfile uses, to BuildKit's parser.Parse on every file
// of the real-world corpus: the same nodes, warnings and escape token, or the same error.
func TestBKParserCorpus(t *testing.T) {
	for _, file := range corpusFiles(t) {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		want, wantErr := parser.Parse(bytes.NewReader(src))
		got, gotErr := bkparser.Parse(bytes.NewReader(src))
		switch {
		case (wantErr == nil) != (gotErr == nil):
			t.Errorf("%s: error %v, BuildKit %v", file, gotErr, wantErr)
		case wantErr != nil && gotErr.Error() != wantErr.Error():
			t.Errorf("%s: error %q, BuildKit %q", file, gotErr, wantErr)
		case !reflect.DeepEqual(got, want):
			t.Errorf("%s: the parse differs from BuildKit's", file)
		}
	}
}
