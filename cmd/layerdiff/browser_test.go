package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/layerlint/layerlint/internal/tooltest"
)

// The limits a report must keep on the big generated pair (issue 14).
const (
	maxReportBytes = 5 << 20
	maxRenderMs    = 2000
)

// page is what testdata/browser/dom.mjs reads from a report open in chromium.
type page struct {
	Errors   []string
	Requests []string
	// WallMs and RenderedMs are, for each opening of the page, the time from goto until it was drawn, and
	// from the navigation's start (the page's own clock) until the first frame after it was drawn.
	WallMs     []float64
	RenderedMs []float64
	Colors     map[string]string
	Views      map[string]pageView
	Steps      []struct {
		Step  int
		Cells map[string]string
	}
	Filters []struct {
		Count string
		Rows  []struct {
			Path, Change string
			Cells        []string
		}
	}
}

type pageView struct {
	Width, Height float64
	Leaves        []pageLeaf
	Steps         []struct {
		X, Y, W, H float64
		Step       int
		Bytes      int64
	}
}

type pageLeaf struct {
	X, Y, W, H float64
	Path       string
	Step       int
	Bytes      int64
	Count      int
	Wasted     bool
	Leftover   string
	Change     string
	Fill       string
}

// browserPlan is what dom.mjs does with the page.
type browserPlan struct {
	URL        string         `json:"url"`
	Screenshot string         `json:"screenshot,omitempty"`
	Views      []string       `json:"views"`
	Runs       int            `json:"runs,omitempty"`
	Filters    []browserQuery `json:"filters,omitempty"`
}

type browserQuery struct {
	Text   string `json:"text"`
	Change string `json:"change"`
}

// openInChromium opens the HTML file in Debian's headless chromium through playwright-core and returns what
// it shows. The page must run without an error and ask the network for nothing.
func openInChromium(t *testing.T, html string, plan browserPlan) *page {
	t.Helper()
	tooltest.Require(t, "node", "nodejs")
	if _, err := os.Stat("/usr/bin/chromium"); err != nil && os.Getenv("CHROMIUM") == "" {
		tooltest.Missing(t, "/usr/bin/chromium", "apt-get install chromium")
	}
	dir, err := filepath.Abs(filepath.Join("testdata", "browser"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core")); err != nil {
		tooltest.Missing(t, "cmd/layerdiff/testdata/browser/node_modules", "npm ci --prefix cmd/layerdiff/testdata/browser")
	}
	abs, err := filepath.Abs(html)
	if err != nil {
		t.Fatal(err)
	}
	plan.URL = "file://" + abs
	if plan.Screenshot != "" {
		plan.Screenshot = filepath.Join(artifacts(t), plan.Screenshot)
	}
	planFile := filepath.Join(t.TempDir(), "plan.json")
	b, _ := json.Marshal(plan)
	if err := os.WriteFile(planFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "dom.mjs"), planFile)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dom.mjs: %v\n%s", err, stderr.String())
	}
	var p page
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("dom.mjs printed %q: %v", out, err)
	}
	if len(p.Errors) > 0 || len(p.Requests) > 0 {
		t.Fatalf("the page reported errors %q and asked the network for %q", p.Errors, p.Requests)
	}
	if plan.Screenshot != "" {
		t.Logf("screenshot: %s", plan.Screenshot)
	}
	return &p
}

// artifacts is where screenshots go: $LAYERLINT_ARTIFACTS, else /tmp/layerlint-artifacts.
func artifacts(t *testing.T) string {
	dir := os.Getenv("LAYERLINT_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "layerlint-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// layerdiffIn runs the command in-process with the listing cache in cacheDir, or an empty one for "".
func layerdiffIn(t *testing.T, cacheDir string, args ...string) (int, string, string) {
	t.Helper()
	if cacheDir == "" {
		return layerdiffCmd(t, args...)
	}
	t.Setenv("XDG_CACHE_HOME", cacheDir)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// writeReport runs `layerdiff report ARGS -o FILE` in-process (see layerdiffIn) and returns FILE.
func writeReport(t *testing.T, cacheDir string, args ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "report.html")
	code, stdout, stderr := layerdiffIn(t, cacheDir, append([]string{"report", "-o", out}, args...)...)
	if code != exitSame || stdout != "" {
		t.Fatalf("report %v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
	}
	return out
}

// rgb turns "#2e9d4a" into chromium's computed "rgb(46, 157, 74)".
func rgb(t *testing.T, hex string) string {
	t.Helper()
	var r, g, b int
	if _, err := fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b); err != nil {
		t.Fatalf("colour %q: %v", hex, err)
	}
	return fmt.Sprintf("rgb(%d, %d, %d)", r, g, b)
}

// checkLimits fails when the report is larger than 5 MB or took chromium 2 s or more to draw.
func checkLimits(t *testing.T, html string, p *page) {
	t.Helper()
	st, err := os.Stat(html)
	if err != nil {
		t.Fatal(err)
	}
	// The page's clock starts with the navigation: its figure is what opening the page costs. On a busy
	// machine (CI shares two cores) the quickest of several openings is that cost.
	quickest := slices.Min(p.RenderedMs)
	t.Logf("%s: %d bytes, drawn %v ms after navigation (%v ms from goto)", filepath.Base(html), st.Size(), p.RenderedMs, p.WallMs)
	if st.Size() > maxReportBytes {
		t.Errorf("the report is %d bytes, more than %d", st.Size(), maxReportBytes)
	}
	if quickest <= 0 || quickest >= maxRenderMs {
		t.Errorf("chromium drew the report %v ms after navigation, want under %d", p.RenderedMs, maxRenderMs)
	}
}
