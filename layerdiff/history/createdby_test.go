package history

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/layerlint/layerlint/internal/shell"
)

func TestParseCreatedBy(t *testing.T) {
	sh := []string{"/bin/sh", "-c"}
	tests := []struct {
		in   string
		want CreatedBy
	}{
		// BuildKit.
		{"RUN /bin/sh -c apt-get update # buildkit", CreatedBy{DialectBuildKit, "RUN", "apt-get update", nil, sh}},
		{"RUN |1 VERSION=2.0.0 /bin/sh -c echo $VERSION > /v # buildkit",
			CreatedBy{DialectBuildKit, "RUN", "echo $VERSION > /v", []string{"VERSION=2.0.0"}, sh}},
		{"RUN |2 A=1 B=2 /bin/bash -o pipefail -c make | tee log # buildkit",
			CreatedBy{DialectBuildKit, "RUN", "make | tee log", []string{"A=1", "B=2"}, []string{"/bin/bash", "-o", "pipefail", "-c"}}},
		{"RUN echo hi # buildkit", CreatedBy{DialectBuildKit, "RUN", "echo hi", nil, nil}},
		{"RUN /bin/sh -c set -e\napt-get update\n # buildkit", CreatedBy{DialectBuildKit, "RUN", "set -e\napt-get update", nil, sh}},
		{"COPY . . # buildkit", CreatedBy{DialectBuildKit, "COPY", ". .", nil, nil}},
		{"COPY --chown=app --chmod=644 a b /dst/ # buildkit", CreatedBy{DialectBuildKit, "COPY", "--chown=app --chmod=644 a b /dst/", nil, nil}},
		{"ADD https://example.com/x.tgz /opt/ # buildkit", CreatedBy{DialectBuildKit, "ADD", "https://example.com/x.tgz /opt/", nil, nil}},
		{"WORKDIR /app", CreatedBy{DialectBuildKit, "WORKDIR", "/app", nil, nil}},
		{"ENV A=b", CreatedBy{DialectBuildKit, "ENV", "A=b", nil, nil}},
		{`CMD ["a" "b"]`, CreatedBy{DialectBuildKit, "CMD", `["a" "b"]`, nil, nil}},
		{"EXPOSE map[8080/tcp:{}]", CreatedBy{DialectBuildKit, "EXPOSE", "map[8080/tcp:{}]", nil, nil}},
		{"ARG VERSION=1.0", CreatedBy{DialectBuildKit, "ARG", "VERSION=1.0", nil, nil}},
		// Legacy builder and buildah.
		{"/bin/sh -c #(nop) COPY dir:0123abcd in /app ", CreatedBy{DialectLegacy, "COPY", "dir:0123abcd in /app", nil, nil}},
		{"/bin/sh -c #(nop) COPY file:0123abcd in ./ ", CreatedBy{DialectLegacy, "COPY", "file:0123abcd in ./", nil, nil}},
		{`/bin/sh -c #(nop)  CMD ["sh"]`, CreatedBy{DialectLegacy, "CMD", `["sh"]`, nil, nil}},
		{"/bin/sh -c #(nop) WORKDIR /app", CreatedBy{DialectLegacy, "WORKDIR", "/app", nil, nil}},
		{"/bin/sh -c #(nop) ARG VERSION", CreatedBy{DialectLegacy, "ARG", "VERSION", nil, nil}},
		{"/bin/sh -c apt-get update", CreatedBy{DialectLegacy, "RUN", "apt-get update", nil, sh}},
		{"|1 VERSION=1.0.0 /bin/sh -c rm -rf /app/tmp", CreatedBy{DialectLegacy, "RUN", "rm -rf /app/tmp", []string{"VERSION=1.0.0"}, sh}},
		{"/bin/sh -c --mount=type=cache,target=/root/.cache go build", CreatedBy{DialectLegacy, "RUN", "go build", nil, sh}},
		{`/bin/sh -c ["/bin/busybox", "--install"]`, CreatedBy{DialectLegacy, "RUN", `["/bin/busybox", "--install"]`, nil, sh}},
		{"cmd /S /C echo hi", CreatedBy{DialectLegacy, "RUN", "echo hi", nil, []string{"cmd", "/S", "/C"}}},
		// kaniko: the instruction as written.
		{"RUN chmod +x /x", CreatedBy{DialectKaniko, "RUN", "chmod +x /x", nil, nil}},
		{"ADD README.md /f", CreatedBy{DialectKaniko, "ADD", "README.md /f", nil, nil}},
		{`RUN ["/x", "--check"]`, CreatedBy{DialectKaniko, "RUN", `["/x", "--check"]`, nil, nil}},
		// Not a builder's.
		{"", CreatedBy{}},
		{"echo hi", CreatedBy{Command: "RUN", Body: "echo hi"}},
		{"#(nop) FROBNICATE x", CreatedBy{Body: "#(nop) FROBNICATE x"}},
		{"whatever # buildkit", CreatedBy{Body: "whatever # buildkit"}},
		{"|x A=b /bin/sh -c x", CreatedBy{Command: "RUN", Body: "|x A=b /bin/sh -c x"}},
		{"/bin/sh -x echo", CreatedBy{Command: "RUN", Body: "/bin/sh -x echo"}},
	}
	for _, tt := range tests {
		if got := ParseCreatedBy(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseCreatedBy(%q)\n got %#v\nwant %#v", tt.in, got, tt.want)
		}
	}
}

