package lint

import (
	"context"
	"errors"
	"testing"
)

func FuzzParseDockerfile(f *testing.F) {
	f.Add("FROM alpine\nRUN apk add curl && rm -rf /var/cache/apk/*\n")
	f.Add("FROM debian AS b\nRUN <<EOF\nset -e\napt-get update\nEOF\nCOPY . .\n")
	f.Add("# escape=`\nFROM x\nRUN a `\n  && b\n")
	f.Fuzz(func(t *testing.T, src string) {
		df, err := ParseDockerfile("Dockerfile", []byte(src))
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error is %T, want *ParseError", err)
			}
			// A panic turned into a clean error line is still a bug.
			if errors.Is(err, ErrInternal) {
				t.Fatalf("parsing panicked: %v", err)
			}
			return
		}
		fs, err := Run(context.Background(), df)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Line < 1 || f.Line > df.LineCount() {
				t.Fatalf("finding outside the file: %+v", f)
			}
		}
		ApplyFixes(df, fs)
	})
}
