package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/internal/debiantest"
	"github.com/layerlint/layerlint/internal/dockertest"
	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/cache"
)

// historyStep is a step of `layerdiff history --format json`.
type historyStep struct {
	Line       *int             `json:"line"`
	LayerIndex *int             `json:"layer_index"`
	Size       int64            `json:"size"`
	Files      int              `json:"files"`
	Added      int              `json:"added"`
	Modified   int              `json:"modified"`
	Deleted    int              `json:"deleted"`
	Wasted     int64            `json:"wasted"`
	Leftovers  map[string]int64 `json:"leftovers"`
	Stale      bool             `json:"stale"`
}

func historySteps(t *testing.T, cacheDir string, args ...string) []historyStep {
	t.Helper()
	code, out, errOut := layerdiffIn(t, cacheDir, append([]string{"history", "--format", "json"}, args...)...)
	if code != exitSame {
		t.Fatalf("history %v: exit %d: %s", args, code, errOut)
	}
	var doc struct{ Steps []historyStep }
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("history json: %v\n%s", err, out)
	}
	return doc.Steps
}

// debianApp is the realistic Debian image layerdiff/history's tests build (apt lists and archives left in a
// layer, a file written and deleted later, /tmp leftovers), shared through the fixture cache.
func debianApp(t *testing.T) string {
	t.Helper()
	dockertest.Require(t)
	return debiantest.App(t, dockertest.Shared, "debian-app", "history-debian-app-v1", filepath.Join("..", "..", "testdata", "history", "debian"), "Dockerfile", "app.sh")
}

// checkStepsTable: every row of the page's steps table says what `layerdiff history --format json` says.
func checkStepsTable(t *testing.T, p *page, steps []historyStep) {
	t.Helper()
	if len(p.Steps) != len(steps) {
		t.Fatalf("the page's steps table has %d rows, history %d steps", len(p.Steps), len(steps))
	}
	for i, s := range steps {
		row := p.Steps[i]
		if row.Step != i {
			t.Fatalf("row %d is step %d", i, row.Step)
		}
		if s.LayerIndex == nil {
			if row.Cells["size"] != "-" {
				t.Errorf("step %d has no layer, the page shows size %q", i, row.Cells["size"])
			}
			continue
		}
		var left []string
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range s.Leftovers {
				if !yield(k) {
					return
				}
			}
		}) {
			left = append(left, k+" "+layerdiff.FormatSize(s.Leftovers[k]))
		}
		want := map[string]string{
			"size":      layerdiff.FormatSize(s.Size),
			"files":     fmt.Sprint(s.Files),
			"changes":   fmt.Sprintf("%d/%d/%d", s.Added, s.Modified, s.Deleted),
			"wasted":    layerdiff.FormatSize(s.Wasted),
			"leftovers": strings.Join(left, ", "),
		}
		for k, v := range want {
			if row.Cells[k] != v {
				t.Errorf("step %d: the page shows %s %q, history %q", i, k, row.Cells[k], v)
			}
		}
	}
}

