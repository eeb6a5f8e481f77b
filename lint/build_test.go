package lint

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/internal/buildahtest"
	"github.com/layerlint/layerlint/internal/debiantest"
	"github.com/layerlint/layerlint/internal/fixturecache"
	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/source"
)

// debianBuilds builds Dockerfiles FROM internal/debiantest's Debian base with
// buildah. A build that runs apt-get costs a minute, so each image is kept in
// internal/fixturecache under a key of everything it is
// built from, and built only when missing.
type debianBuilds struct {
	t    *testing.T
	base string
	b    *buildahtest.Builder
}

// buildsFormat changes whenever what debianBuilds writes changes.
const buildsFormat = "lint-builds-v1"

func newDebianBuilds(t *testing.T) *debianBuilds {
	return &debianBuilds{t: t, base: debiantest.Archive(t)}
}

// builder returns the buildah store with the Debian base loaded.
func (d *debianBuilds) builder() *buildahtest.Builder {
	if d.b == nil {
		d.b = buildahtest.New(d.t)
		d.b.LoadArchive(d.base, debiantest.Tag)
	}
	return d.b
}

// writeContext writes a build context: the Dockerfile and the files.
func writeContext(t *testing.T, dockerfile []byte, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	files["Dockerfile"] = dockerfile
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	delete(files, "Dockerfile")
	return dir
}

// archive returns a docker-archive of the image built from dockerfile and
// files, building it when the cache has none.
func (d *debianBuilds) archive(name string, dockerfile []byte, files map[string][]byte) string {
	d.t.Helper()
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", buildsFormat, debiantest.Inputs(), dockerfile)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "%s %d\n%s\n", n, len(files[n]), files[n])
	}
	file := fmt.Sprintf("lint-%s-%s.tar", name, hex.EncodeToString(h.Sum(nil))[:16])
	return fixturecache.T(d.t, file, func(tmp string) error {
		ctxDir := writeContext(d.t, dockerfile, files)
		tag := "localhost/layerlint/lint-" + strings.ToLower(name) + ":test"
		d.builder().Build(filepath.Join(ctxDir, "Dockerfile"), ctxDir, tag, "--network", "host")
		d.builder().Archive(tag, tmp, "lint-"+strings.ToLower(name)+":test")
		return nil
	})
}

// imageBytes returns the bytes of file contents in every layer of an image:
// what it stores and ships.
func imageBytes(t *testing.T, archive string) int64 {
	t.Helper()
	ctx := context.Background()
	src, err := source.OpenString(ctx, archive)
	if err != nil {
		t.Fatal(err)
	}
	img, err := layerdiff.NewReader().ReadImage(ctx, archive, src)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, l := range img.Layers {
		n += l.FileBytes
	}
	return n
}

// appFiles is the build context's app/: 64 KiB the COPY brings in.
func appFiles() map[string][]byte {
	data := make([]byte, 60<<10)
	for i := range data {
		data[i] = byte('a' + i%26)
	}
	return map[string][]byte{"app/run.sh": []byte("#!/bin/sh\nexec jq --version\n" + strings.Repeat("#\n", 2046)), "app/data.txt": data}
}

// TestBytesAreWhatTheFixSaves builds testdata/bytes/Dockerfile with buildah,
// lints it against the image, and for each finding that carries bytes
// builds the Dockerfile again with that finding's fix (its automatic fix, or
// for the rules without one the advice of its message, written out in
// testdata/bytes/fixed.RULE.Dockerfile) and measures both images: the image
// must shrink by the bytes the finding claims, within 1%.
func TestBytesAreWhatTheFixSaves(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Debian images with buildah")
	}
	builds := newDebianBuilds(t)
	src, err := os.ReadFile("testdata/bytes/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	unfixed := builds.archive("bytes", src, appFiles())
	df, ev := loadEvidence(t, "testdata/bytes/Dockerfile", unfixed)
	fs, err := Run(context.Background(), df, WithEvidence(ev))
	if err != nil {
		t.Fatal(err)
	}
	total := imageBytes(t, unfixed)
	handWritten := map[string]string{
		"PackageCacheInLayer": "fixed.PackageCacheInLayer.Dockerfile",
		"RemovedInLaterLayer": "fixed.RemovedInLaterLayer.Dockerfile",
		"WastedBytes":         "fixed.RemovedInLaterLayer.Dockerfile",
	}
	measured := map[string]bool{}
	for _, f := range fs {
		if f.Bytes == nil {
			continue
		}
		key := fmt.Sprintf("%s@%d", f.Rule, f.Line)
		measured[key] = true
		var fixed []byte
		if f.Fix != nil {
			fix := *f.Fix
			fix.Safe = true // apply offered fixes too: the claim is about the fix
			g := f
			g.Fix = &fix
			var n int
			if fixed, n = ApplyFixes(df, []Finding{g}); n != 1 {
				t.Fatalf("%s: its fix does not apply", key)
			}
		} else if name, ok := handWritten[f.Rule]; ok {
			if fixed, err = os.ReadFile(filepath.Join("testdata/bytes", name)); err != nil {
				t.Fatal(err)
			}
		} else {
			t.Errorf("%s carries %d bytes but has no fix to check them with", key, *f.Bytes)
			continue
		}
		saved := total - imageBytes(t, builds.archive(strings.ToLower(f.Rule), fixed, appFiles()))
		claim := *f.Bytes
		t.Logf("%s: claims %d bytes, its fix saves %d", key, claim, saved)
		if claim <= 0 || saved < claim*99/100 || saved > claim*101/100 {
			t.Errorf("%s: claims %s, but its fix saves %s (%d of %d bytes)", key, layerdiff.FormatSize(claim), layerdiff.FormatSize(saved), claim, saved)
		}
	}
	// The Dockerfile makes each of these mistakes once: none may go unmeasured.
	for _, key := range []string{"AptListsNotRemoved@5", "PackageCacheInLayer@5", "SeparateChown@7", "WastedBytes@8", "RemovedInLaterLayer@9"} {
		if !measured[key] {
			t.Errorf("no finding %s with bytes (got %v)", key, measured)
		}
	}
}

