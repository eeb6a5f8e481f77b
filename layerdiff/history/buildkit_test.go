package history

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/internal/buildkittest"
)

// TestAlignCurrentBuildKit builds testdata/history/buildkit with a current BuildKit (buildkitd from the Go
// module proxy, Debian's runc) and aligns it: heredocs (one, with a command, two), COPY --link, --chmod,
// RUN --mount, a COPY --link --from. Then it edits a heredoc's body, which must end the alignment there.
func TestAlignCurrentBuildKit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an image with buildkitd")
	}
	d := buildkittest.Start(t)
	ctxDir := filepath.Join(testdata, "history", "buildkit")
	out := filepath.Join(t.TempDir(), "buildkit.tar")
	d.Build(t, ctxDir, "buildkit:test", out, map[string]string{
		"localhost/layerlint/base": filepath.Join(testdata, "images", "base.tar"),
	})
	img := readImage(t, out)
	src, err := os.ReadFile(filepath.Join(ctxDir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	a, err := AlignPrefix(img, parseDockerfile(t, text))
	if err != nil {
		t.Fatal(err)
	}
	if !a.Complete() || a.Builder != BuilderBuildKit || a.Start != 6 || a.Matched != a.Instructions {
		t.Fatalf("complete %v builder %s start %d matched %d of %d: %v", a.Complete(), a.Builder, a.Start, a.Matched, a.Instructions, a.Err())
	}
	byLine := map[int]Step{}
	for _, s := range a.Steps {
		if s.Line > 0 {
			byLine[s.Line] = s
		}
	}
	// What today's BuildKit writes: --link and --from dropped, --chmod kept, heredocs inline, the marker on
	// every step that runs.
	for prefix, want := range map[string]string{
		"COPY --link a.txt":  "COPY a.txt /a.txt # buildkit",
		"COPY --chmod=755":   "COPY --chmod=755 run.sh /usr/local/bin/run # buildkit",
		"ADD --chmod=600":    "ADD --chmod=600 a.txt /secret.txt # buildkit",
		"COPY --link --from": "COPY /built.txt /built.txt # buildkit",
		"RUN --mount":        "RUN /bin/sh -c set -e\necho hello > /hello.txt\necho more >> /hello.txt\n # buildkit",
		"RUN <<EOT cat":      "RUN /bin/sh -c <<EOT cat > /etc/motd\nwelcome\nEOT # buildkit",
		"WORKDIR":            "WORKDIR /srv",
		"ENV MODE":           "ENV MODE=heredoc",
	} {
		s := byLine[lineOf(t, text, prefix)]
		if s.CreatedBy != want {
			t.Errorf("%s: created_by %q, want %q", prefix, s.CreatedBy, want)
		}
	}
	for _, s := range byLine {
		layered := s.Command == "RUN" || s.Command == "COPY" || s.Command == "ADD" || s.Command == "WORKDIR"
		if s.History < 0 || layered != (s.Layer >= 0 && !s.Empty) {
			t.Errorf("line %d %s: history %d layer %d", s.Line, s.Command, s.History, s.Layer)
		}
	}
	edited := strings.Replace(text, "echo more >>", "echo less >>", 1)
	a, err = AlignPrefix(img, parseDockerfile(t, edited))
	if err != nil {
		t.Fatal(err)
	}
	if want := lineOf(t, edited, "RUN --mount"); a.Diverged == nil || a.Diverged.Line != want || a.Matched != 4 {
		t.Errorf("edited heredoc: diverged %v, matched %d; want line %d after 4 matched", a.Diverged, a.Matched, want)
	}
}