// checkTreemapSteps: in the top view, the leaves of each step add up to history's size, wasted bytes and
// leftovers for that step, and each step's rectangle takes its share of the treemap's area.
func checkTreemapSteps(t *testing.T, v pageView, steps []historyStep) {
	t.Helper()
	size, wasted := map[int]int64{}, map[int]int64{}
	left := map[int]map[string]int64{}
	area := v.Width * v.Height
	var all int64
	for _, l := range v.Leaves {
		all += l.Bytes
	}
	for _, l := range v.Leaves {
		// A leaf of a thousandth of the bytes or more is drawn at least a pixel wide and high.
		if l.Bytes <= 0 || l.W < 0 || l.H < 0 || (float64(l.Bytes) >= float64(all)/1000 && (l.W < 1 || l.H < 1)) {
			t.Errorf("leaf %s: %d bytes drawn %gx%g", l.Path, l.Bytes, l.W, l.H)
		}
		size[l.Step] += l.Bytes
		if l.Wasted {
			wasted[l.Step] += l.Bytes
		}
		if l.Leftover != "" {
			if left[l.Step] == nil {
				left[l.Step] = map[string]int64{}
			}
			left[l.Step][l.Leftover] += l.Bytes
		}
	}
	var total int64
	for i, s := range steps {
		if s.LayerIndex == nil {
			continue
		}
		total += s.Size
		if size[i] != s.Size || wasted[i] != s.Wasted {
			t.Errorf("step %d: the treemap holds %d bytes, %d wasted; history says %d, %d wasted", i, size[i], wasted[i], s.Size, s.Wasted)
		}
		for k, n := range s.Leftovers {
			if left[i][k] != n {
				t.Errorf("step %d: the treemap marks %d bytes of %s leftovers, history %d", i, left[i][k], k, n)
			}
		}
		for k, n := range left[i] {
			if s.Leftovers[k] != n {
				t.Errorf("step %d: the treemap marks %d bytes of %s leftovers, history %d", i, n, k, s.Leftovers[k])
			}
		}
	}
	seen := map[int]bool{}
	for _, r := range v.Steps {
		seen[r.Step] = true
		s := steps[r.Step]
		if r.Bytes != s.Size {
			t.Errorf("step %d's rectangle stands for %d bytes, history says %d", r.Step, r.Bytes, s.Size)
		}
		share, drawn := float64(s.Size)/float64(total), r.W*r.H/area
		if share >= 0.01 && math.Abs(drawn-share) > 0.05*share {
			t.Errorf("step %d holds %.4f of the bytes and %.4f of the treemap", r.Step, share, drawn)
		}
	}
	for i, s := range steps {
		if s.Size > 0 && !seen[i] {
			t.Errorf("step %d (%d bytes) has no rectangle", i, s.Size)
		}
	}
}

// TestReportImageInChromium opens the report of a realistic Debian image (built by BuildKit: apt lists and
// archives left behind, a file written and deleted later, /tmp leftovers) in headless chromium: the treemap's
// rectangles hold exactly the bytes, wasted bytes and leftovers `layerdiff history` gives each Dockerfile line,
// each line's rectangle takes its share of the area, the steps table shows history's numbers, each line shows
// `layerdiff cache`'s prediction, and the page keeps the limits.
func TestReportImageInChromium(t *testing.T) {
	image := debianApp(t)
	ctxDir := filepath.Join("..", "..", "testdata", "history", "debian")
	dockerfile := filepath.Join(ctxDir, "Dockerfile")
	steps := historySteps(t, "", "--dockerfile", dockerfile, image)
	html := writeReport(t, "", "--dockerfile", dockerfile, "--context", ctxDir, image)
	p := openInChromium(t, html, browserPlan{Views: []string{"image"}, Screenshot: "report-image.png"})
	checkLimits(t, html, p)
	checkTreemapSteps(t, p.Views["image"], steps)
	checkStepsTable(t, p, steps)

	var wasted, leftovers int
	for _, l := range p.Views["image"].Leaves {
		if l.Wasted {
			wasted++
			if l.Fill != `url("#hatch-wasted")` {
				t.Errorf("wasted leaf %s is filled %s", l.Path, l.Fill)
			}
		} else if l.Leftover != "" {
			leftovers++
			if l.Fill != `url("#hatch-leftover")` {
				t.Errorf("leftover leaf %s is filled %s", l.Path, l.Fill)
			}
		}
	}
	if wasted == 0 || leftovers == 0 {
		t.Errorf("%d wasted and %d leftover rectangles: the image has both", wasted, leftovers)
	}

	// The cache column says what `layerdiff cache` predicts for each line.
	code, out, errOut := layerdiffCmd(t, "cache", "--format", "json", "--dockerfile", dockerfile, "--context", ctxDir, image)
	if code != exitSame {
		t.Fatalf("cache: exit %d: %s", code, errOut)
	}
	var pred cache.Prediction
	if err := json.Unmarshal([]byte(out), &pred); err != nil {
		t.Fatal(err)
	}
	byLine := map[int]cache.Step{}
	for _, s := range pred.Steps {
		byLine[s.Line] = s
	}
	shown := 0
	for i, s := range steps {
		if s.Line == nil || s.Stale {
			continue
		}
		c, ok := byLine[*s.Line]
		want := ""
		if ok {
			want = "rebuild: " + c.Reason
			if c.Cached {
				want = "cached"
			}
		}
		if got := p.Steps[i].Cells["cache"]; got != want {
			t.Errorf("line %d: the page shows cache %q, layerdiff cache %q", *s.Line, got, want)
		}
		shown++
	}
	if shown == 0 {
		t.Error("no line shows a cache prediction")
	}
}

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
	fixtures, err := debiantest.FixtureDir()
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
	p := openInChromium(t, html, browserPlan{Views: []string{"changes", "image"}, Filters: filters, Screenshot: "report-big-pair.png"})
	checkLimits(t, html, p)
	checkDiffPage(t, p, rep, steps, filters)
	t.Logf("%d changed paths; %d rectangles in the changes view, %d in B's", len(rep.Files), len(p.Views["changes"].Leaves), len(p.Views["image"].Leaves))
}