// TestReorderFixKeepsTheCache proves CacheBustingCopy's reorder fix with
// buildah's own cache record: after a source edit, the install that follows
// COPY . /app runs again; once the fix has moved it above the COPY, buildah
// takes it from its cache.
func TestReorderFixKeepsTheCache(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Debian images with buildah")
	}
	builds := newDebianBuilds(t)
	// apt-get install of a package the base has needs no network.
	src := []byte("FROM localhost/layerlint/debian:bookworm\nCOPY . /app\nRUN apt-get install -y --no-install-recommends debconf\nCMD [\"cat\", \"/app/main.txt\"]\n")
	files := map[string][]byte{"main.txt": []byte("v1\n")}
	ctxDir := writeContext(t, src, files)
	df, err := ParseDockerfile("Dockerfile", src)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Run(context.Background(), df, WithRules(CacheBustingCopy), WithConfig(&Config{Context: ctxDir}))
	if err != nil {
		t.Fatal(err)
	}
	fixed, n := ApplyFixes(df, fs)
	if n != 1 {
		t.Fatalf("no reorder fix: %v", fs)
	}
	// With the image, the finding says what every source edit rebuilds,
	// measured.
	file := filepath.Join(ctxDir, "Dockerfile")
	dfImg, ev := loadEvidence(t, file, builds.archive("reorder", src, files))
	fs, err = Run(context.Background(), dfImg, WithRules(CacheBustingCopy), WithEvidence(ev), WithConfig(&Config{Context: ctxDir}))
	if err != nil {
		t.Fatal(err)
	}
	facts, ok := ev.LayerForLine(3)
	wantCost := fmt.Sprintf("the %s install on line 3 re-runs on every source edit", layerdiff.FormatSize(facts.Size))
	if !ok || facts.Size <= 0 || len(fs) != 1 || !strings.Contains(fs[0].Message, wantCost) {
		t.Errorf("with the image: %v, want a message with %q", fs, wantCost)
	}
	before, after := builds.installCachedAfterEdit(src, "v1\n", "v2\n"), builds.installCachedAfterEdit(fixed, "v1\n", "v2\n")
	if before {
		t.Error("before the fix: the install was cached after a source edit; the test proves nothing")
	}
	if !after {
		t.Errorf("after the fix the install still re-runs on a source edit:\n%s", fixed)
	}
}

// installCachedAfterEdit builds dockerfile with main.txt holding v1, then
// again with v2, and reports whether buildah took the apt-get install step
// of the second build from its cache. The answer depends only on the inputs
// and is kept in the fixture cache like the images, so that the four builds
// run once per machine.
func (d *debianBuilds) installCachedAfterEdit(dockerfile []byte, v1, v2 string) bool {
	t := d.t
	t.Helper()
	h := sha256.New()
	// The record is buildah's answer, so buildah's version is one of its inputs.
	version, _ := exec.Command("buildah", "--version").Output()
	fmt.Fprintf(h, "%s\nreorder\n%s\n%s\n%s\n%s\n%s\n", buildsFormat, debiantest.Inputs(), version, dockerfile, v1, v2)
	record := fixturecache.T(t, fmt.Sprintf("lint-reorder-%s.txt", hex.EncodeToString(h.Sum(nil))[:16]), func(tmp string) error {
		b := d.builder()
		var cached []bool
		for _, body := range []string{v1, v2} {
			dir := writeContext(t, dockerfile, map[string][]byte{"main.txt": []byte(body)})
			steps := b.Build(filepath.Join(dir, "Dockerfile"), dir, "localhost/layerlint/lint-reorder:test")
			found := false
			for _, s := range steps {
				if strings.HasPrefix(s.Instruction, "RUN apt-get install") {
					cached, found = append(cached, s.Cached), true
				}
			}
			if !found {
				t.Fatalf("no install step among %+v", steps)
			}
		}
		answer := "re-run"
		if cached[1] {
			answer = "cached"
		}
		return os.WriteFile(tmp, []byte(answer+"\n"), 0o644)
	})
	b, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b)) == "cached"
}
