package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/layerlint/layerlint/layerdiff"
)

// generatedPair writes a pair of synthetic app-shaped images (layerdiff/internal/imagegen, through its gen
// command) at scale and returns their paths.
func generatedPair(t *testing.T, scale string) (a, b string) {
	t.Helper()
	dir := t.TempDir()
	gen := filepath.Join(dir, "gen")
	if out, err := exec.Command("go", "build", "-o", gen, "../../layerdiff/internal/imagegen/cmd/gen").CombinedOutput(); err != nil {
		t.Fatalf("building gen: %v\n%s", err, out)
	}
	if out, err := exec.Command(gen, "-dir", dir, "-seed", "3", "-scale", scale).CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	return filepath.Join(dir, "a.tar"), filepath.Join(dir, "b.tar")
}

// underTotals computes, from the JSON's files, what a summary row for dir must say.
func underTotals(files []layerdiff.FileChange, dir string) (changed, added, deleted, modified int, growth int64) {
	for _, f := range files {
		if f.Path != dir && !strings.HasPrefix(f.Path, dir) {
			continue
		}
		changed++
		switch f.Change {
		case layerdiff.Added:
			added++
		case layerdiff.Deleted:
			deleted++
		case layerdiff.Modified:
			modified++
		}
		growth += f.SizeB - f.SizeA
	}
	return
}

var rowRE = regexp.MustCompile(`^\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([+-]?[\d.]+ [kMG]?B)\s+(\S+)$`)

// summaryRows parses the directory rows of the text output.
func summaryRows(t *testing.T, out string) map[string][5]string {
	t.Helper()
	rows := map[string][5]string{}
	for _, l := range strings.Split(out, "\n") {
		if m := rowRE.FindStringSubmatch(l); m != nil {
			rows[m[6]] = [5]string{m[1], m[2], m[3], m[4], m[5]}
		}
	}
	return rows
}

// TestDiffSummaryMatchesJSON: every row of the directory summary (text and markdown) says what the JSON's
// changed paths under that directory add up to, at every depth, and the line after a cut-off summary counts
// exactly the changed paths no row holds.
func TestDiffSummaryMatchesJSON(t *testing.T) {
	a, b := generatedPair(t, "0.08")
	files := diffJSON(t, a, b).Files
	if len(files) <= maxMarkdownFiles {
		t.Fatalf("the generated pair has %d changed paths, want more than %d", len(files), maxMarkdownFiles)
	}
	for depth := 1; depth <= 4; depth++ {
		rows := summariseByDir(files, depth)
		for _, r := range rows {
			c, ad, de, mo, g := underTotals(files, r.Path)
			if r.Changed != c || r.Added != ad || r.Deleted != de || r.Modified != mo || r.Growth != g {
				t.Errorf("depth %d: row %+v, the JSON says %d changed (%d/%d/%d), growth %d", depth, r, c, ad, de, mo, g)
			}
			if n := strings.Count(strings.TrimSuffix(r.Path, "/"), "/") + 1; n > depth {
				t.Errorf("depth %d: row %s is %d levels deep", depth, r.Path, n)
			}
		}
		code, out, _ := layerdiffCmd(t, "--depth", strconv.Itoa(depth), "--limit", "0", a, b)
		parsed := summaryRows(t, out)
		if code != exitDifferent || len(parsed) != len(rows) {
			t.Fatalf("--depth %d: exit %d, %d rows in the text, want %d:\n%s", depth, code, len(parsed), len(rows), out)
		}
		for _, r := range rows {
			want := [5]string{strconv.Itoa(r.Changed), strconv.Itoa(r.Added), strconv.Itoa(r.Deleted), strconv.Itoa(r.Modified), signed(r.Growth)}
			if parsed[r.Path] != want {
				t.Errorf("--depth %d: text row %s = %v, want %v", depth, r.Path, parsed[r.Path], want)
			}
		}
	}

	// Cut to 3 rows: the closing line counts what no printed row holds.
	_, out, _ := layerdiffCmd(t, "--depth", "3", "--limit", "3", a, b)
	parsed := summaryRows(t, out)
	if len(parsed) != 3 {
		t.Fatalf("--limit 3: %d rows:\n%s", len(parsed), out)
	}
	outside := 0
	for _, f := range files {
		held := false
		for dir := range parsed {
			held = held || f.Path == dir || strings.HasPrefix(f.Path, dir)
		}
		if !held {
			outside++
		}
	}
	more := len(summariseByDir(files, 3)) - 3
	if want := fmt.Sprintf("… %d more directories, with %d changed paths in no row above", more, outside); !strings.Contains(out, want) {
		t.Errorf("--limit 3: want %q in:\n%s", want, out)
	}

	// The pull-request comment cannot list every path either: it gets the same summary.
	_, md, _ := layerdiffCmd(t, "--format", "markdown", a, b)
	o := renderOptions{limit: maxMarkdownDirs}
	rows, _, _, _ := o.dirSummary(files)
	if !strings.Contains(md, "**Changed paths by directory**") || len(rows) == 0 {
		t.Fatalf("markdown of %d changed paths has no directory summary:\n%s", len(files), md)
	}
	for _, r := range rows {
		c, ad, de, mo, g := underTotals(files, r.Path)
		if row := fmt.Sprintf("| `%s` | %d | %d | %d | %d | %s |", r.Path, c, ad, de, mo, signed(g)); !strings.Contains(md, row) {
			t.Errorf("markdown lacks the row %s", row)
		}
	}
}

