package lint

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/internal/buildahtest"
	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/history"
)

// loadEvidence parses a Dockerfile and measures the image built from it.
func loadEvidence(t *testing.T, dockerfile, image string) (*Dockerfile, Evidence) {
	t.Helper()
	src, err := os.ReadFile(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	df, err := ParseDockerfile(dockerfile, src)
	if err != nil {
		t.Fatal(err)
	}
	ev, img, err := LoadImageEvidence(context.Background(), image, df, "")
	if err != nil {
		t.Fatal(err)
	}
	if img == nil || len(img.Layers) == 0 {
		t.Fatalf("%s: no layers", image)
	}
	return df, ev
}

// TestImageRules builds testdata/image/Dockerfile with buildah and checks the
// image-only rules against its "# want" comments and the bytes each RUN wrote.
func TestImageRules(t *testing.T) {
	b := buildahtest.New(t)
	b.LoadArchive("../testdata/images/base.tar", "localhost/layerlint/base:latest")
	ctxDir := t.TempDir()
	buildahtest.CopyTree(t, "testdata/image", ctxDir)
	b.Build(filepath.Join(ctxDir, "Dockerfile"), ctxDir, "localhost/layerlint/lint-image:test", "--timestamp", "0")
	archive := filepath.Join(t.TempDir(), "image.tar")
	b.Archive("localhost/layerlint/lint-image:test", archive, "layerlint/lint-image:test")

	file := "testdata/image/Dockerfile"
	df, ev := loadEvidence(t, file, archive)
	cfg, _, err := LoadConfig(file)
	if err != nil {
		t.Fatal(err)
	}
	findings := checkWants(t, file, WithEvidence(ev), WithConfig(cfg))

	const kib = 1024
	wantBytes := map[string]int64{
		"PackageCacheInLayer@7":  2048 * kib,
		"PackageCacheInLayer@10": 1536 * kib,
		"WastedBytes@21":         512 * kib,
		// The file dd wrote on line 21, deleted here: exactly the layer's
		// waste.
		"RemovedInLaterLayer@23": 512 * kib,
	}
	for _, f := range findings {
		key := f.Rule + "@" + strconv.Itoa(f.Line)
		want, ok := wantBytes[key]
		if !ok {
			continue
		}
		delete(wantBytes, key)
		if f.Bytes == nil || *f.Bytes != want {
			t.Errorf("%s: bytes = %v, want %d", key, f.Bytes, want)
		}
		if f.Rule == "WastedBytes" && !strings.Contains(f.Message, "deleted by line 23") {
			t.Errorf("%s: message does not name the deleting line: %s", key, f.Message)
		}
	}
	for key := range wantBytes {
		t.Errorf("no finding %s", key)
	}
	// LargeLayer names the layer's size but claims no bytes: splitting a
	// layer saves none of them.
	large := false
	for _, f := range findings {
		if f.Rule == "LargeLayer" {
			large = f.Line == 18 && f.Bytes == nil && strings.Contains(f.Message, layerdiff.FormatSize(3072*kib))
		}
	}
	if !large {
		t.Error("no LargeLayer on line 18 naming 3.1 MB without bytes")
	}

	// The facts behind the findings, line by line.
	for line, want := range map[int]int64{7: 2048 * kib, 10: 1536 * kib, 12: 0, 15: 0} {
		f, ok := ev.LayerForLine(line)
		if !ok {
			t.Fatalf("line %d: no layer", line)
		}
		if line == 15 {
			want = 4 * kib // under the threshold, but measured
		}
		if f.CacheBytes != want {
			t.Errorf("line %d: CacheBytes = %d, want %d", line, f.CacheBytes, want)
		}
	}
	if f, ok := ev.LayerForLine(13); !ok || f.Line != 12 {
		t.Errorf("continuation line 13: facts %+v, %v; want the RUN on line 12", f, ok)
	}
	if _, ok := ev.LayerForLine(26); ok {
		t.Error("CMD on line 26 has no layer, but LayerForLine found one")
	}
	// Without an image the image-only rules stay quiet.
	plain, err := Run(context.Background(), df, WithConfig(cfg))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range plain {
		if r, _ := Lookup(f.Rule); r != nil && r.NeedsImage || f.Bytes != nil {
			t.Errorf("without an image: %s on line %d (bytes %v)", f.Rule, f.Line, f.Bytes)
		}
	}
}

// TestImageEvidenceApp checks the committed app images: app-v2 wastes 332
// bytes, split over the COPY on line 7 and the RUN on line 8, and the static
// rules that found the waste carry its measured share: each deletion the
// bytes of the files it hides, adding up to the waste of the layers.
func TestImageEvidenceApp(t *testing.T) {
	df, ev := loadEvidence(t, "../testdata/images/app-v2/Dockerfile", "../testdata/images/app-v2.tar")
	cfg := &Config{Rules: map[string]RuleConfig{"WastedBytes": {Settings: map[string]any{"threshold": "1B"}}}}
	fs, err := Run(context.Background(), df, WithEvidence(ev), WithConfig(cfg))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	var total int64
	for _, f := range fs {
		if f.Bytes == nil {
			continue
		}
		got[f.Rule+"@"+strconv.Itoa(f.Line)+":"+strconv.Itoa(f.Col)] = *f.Bytes
		if f.Rule == "WastedBytes" {
			total += *f.Bytes
		}
	}
	want := map[string]int64{
		"WastedBytes@7:1": 275, "WastedBytes@8:1": 57,
		"RemovedInLaterLayer@26:12": 14,  // /app/tmp: build.log, written by line 8
		"RemovedInLaterLayer@26:21": 101, // /app/static/old.js, copied by line 7
		"RemovedInLaterLayer@26:40": 24,  // /app/cache/*: entry.tmp and index.tmp, line 8
		"RemovedInLaterLayer@28:8":  9,   // /app/logs, line 8
		"RemovedInLaterLayer@29:12": 10,  // /app/data/seed.txt, line 8
		"SeparateChown@33:16":       140, // chmod run.sh
		"SeparateChown@34:21":       34,  // chown robots.txt
	}
	if total != 332 {
		t.Errorf("WastedBytes add up to %d, want 332", total)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: bytes %d, want %d (all: %v)", k, got[k], w, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("findings with bytes: %v, want %v", got, want)
	}
	// Under the default threshold (100kB) the few hundred bytes are not worth
	// a finding.
	fs, _ = Run(context.Background(), df, WithEvidence(ev))
	for _, f := range fs {
		if f.Rule == "WastedBytes" {
			t.Errorf("default threshold: %s on line %d", f.Rule, f.Line)
		}
	}
}

// TestImageEvidencePrefix lints app-v2's Dockerfile against app-v1's image,
// built from the Dockerfile before its changes: the instructions above the
// first change are measured, ImageOutOfDate says where the image ends, and the
// instructions below carry no bytes. An image that holds none of the
// Dockerfile's instructions is an error naming the Dockerfile line and the
// image.
func TestImageEvidencePrefix(t *testing.T) {
	src, err := os.ReadFile("../testdata/images/app-v2/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df, err := ParseDockerfile("app-v2/Dockerfile", src)
	if err != nil {
		t.Fatal(err)
	}
	ev, _, err := LoadImageEvidence(context.Background(), "../testdata/images/app-v1.tar", df, "")
	if err != nil {
		t.Fatal(err)
	}
	pre, ok := Prefix(ev)
	if !ok || pre.Diverged == nil || pre.Matched == 0 || pre.LastMatched == 0 || pre.LastMatched >= pre.Diverged.Line {
		t.Fatalf("prefix %+v, %v", pre, ok)
	}
	// The COPY on line 7 is in both versions: measured. The first changed
	// instruction and all after it are not.
	if f, ok := ev.LayerForLine(7); !ok || f.Size <= 0 {
		t.Errorf("line 7: %+v, %v", f, ok)
	}
	for _, in := range df.Instructions {
		if _, ok := ev.LayerForLine(in.StartLine); ok && in.StartLine >= pre.Diverged.Line {
			t.Errorf("line %d, after the change on line %d, is measured", in.StartLine, pre.Diverged.Line)
		}
	}
	fs, err := Run(context.Background(), df, WithEvidence(ev))
	if err != nil {
		t.Fatal(err)
	}
	var out []Finding
	for _, f := range fs {
		if f.Rule == "ImageOutOfDate" {
			out = append(out, f)
		}
		if f.Bytes != nil && f.Line >= pre.Diverged.Line {
			t.Errorf("%s on line %d, below the change, claims %d bytes", f.Rule, f.Line, *f.Bytes)
		}
	}
	if len(out) != 1 || out[0].Line != pre.Diverged.Line || !strings.Contains(out[0].Message, "up to line "+strconv.Itoa(pre.LastMatched)) {
		t.Errorf("ImageOutOfDate: %+v (prefix %+v)", out, pre)
	}

	// The base image holds none of the Dockerfile's own instructions.
	_, _, err = LoadImageEvidence(context.Background(), "../testdata/images/base.tar", df, "")
	var mm *history.MismatchError
	if !errors.As(err, &mm) {
		t.Fatalf("base image: err = %v, want a *history.MismatchError", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "app-v2/Dockerfile:") || !strings.Contains(msg, "base.tar") || strings.Contains(msg, "\n") {
		t.Errorf("error %q does not name the Dockerfile line and the image on one line", msg)
	}
	_, _, err = LoadImageEvidence(context.Background(), "testdata/no-such-image.tar", df, "")
	if err == nil || !strings.Contains(err.Error(), "no-such-image.tar") {
		t.Errorf("missing image: err = %v", err)
	}
}
