package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/internal/fixturecache"
	"github.com/layerlint/layerlint/layerdiff"
)

// diffReport is `layerdiff --format json A B`.
func diffReport(t *testing.T, a, b, cacheDir string) *layerdiff.Report {
	t.Helper()
	code, out, errOut := layerdiffIn(t, cacheDir, "--format", "json", a, b)
	if code != exitDifferent {
		t.Fatalf("layerdiff %s %s: exit %d: %s", a, b, code, errOut)
	}
	var rep layerdiff.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	return &rep
}

// classOf is how the page must class a changed path, from the diff's JSON alone.
func classOf(f layerdiff.FileChange) string {
	switch {
	case f.Change == layerdiff.Added:
		return "added"
	case f.Change == layerdiff.Deleted:
		return "deleted"
	case f.SizeB > f.SizeA:
		return "grew"
	case f.SizeB < f.SizeA:
		return "shrank"
	}
	return "changed"
}

// checkDiffPage checks a diff's report against the diff's JSON and B's history: the changes view holds every
// changed path's bytes under the step of B that wrote or deleted it, each rectangle of one path coloured as
// its change in the JSON; B's view holds history's bytes per step; the steps table shows what each step grew
// and shrank; the table of changed paths filters as the JSON says.
func checkDiffPage(t *testing.T, p *page, rep *layerdiff.Report, steps []historyStep, filters []browserQuery) {
	t.Helper()
	stepOfLayer := map[int]int{}
	for i, s := range steps {
		if s.LayerIndex != nil {
			stepOfLayer[*s.LayerIndex] = i
		}
	}
	byPath := map[string]layerdiff.FileChange{}
	want := map[string]int64{} // bytes by step and class
	grew, shrank := map[int]int64{}, map[int]int64{}
	for _, f := range rep.Files {
		byPath[f.Path] = f
		step := -1
		if f.Layer != nil {
			step = stepOfLayer[f.Layer.Index]
			if d := f.SizeB - f.SizeA; d > 0 {
				grew[step] += d
			} else {
				shrank[step] -= d
			}
		}
		want[fmt.Sprint(step, classOf(f))] += max(f.SizeA, f.SizeB)
	}
	got := map[string]int64{}
	single := 0
	for _, l := range p.Views["changes"].Leaves {
		got[fmt.Sprint(l.Step, l.Change)] += l.Bytes
		if l.Fill != rgb(t, p.Colors[l.Change]) {
			t.Errorf("changes: %s (%s) is filled %s, the %s colour is %s", l.Path, l.Change, l.Fill, l.Change, p.Colors[l.Change])
		}
		if l.Count > 0 {
			continue // small files taken together
		}
		single++
		f, ok := byPath[l.Path]
		if !ok {
			t.Errorf("changes: %s is not a changed path", l.Path)
			continue
		}
		if l.Change != classOf(f) || l.Bytes != max(f.SizeA, f.SizeB) {
			t.Errorf("changes: %s drawn as %s, %d bytes; the JSON says %s, %d → %d", l.Path, l.Change, l.Bytes, f.Change, f.SizeA, f.SizeB)
		}
	}
	for k, n := range want {
		if n > 0 && got[k] != n {
			t.Errorf("changes: step and class %s hold %d bytes, the JSON %d", k, got[k], n)
		}
	}
	for k, n := range got {
		if want[k] != n {
			t.Errorf("changes: step and class %s hold %d bytes, the JSON %d", k, n, want[k])
		}
	}
	if single == 0 {
		t.Error("changes: no rectangle stands for one path")
	}

	// B's own treemap: history's bytes per step, and its changed files coloured as in the JSON.
	checkTreemapSteps(t, p.Views["image"], steps)
	for _, l := range p.Views["image"].Leaves {
		if l.Count > 0 || l.Wasted || l.Change == "" {
			continue
		}
		if f := byPath[l.Path]; classOf(f) != l.Change || l.Fill != rgb(t, p.Colors[l.Change]) {
			t.Errorf("image B: %s drawn as %s (%s); the JSON says %s", l.Path, l.Change, l.Fill, classOf(f))
		}
	}
	checkStepsTable(t, p, steps)
	for i := range steps {
		w := map[string]string{"grew": "", "shrank": ""}
		if grew[i] > 0 {
			w["grew"] = "+" + layerdiff.FormatSize(grew[i])
		}
		if shrank[i] > 0 {
			w["shrank"] = "-" + layerdiff.FormatSize(shrank[i])
		}
		for k, v := range w {
			if p.Steps[i].Cells[k] != v {
				t.Errorf("step %d: the page shows %s %q, the JSON %q", i, k, p.Steps[i].Cells[k], v)
			}
		}
	}

	// The table of changed paths, filtered.
	for qi, q := range filters {
		res := p.Filters[qi]
		var match []layerdiff.FileChange
		for _, f := range rep.Files {
			if strings.Contains(f.Path, q.Text) && (q.Change == "" || string(f.Change) == q.Change) {
				match = append(match, f)
			}
		}
		if wantCount := fmt.Sprintf("%d of %d changed paths match", len(match), len(rep.Files)); !strings.HasPrefix(res.Count, wantCount) {
			t.Errorf("filter %+v: the page says %q, want %q", q, res.Count, wantCount)
		}
		if len(res.Rows) != min(len(match), 500) || len(match) == 0 {
			t.Fatalf("filter %+v: %d rows shown, %d paths match", q, len(res.Rows), len(match))
		}
		for i, r := range res.Rows {
			f := match[i]
			cells := []string{r.Cells[1], r.Cells[2], r.Cells[3], r.Cells[4], r.Cells[5]}
			wantCells := []string{f.Path, f.Type, layerdiff.FormatSize(f.SizeA), layerdiff.FormatSize(f.SizeB), signed(f.SizeB - f.SizeA)}
			if r.Path != f.Path || string(f.Change) != r.Change || !slices.Equal(cells, wantCells) {
				t.Errorf("filter %+v row %d: %v %q, the JSON %v %q", q, i, cells, r.Change, wantCells, f.Change)
			}
		}
	}
}

