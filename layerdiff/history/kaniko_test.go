package history

import (
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// kaniko cannot run here (it rewrites the root file system it runs in), so its dialect is tested with literal
// histories in the form kaniko writes them: created_by is the instruction as written, the author is "kaniko",
// and instructions that make no layer may have no entry at all.
func kanikoEntry(createdBy string) v1.History {
	return v1.History{Author: "kaniko", CreatedBy: createdBy}
}

const kanikoDockerfile = `FROM debian:bookworm
ENV APP=/srv/app
WORKDIR /srv/app
ADD README.md /f
COPY --chown=1000 run.sh ./
RUN chmod +x /srv/app/run.sh \
 && ln -s /srv/app/run.sh /usr/local/bin/app
RUN ["/srv/app/run.sh", "--check"]
EXPOSE 8080
CMD ["app"]
`

func kanikoImage() []v1.History {
	return []v1.History{
		layer("/bin/sh -c #(nop) ADD file:abc in / "),
		empty(`/bin/sh -c #(nop)  CMD ["bash"]`),
		kanikoEntry("WORKDIR /srv/app"),
		kanikoEntry("ADD README.md /f"),
		kanikoEntry("COPY --chown=1000 run.sh ./"),
		kanikoEntry("RUN chmod +x /srv/app/run.sh  && ln -s /srv/app/run.sh /usr/local/bin/app"),
		kanikoEntry(`RUN ["/srv/app/run.sh", "--check"]`),
	}
}

func TestAlignKaniko(t *testing.T) {
	img := literalImage(kanikoImage()...)
	a, err := AlignPrefix(img, parseDockerfile(t, kanikoDockerfile))
	if err != nil {
		t.Fatal(err)
	}
	if !a.Complete() || a.Builder != BuilderKaniko || a.Start != 2 {
		t.Fatalf("complete %v builder %s start %d: %v", a.Complete(), a.Builder, a.Start, a.Err())
	}
	want := map[int]int{2: -1, 3: 2, 4: 3, 5: 4, 6: 5, 8: 6, 9: -1, 10: -1} // line → history entry
	for _, s := range a.Steps {
		if s.Line == 0 {
			continue
		}
		if h, ok := want[s.Line]; !ok || s.History != h {
			t.Errorf("line %d (%s): history entry %d, want %d", s.Line, s.Command, s.History, h)
		}
	}
	// Config steps kaniko did record align too.
	withConfig := append(kanikoImage()[:2:2], append([]v1.History{
		{Author: "kaniko", CreatedBy: "ENV APP=/srv/app", EmptyLayer: true}}, kanikoImage()[2:]...)...)
	if a, err := AlignPrefix(literalImage(withConfig...), parseDockerfile(t, kanikoDockerfile)); err != nil || !a.Complete() {
		t.Errorf("with a recorded ENV: %v", a.Err())
	}
}

// TestKanikoMismatchMessage edits a RUN of the kaniko Dockerfile: the message names the line and quotes the
// two commands, which differ, never the same text twice.
func TestKanikoMismatchMessage(t *testing.T) {
	img := literalImage(kanikoImage()...)
	for _, edit := range []struct{ old, new string }{
		{"chmod +x", "chmod 0755"},
		{`"--check"]`, `"--check", "--verbose"]`},
		{"ADD README.md /f", "ADD README.md /g"},
	} {
		text := strings.Replace(kanikoDockerfile, edit.old, edit.new, 1)
		a, err := AlignPrefix(img, parseDockerfile(t, text))
		if err != nil {
			t.Fatal(err)
		}
		if a.Diverged == nil {
			t.Fatalf("%s → %s: no difference found", edit.old, edit.new)
		}
		msg := a.Diverged.Error()
		quotes := quotedStrings(msg)
		for i := range quotes {
			for j := i + 1; j < len(quotes); j++ {
				if quotes[i] == quotes[j] {
					t.Errorf("message quotes %s twice: %s", quotes[i], msg)
				}
			}
		}
		if !strings.Contains(msg, "line ") || strings.Contains(msg, "\n") {
			t.Errorf("message %q", msg)
		}
	}
}

// quotedStrings returns the Go-quoted strings in s.
func quotedStrings(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			return out
		}
		j := i + 1
		for j < len(s) && s[j] != '"' {
			if s[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(s) {
			return out
		}
		out = append(out, s[i:j+1])
		s = s[j+1:]
	}
}

func TestMismatchNeverQuotesTwice(t *testing.T) {
	long := strings.Repeat("apt-get install -y package ", 5)
	e := &MismatchError{Line: 3, Instruction: "RUN " + long + "a", History: 4, CreatedBy: "RUN " + long + "b",
		Reason: "RUN command differs"}
	q := quotedStrings(e.Error())
	if len(q) != 2 || q[0] == q[1] {
		t.Errorf("quotes %v in %s", q, e.Error())
	}
	same := &MismatchError{Line: 3, Instruction: "RUN make", History: 4, CreatedBy: "RUN make", Reason: "build arguments differ"}
	if q := quotedStrings(same.Error()); len(q) != 1 {
		t.Errorf("identical texts quoted %d times: %s", len(q), same.Error())
	}
}
