package lint

import (
	"context"
	"testing"
)

func TestApplyFixes(t *testing.T) {
	src := "FROM python:3.12-alpine\nRUN apk add curl \\\n    && pip install flask\nRUN apt-get update && apt-get install -y curl\n"
	df, err := ParseDockerfile("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Run(context.Background(), df)
	if err != nil {
		t.Fatal(err)
	}
	out, n := ApplyFixes(df, fs)
	// AptInstallRecommends' fix is not safe, so it is not applied.
	want := "FROM python:3.12-alpine\nRUN apk add --no-cache curl \\\n    && pip install --no-cache-dir flask\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"
	if string(out) != want || n != 3 {
		t.Errorf("applied %d fixes, text:\n%s\nwant 3 and:\n%s", n, out, want)
	}
	df2, err := ParseDockerfile("Dockerfile", out)
	if err != nil {
		t.Fatal(err)
	}
	fs2, err := Run(context.Background(), df2)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs2 {
		switch f.Rule {
		case "AptListsNotRemoved", "ApkCacheKept", "PipCacheKept":
			t.Errorf("still reported after fix: %+v", f)
		}
	}
}
