package lint

import (
	"context"
	"errors"
	"strings"
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

func FuzzSplitShell(f *testing.F) {
	f.Add(`apt-get update && apt-get install -y "a b" || true; echo 'x' | tee /f 2>&1 > /dev/null`)
	f.Add("set -eux; \\\n cd /x && $(echo a) `b` # c")
	f.Fuzz(func(t *testing.T, script string) {
		s := SplitShell(script)
		for _, c := range s.Commands {
			for _, w := range c.Words {
				if w.Start < 0 || w.End > len(script)+1 || w.End < w.Start {
					t.Fatalf("word %q at %d-%d outside script of %d bytes", w.Text, w.Start, w.End, len(script))
				}
			}
		}
	})
}

func TestSplitShell(t *testing.T) {
	tests := []struct {
		script string
		want   string // commands as program:op, space separated
	}{
		{"apt-get update && apt-get install -y x", "apt-get:&& apt-get:"},
		{"a; b || c | d & e", "a:; b:|| c:| d:& e:"},
		{"set -e\nfoo \\\n  bar\n# comment && x\nbaz", "set:\n foo:\n baz:"},
		{`echo "a && b" 'c; d'`, "echo:"},
		{"sudo DEBIAN_FRONTEND=noninteractive apt-get install x", "apt-get:"},
		{"cat <<EOF > /f", "cat:"},
		{"(cd /x && make) > /log 2>&1", "cd:&& make:)"},
	}
	for _, tt := range tests {
		s := SplitShell(tt.script)
		var got []string
		for _, c := range s.Commands {
			got = append(got, c.Program()+":"+c.Op)
		}
		if g := strings.Join(got, " "); g != tt.want {
			t.Errorf("SplitShell(%q) = %q, want %q", tt.script, g, tt.want)
		}
	}
	s := SplitShell(`echo "a&&b" x`)
	if w := s.Commands[0].Words[1]; w.Text != "a&&b" || w.Start != 5 || w.End != 11 {
		t.Errorf("quoted word = %+v", w)
	}
	if !SplitShell("set -eux\nx").ErrExit || SplitShell("set -x").ErrExit {
		t.Error("set -e detection is wrong")
	}
}