// TestReportDiffInChromium opens the report of app-v1 → app-v2 in headless chromium and checks it against the
// diff's JSON and app-v2's history.
func TestReportDiffInChromium(t *testing.T) {
	dockerfile := filepath.Join("..", "..", "testdata", "images", "app-v2", "Dockerfile")
	rep := diffReport(t, appV1, appV2, "")
	steps := historySteps(t, "", "--dockerfile", dockerfile, appV2)
	html := writeReport(t, "", "--dockerfile", dockerfile, appV1, appV2)
	filters := []browserQuery{{Text: "", Change: ""}, {Text: "static/", Change: ""}, {Text: "app/", Change: "deleted"}}
	p := openInChromium(t, html, browserPlan{Views: []string{"changes", "image"}, Filters: filters, Screenshot: "report-diff.png"})
	checkLimits(t, html, p)
	checkDiffPage(t, p, rep, steps, filters)
}

// bigPair returns the benchmark's pair of generated images (bench/run.sh's: seed 1, scale 1, about 120k
// entries and 0.8 GB each), made once per machine in the fixture cache by the generator's command.
func bigPair(t *testing.T) (a, b string) {
	t.Helper()
	fixtures, err := fixturecache.Dir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(fixtures, "bench-pair-seed1-scale1")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	gen := filepath.Join(t.TempDir(), "gen")
	if out, err := exec.Command("go", "build", "-o", gen, "../../layerdiff/internal/imagegen/cmd/gen").CombinedOutput(); err != nil {
		t.Fatalf("building gen: %v\n%s", err, out)
	}
	// gen reuses the pair when pair.json says it was made by this generator with the same seed and scale.
	if out, err := exec.Command(gen, "-dir", dir, "-seed", "1", "-scale", "1").CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	return filepath.Join(dir, "a.tar"), filepath.Join(dir, "b.tar")
}

// TestReportBigPairInChromium: the report of the big generated pair (about 245k entries, 3,900 changed paths)
// is at most 5 MB, chromium draws it in under 2 s, and it is as true as the small one's.
func TestReportBigPairInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the big pair is 1.7 GB")
	}
	a, b := bigPair(t)
	// One listing cache for the three commands: the pair's 1.7 GB are read once.
	cacheDir := t.TempDir()
	rep := diffReport(t, a, b, cacheDir)
	steps := historySteps(t, cacheDir, b)
	html := writeReport(t, cacheDir, a, b)
	filters := []browserQuery{{Text: "node_modules/", Change: ""}, {Text: "usr/share/", Change: "deleted"}}
	p := openInChromium(t, html, browserPlan{Views: []string{"changes", "image"}, Filters: filters, Screenshot: "report-big-pair.png", Runs: 3})
	checkLimits(t, html, p)
	checkDiffPage(t, p, rep, steps, filters)
	t.Logf("%d changed paths; %d rectangles in the changes view, %d in B's", len(rep.Files), len(p.Views["changes"].Leaves), len(p.Views["image"].Leaves))
}