// TestReportBadInput: bad usage or input exits 2 with one error line, and writes nothing: neither the output
// file nor a temporary file beside it.
func TestReportBadInput(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "report.html")
	bad := filepath.Join(dir, "Dockerfile")
	if err := os.WriteFile(bad, []byte("FROM x\nFROBNICATE y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"report", appV2},
		{"report", "-o", out},
		{"report", "-o", out, appV1, appV2, appV2},
		{"report", "-o", out, "--format", "pdf", appV2},
		{"report", "-o", out, "/nonexistent/image.tar"},
		{"report", "-o", out, appV1, "/nonexistent/image.tar"},
		{"report", "-o", out, "--dockerfile", bad, appV2},
		{"report", "-o", out, "--context", "/nonexistent", appV2},
		{"report", "-o", out, "--build-arg", "novalue", appV2},
		{"report", "-o", filepath.Join(dir, "missing", "report.html"), appV2},
	} {
		code, stdout, stderr := layerdiffCmd(t, args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != exitError || stdout != "" || !strings.HasPrefix(lines[0], "layerdiff: ") || len(lines) > 2 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and one error line", args, code, stdout, stderr)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Fatalf("%v left files behind: %v", args, entries)
		}
	}
}

// TestReportFormats: -o - writes the page to stdout, --format json the page's data, whose numbers are
// history's.
func TestReportFormats(t *testing.T) {
	code, html, stderr := layerdiffCmd(t, "report", "-o", "-", appV2)
	if code != exitSame || !strings.HasPrefix(html, "<!DOCTYPE html>") || !strings.HasSuffix(html, "</html>\n") {
		t.Fatalf("-o -: exit %d, %d bytes, stderr %q", code, len(html), stderr)
	}
	code, js, stderr := layerdiffCmd(t, "report", "--format", "json", "-o", "-", appV2)
	if code != exitSame {
		t.Fatalf("--format json: exit %d, stderr %q", code, stderr)
	}
	var data struct {
		Kind  string
		Size  int64
		Steps []historyStep
	}
	if err := json.Unmarshal([]byte(js), &data); err != nil {
		t.Fatal(err)
	}
	steps := historySteps(t, "", appV2)
	var size int64
	for i, s := range steps {
		size += s.Size
		if d := data.Steps[i]; d.Size != s.Size || d.Wasted != s.Wasted || d.Files != s.Files {
			t.Errorf("step %d: the page's data %+v, history %+v", i, d, s)
		}
	}
	if data.Kind != "image" || data.Size != size || len(data.Steps) != len(steps) {
		t.Errorf("the page's data: kind %q, size %d, %d steps; want image, %d, %d", data.Kind, data.Size, len(data.Steps), size, len(steps))
	}
}
