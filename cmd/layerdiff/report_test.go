package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
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
