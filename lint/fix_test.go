package lint

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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

// fixUntilStable applies the safe fixes of the given rules' findings, lints
// the result again and repeats while fixes apply (two fixes that edit the
// same place apply in turn), as layerlint --fix does.
func fixUntilStable(t *testing.T, name string, src []byte, opts ...Option) []byte {
	t.Helper()
	for round := 0; round < 5; round++ {
		df, err := ParseDockerfile(name, src)
		if err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, src)
		}
		fs, err := Run(context.Background(), df, opts...)
		if err != nil {
			t.Fatal(err)
		}
		out, n := ApplyFixes(df, fs)
		if n == 0 {
			return src
		}
		src = out
	}
	t.Fatalf("fixes still apply after 5 rounds:\n%s", src)
	return nil
}

// TestReorderFix applies CacheBustingCopy's fix to each testdata/reorder
// case, a Dockerfile with its build context: the result must equal
// Dockerfile.fixed and lint clean of CacheBustingCopy. A case with
// nofix.txt instead must get no fix, and a message saying why (the text of
// nofix.txt).
func TestReorderFix(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/reorder/*")
	if len(dirs) == 0 {
		t.Fatal("no testdata/reorder cases")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			file := filepath.Join(dir, "Dockerfile")
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			opts := []Option{WithRules(CacheBustingCopy), WithBuildKitChecks(false), WithConfig(&Config{Context: dir})}
			df, err := ParseDockerfile(file, src)
			if err != nil {
				t.Fatal(err)
			}
			fs, err := Run(context.Background(), df, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) == 0 {
				t.Fatal("no CacheBustingCopy finding")
			}
			if why, err := os.ReadFile(filepath.Join(dir, "nofix.txt")); err == nil {
				for _, f := range fs {
					if f.Fix != nil || !strings.Contains(f.Message, "no automatic fix: "+strings.TrimSpace(string(why))) {
						t.Errorf("want no fix because %q; got fix %v, message %q", strings.TrimSpace(string(why)), f.Fix, f.Message)
					}
				}
				return
			}
			got := fixUntilStable(t, file, src, opts...)
			want, err := os.ReadFile(filepath.Join(dir, "Dockerfile.fixed"))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("fixed:\n%s\nwant:\n%s", got, want)
			}
			df2, err := ParseDockerfile(file, got)
			if err != nil {
				t.Fatal(err)
			}
			fs2, _ := Run(context.Background(), df2, opts...)
			for _, f := range fs2 {
				t.Errorf("after the fix: %s", f.Message)
			}
		})
	}
}