// TestDiffOnTerminal runs layerdiff with its output on a real terminal (a pseudo-terminal): more than 40 changed
// paths are summarised by directory in a screenful that says how to see them all; --all lists them; the same
// command into a pipe lists them too.
func TestDiffOnTerminal(t *testing.T) {
	a, b := generatedPair(t, "0.006")
	files := diffJSON(t, a, b).Files
	t.Setenv("NO_COLOR", "1")

	onTTY := func(args ...string) string {
		t.Helper()
		master, slave := openPTY(t)
		var buf bytes.Buffer
		done := make(chan struct{})
		go func() {
			io.Copy(&buf, master) // ends with EIO once the slave is closed
			close(done)
		}()
		var stderr bytes.Buffer
		t.Setenv("XDG_CACHE_HOME", t.TempDir())
		code := run(context.Background(), args, slave, &stderr)
		slave.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("reading the terminal did not end")
		}
		master.Close()
		if code != exitDifferent {
			t.Fatalf("%v: exit %d, stderr %s", args, code, stderr.String())
		}
		return strings.ReplaceAll(buf.String(), "\r\n", "\n")
	}

	screen := onTTY(a, b)
	if !strings.Contains(screen, "by directory") || !strings.Contains(screen, "Every path: layerdiff --all (or --format json).") {
		t.Errorf("on a terminal, %d changed paths are not summarised:\n%s", len(files), screen)
	}
	if n := len(summaryRows(t, screen)); n == 0 || n > defaultLimit {
		t.Errorf("on a terminal: %d directory rows, want 1 to %d", n, defaultLimit)
	}
	if lines := strings.Count(screen, "\n"); lines > 60 {
		t.Errorf("on a terminal: %d lines, more than a screen:\n%s", lines, screen)
	}
	listed := func(out string) int {
		n := 0
		for _, f := range files {
			if strings.Contains(out, "  "+marks[f.Change].sign+"  "+f.Path+" ") {
				n++
			}
		}
		return n
	}
	if n := listed(onTTY("--all", a, b)); n != len(files) {
		t.Errorf("--all on a terminal lists %d of %d changed paths", n, len(files))
	}
	_, piped, _ := layerdiffCmd(t, a, b)
	if n := listed(piped); n != len(files) || strings.Contains(piped, "by directory") {
		t.Errorf("into a pipe: %d of %d changed paths listed", n, len(files))
	}
}

// openPTY opens a pseudo-terminal pair with the kernel's /dev/ptmx.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening /dev/ptmx: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlocking the pty: %v", err)
	}
	n, err := unix.IoctlGetUint32(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening the pty: %v", err)
	}
	return master, slave
}

func TestDiffSummaryFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--all", "--limit", "3", appV1, appV2},
		{"--all", "--depth", "2", appV1, appV2},
		{"--limit", "-1", appV1, appV2},
		{"--depth", "-2", appV1, appV2},
	} {
		code, out, errOut := layerdiffCmd(t, args...)
		if code != exitError || out != "" || strings.Count(errOut, "\n") != 2 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2, nothing, one error line and the --help hint", args, code, out, errOut)
		}
	}
}