func FuzzParseCreatedBy(f *testing.F) {
	for _, s := range []string{
		"RUN |1 A=b /bin/sh -c make # buildkit", "/bin/sh -c #(nop)  CMD [\"sh\"]", "|3 A=1", "/bin/sh -c --mount=x",
		"EXPOSE map[80/tcp:{}]", "cmd /S /C dir", "/bin/bash -o", "|99999999999999999999 x", "  # buildkit",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cb := ParseCreatedBy(s)
		if cb.Command != "" && !keywords[cb.Command] {
			t.Fatalf("Command %q is not a keyword", cb.Command)
		}
		if cb.Dialect == DialectUnknown && cb.Shell != nil {
			t.Fatalf("a shell without a dialect: %#v", cb)
		}
		if utf8.ValidString(s) && !strings.Contains(s, strings.TrimSpace(cb.Body)) {
			t.Fatalf("Body %q is not part of %q", cb.Body, s)
		}
		if cb.Body != strings.TrimSpace(cb.Body) && cb.Command != "RUN" {
			t.Fatalf("Body %q is not trimmed", cb.Body)
		}
		_ = cb.Dialect.String()
		// The matchers take any Body without panicking.
		parseList(cb.Body)
		keyAt(cb.Body, "A")
		shell.Unquote(cb.Body)
	})
}

func TestSameWords(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"", "", true},
		{"  \t\n", "", true},
		{"a b", "a b", true},
		{"set -e; \\\n    echo x", "set -e; \\ echo x", true},
		{" a  b ", "a b", true},
		{"a b", "a bc", false},
		{"a bc", "a b", false},
		{"ab", "a b", false},
		{"a b", "a b c", false},
		{"a", "", false},
		{"a\u00a0b", "a b", true}, // Unicode white space, as strings.Fields sees it
		{"é b", "é  b", true},
		{"é b", "è b", false},
	} {
		if got := SameWords(tc.a, tc.b); got != tc.want {
			t.Errorf("SameWords(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// FuzzSameWords holds SameWords to the comparison it stands for.
func FuzzSameWords(f *testing.F) {
	f.Add("a  b", "a b")
	f.Add("a\u00a0b\t", " a b")
	f.Add("x", "xy")
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := SameWords(a, b), collapse(a) == collapse(b); got != want {
			t.Fatalf("SameWords(%q, %q) = %v, collapse says %v", a, b, got, want)
		}
	})
}
