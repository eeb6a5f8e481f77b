package lint

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
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

// TestParseDockerfileFromCorpus holds ParseDockerfileFrom, given BuildKit's own parse, to ParseDockerfile
// on every file of the corpus: the same error, or the same instructions and the same findings of every
// rule and of BuildKit's checks.
func TestParseDockerfileFromCorpus(t *testing.T) {
	ctx := context.Background()
	for _, file := range corpusFiles(t) {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(file)
		want, wantErr := ParseDockerfile(name, src)
		res, err := parser.Parse(bytes.NewReader(src))
		if err != nil {
			if wantErr == nil {
				t.Errorf("%s: BuildKit's parser fails (%v), ParseDockerfile does not", file, err)
			}
			continue
		}
		got, gotErr := ParseDockerfileFrom(name, src, res)
		if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
			t.Errorf("%s: error %v, ParseDockerfile's %v", file, gotErr, wantErr)
			continue
		}
		if gotErr != nil {
			continue
		}
		if len(got.Instructions) != len(want.Instructions) {
			t.Errorf("%s: %d instructions, ParseDockerfile %d", file, len(got.Instructions), len(want.Instructions))
			continue
		}
		for _, bk := range []bool{false, true} {
			gf, err1 := Run(ctx, got, WithBuildKitChecks(bk))
			wf, err2 := Run(ctx, want, WithBuildKitChecks(bk))
			if err1 != nil || err2 != nil {
				t.Errorf("%s: running the rules: %v, %v", file, err1, err2)
				continue
			}
			if !reflect.DeepEqual(gf, wf) {
				t.Errorf("%s (BuildKit checks %v): findings differ:\n%v\n%v", file, bk, gf, wf)
			}
		}
	}
}
