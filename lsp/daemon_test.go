package lsp_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/layerlint/layerlint/internal/buildahtest"
	"github.com/layerlint/layerlint/internal/dockertest"
	"github.com/layerlint/layerlint/internal/tooltest"
	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/lsp"
)

// uniqueApp copies app-v2's context to a new directory with a file of its own in static/, so that the image
// built from it is one no other test built: BuildKit would otherwise hand out an earlier image from its
// cache, with that image's creation time.
func uniqueApp(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "app")
	buildahtest.CopyTree(t, filepath.Join(repoRoot(t), "testdata", "images", "app-v2"), dir)
	stamp := fmt.Sprintf("%s %d\n", t.Name(), time.Now().UnixNano())
	if err := os.WriteFile(filepath.Join(dir, "static", "build-id.txt"), []byte(stamp), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// daemonApps builds, in the test's Docker daemon with BuildKit, app-v2 as layerls-zero/a:dev and then, more
// recent, app-v1 (another Dockerfile, sharing app-v2's first instructions) as layerls-zero/b:dev. It
// returns the daemon and a copy of app-v2's context, which a.dev was built from.
func daemonApps(t *testing.T) (*dockertest.Daemon, string) {
	d := dockertest.Shared(t)
	root := repoRoot(t)
	d.Load(t, filepath.Join(root, "testdata", "images", "base.tar"))
	a := uniqueApp(t)
	d.Build(t, "", a, "layerls-zero/a:dev")
	b := filepath.Join(t.TempDir(), "other")
	buildahtest.CopyTree(t, filepath.Join(root, "testdata", "images", "app-v1"), b)
	d.Build(t, "", b, "layerls-zero/b:dev")
	return d, a
}

// storesOf is the environment that points layerls at daemon d and at an empty containers-storage store.
func storesOf(t *testing.T, d *dockertest.Daemon) []string {
	dir := t.TempDir()
	conf := filepath.Join(dir, "storage.conf")
	data := fmt.Sprintf("[storage]\ndriver = \"vfs\"\ngraphroot = %q\nrunroot = %q\n", filepath.Join(dir, "root"), filepath.Join(dir, "run"))
	if err := os.WriteFile(conf, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"DOCKER_HOST=" + d.Host(), "CONTAINERS_STORAGE_CONF=" + conf}
}

// allSized waits for hints with a size and "cached" on each of the app's 20 instructions.
func allSized(hs []lsp.InlayHint) bool { return countLabel(hs, "cached") == 20 && sizeCount(hs) == 20 }

// TestFindsItsImageInTheDaemon opens app-v2's Dockerfile with no configuration in the real layerls, its
// image in a real Docker daemon beside a more recent image built from another Dockerfile: the hints appear
// by themselves, from the right image (the tooltips and the hover of FROM name it), and equal those the
// server shows for the image's `docker save` archive. Then a context file changes and the image is rebuilt
// while the Dockerfile is open: the hints follow, first to "rebuild" and then to the new image's sizes.
// With findImage off, no image is used.
func TestFindsItsImageInTheDaemon(t *testing.T) {
	d, dir := daemonApps(t)
	env := storesOf(t, d)
	path := filepath.Join(dir, "Dockerfile")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)

	c, logs := startBinary(t, dir, nil, env...)
	u := c.open(path, text)
	found := c.waitHints(u, allSized)
	for _, h := range found {
		if !strings.Contains(h.Tooltip, "Image: layerls-zero/a:dev, built") {
			t.Fatalf("line %d: hint %q has tooltip %q, want it to name layerls-zero/a:dev", h.Position.Line+1, h.Label, h.Tooltip)
		}
	}
	var hover protocol.Hover
	c.call(protocol.MethodTextDocumentHover, map[string]any{"textDocument": map[string]any{"uri": u},
		"position": map[string]any{"line": 3, "character": 1}}, &hover)
	if !strings.Contains(hover.Contents.Value, "**Image**: layerls-zero/a:dev, built") || !strings.Contains(hover.Contents.Value, "holds 19 of this Dockerfile's 19 instructions") {
		t.Errorf("hover on FROM: %q, want the image found and how much of the Dockerfile it holds", hover.Contents.Value)
	}
	if !strings.Contains(logs.String(), "found image layerls-zero/a:dev") {
		t.Errorf("the log does not say which image was found:\n%s", logs)
	}

	// The same image from its docker save archive: the same hints.
	archive := filepath.Join(t.TempDir(), "a.tar")
	d.Save(t, "layerls-zero/a:dev", archive)
	c2, _ := startBinary(t, dir, map[string]any{"layerlint": map[string]any{"image": archive}}, env...)
	u2 := c2.open(path, text)
	saved := c2.waitHints(u2, allSized)
	if got, want := hintsText(found), hintsText(saved); got != want {
		t.Errorf("hints from the daemon differ from those of its docker save archive:\n%s\n---\n%s", got, want)
	}

	// A context file changes: the COPY of it and what follows rebuild. Then the image is rebuilt.
	conf := filepath.Join(dir, "defaults.conf")
	f, err := os.OpenFile(conf, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(strings.Repeat("# one more line\n", 400))
	f.Close()
	c.notify(protocol.MethodWorkspaceDidChangeWatchedFiles, map[string]any{"changes": []map[string]any{{"uri": fileURI(conf), "type": 2}}})
	changed := c.waitHints(u, func(hs []lsp.InlayHint) bool { return countLabel(hs, "cached") < 20 })
	if got := hintsByLine(changed)[24]; !slices.Contains(got, "rebuild: defaults.conf changed") {
		t.Errorf("line 24 (COPY defaults.conf) after the change: %q", got)
	}
	fi, err := os.Stat(conf)
	if err != nil {
		t.Fatal(err)
	}
	d.Build(t, "", dir, "layerls-zero/a:dev")
	rebuilt := c.waitHints(u, func(hs []lsp.InlayHint) bool {
		return allSized(hs) && slices.Contains(hintsByLine(hs)[24], "+"+layerdiff.FormatSize(fi.Size()))
	})
	if got := hintsByLine(rebuilt)[7]; !slices.Equal(got, hintsByLine(found)[7]) {
		t.Errorf("line 7 after the rebuild: %q, was %q", got, hintsByLine(found)[7])
	}

	// findImage off: nothing is looked for.
	c3, _ := startBinary(t, dir, map[string]any{"layerlint": map[string]any{"findImage": false}}, env...)
	u3 := c3.open(path, text)
	none := c3.waitHints(u3, func(hs []lsp.InlayHint) bool { return len(hintsByLine(hs)) == 20 })
	if n := countLabel(none, "cached"); n != 0 || strings.Contains(hintsText(none), "+") {
		t.Errorf("with findImage off: %s", hintsText(none))
	}
}

// TestNeovimFindsItsImage runs editors/nvim/test/daemon_spec.lua in headless Neovim (Debian's, and the
// one LAYERLS_NEWER_NVIM names) against the real layerls: a Dockerfile with no configuration, its image in
// the test's Docker daemon beside a more recent one from another Dockerfile; the hints appear by
// themselves from the right image, and follow when the test changes a context file and rebuilds the image
// while Neovim has the Dockerfile open.
func TestNeovimFindsItsImage(t *testing.T) {
	tooltest.Require(t, "nvim", "neovim")
	nvims := []string{"nvim"}
	if p := os.Getenv("LAYERLS_NEWER_NVIM"); p != "" {
		nvims = append(nvims, p)
	}
	d := dockertest.Shared(t)
	root := repoRoot(t)
	d.Load(t, filepath.Join(root, "testdata", "images", "base.tar"))
	bin := buildLayerls(t)
	plugin := filepath.Join(root, "editors", "nvim")
	for i, nvim := range nvims {
		t.Run(filepath.Base(filepath.Dir(nvim))+"-"+fmt.Sprint(i), func(t *testing.T) {
			dir := uniqueApp(t)
			tag := fmt.Sprintf("layerls-nvim%d/a:dev", i)
			d.Build(t, "", dir, tag)
			other := filepath.Join(t.TempDir(), "other")
			buildahtest.CopyTree(t, filepath.Join(root, "testdata", "images", "app-v1"), other)
			d.Build(t, "", other, fmt.Sprintf("layerls-nvim%d/b:dev", i))

			conf := filepath.Join(dir, "defaults.conf")
			old, err := os.ReadFile(conf)
			if err != nil {
				t.Fatal(err)
			}
			more := strings.Repeat("# one more line\n", 400)
			tmp := t.TempDir()
			ready, rebuilt := filepath.Join(tmp, "ready"), filepath.Join(tmp, "rebuilt")
			cmd := exec.Command(nvim, "--headless", "-i", "NONE", "-n", "-u", filepath.Join(plugin, "test", "minimal_init.lua"),
				"-c", "luafile "+filepath.Join(plugin, "test", "daemon_spec.lua"))
			cmd.Dir = plugin
			cmd.Env = append(os.Environ(), storesOf(t, d)...)
			cmd.Env = append(cmd.Env, "XDG_CONFIG_HOME="+filepath.Join(tmp, "config"), "XDG_DATA_HOME="+filepath.Join(tmp, "data"),
				"XDG_STATE_HOME="+filepath.Join(tmp, "state"), "XDG_CACHE_HOME="+filepath.Join(tmp, "cache"),
				"LAYERLS_BIN="+bin, "LAYERLS_WORKSPACE="+dir, "LAYERLS_READY="+ready, "LAYERLS_REBUILT="+rebuilt,
				"LAYERLS_WANT_IMAGE="+tag, "LAYERLS_WANT_24=+"+layerdiff.FormatSize(int64(len(old)+len(more))))
			out := &syncLog{}
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			waitFor := func(what string, cond func() bool, timeout time.Duration) {
				t.Helper()
				deadline := time.Now().Add(timeout)
				for !cond() {
					select {
					case err := <-exited:
						t.Fatalf("nvim ended (%v) before %s:\n%s", err, what, out)
					case <-time.After(200 * time.Millisecond):
					}
					if time.Now().After(deadline) {
						cmd.Process.Kill()
						t.Fatalf("nvim did not get to %s:\n%s", what, out)
					}
				}
			}
			waitFor("the first hints", func() bool { _, err := os.Stat(ready); return err == nil }, 3*time.Minute)
			if err := os.WriteFile(conf, append(old, more...), 0o644); err != nil {
				t.Fatal(err)
			}
			d.Build(t, "", dir, tag)
			if err := os.WriteFile(rebuilt, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				if err != nil {
					t.Errorf("nvim: %v\n%s", err, out)
				} else {
					t.Logf("%s", out)
				}
			case <-time.After(5 * time.Minute):
				cmd.Process.Kill()
				t.Fatalf("nvim did not finish:\n%s", out)
			}
		})
	}
}

// TestConfiguredDaemonImage names an image of the test's Docker daemon in the settings
// (docker-daemon:NAME:TAG): the real layerls shows the same hints as for the image's docker save archive,
// and when the image is rebuilt under its tag while the Dockerfile is open, the server reloads it by itself
// and the hints follow.
func TestConfiguredDaemonImage(t *testing.T) {
	d := dockertest.Shared(t)
	d.Load(t, filepath.Join(repoRoot(t), "testdata", "images", "base.tar"))
	dir := uniqueApp(t)
	d.Build(t, "", dir, "layerls-cfg/a:dev")
	env := storesOf(t, d)
	path := filepath.Join(dir, "Dockerfile")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, logs := startBinary(t, dir, map[string]any{"layerlint": map[string]any{"image": "docker-daemon:layerls-cfg/a:dev"}}, env...)
	u := c.open(path, string(data))
	daemon := c.waitHints(u, allSized)

	archive := filepath.Join(t.TempDir(), "a.tar")
	d.Save(t, "layerls-cfg/a:dev", archive)
	c2, _ := startBinary(t, dir, map[string]any{"layerlint": map[string]any{"image": archive}}, env...)
	u2 := c2.open(path, string(data))
	if got, want := hintsText(daemon), hintsText(c2.waitHints(u2, allSized)); got != want {
		t.Errorf("hints from docker-daemon: differ from those of its docker save archive:\n%s\n---\n%s", got, want)
	}

	conf := filepath.Join(dir, "defaults.conf")
	old, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	more := strings.Repeat("# configured\n", 300)
	if err := os.WriteFile(conf, append(old, more...), 0o644); err != nil {
		t.Fatal(err)
	}
	d.Build(t, "", dir, "layerls-cfg/a:dev")
	c.notify(protocol.MethodWorkspaceDidChangeWatchedFiles, map[string]any{"changes": []map[string]any{{"uri": fileURI(conf), "type": 2}}})
	want := "+" + layerdiff.FormatSize(int64(len(old)+len(more)))
	c.waitHints(u, func(hs []lsp.InlayHint) bool { return allSized(hs) && slices.Contains(hintsByLine(hs)[24], want) })
	if !strings.Contains(logs.String(), "image docker-daemon:layerls-cfg/a:dev is now sha256:") {
		t.Errorf("the log does not say the configured image was reloaded:\n%s", logs)
	}
}

// TestBadImagePathKeepsTheStoresCacheStatus names an archive that does not exist while the Dockerfile's image
// is in the test's Docker daemon: one diagnostic says the archive cannot be loaded and which image the cache
// status compares with instead; every line keeps its cache status from that image ("cached"), and no line
// shows a size from an image it was not told to use.
func TestBadImagePathKeepsTheStoresCacheStatus(t *testing.T) {
	d := dockertest.Shared(t)
	d.Load(t, filepath.Join(repoRoot(t), "testdata", "images", "base.tar"))
	dir := uniqueApp(t)
	d.Build(t, "", dir, "layerls-fallback/a:dev")
	path := filepath.Join(dir, "Dockerfile")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := startBinary(t, dir, map[string]any{"layerlint": map[string]any{"image": "build/nope.tar"}}, storesOf(t, d)...)
	u := c.open(path, string(data))
	hs := c.waitHints(u, func(hs []lsp.InlayHint) bool { return countLabel(hs, "cached") == 20 })
	if n := sizeCount(hs); n != 0 {
		t.Errorf("%d size hints from an image the settings do not name: %s", n, hintsText(hs))
	}
	for _, h := range hs {
		if h.Label == "cached" && !strings.Contains(h.Tooltip, "Cache status compared with layerls-fallback/a:dev") {
			t.Errorf("line %d: tooltip %q does not say which image the cache status compares with", h.Position.Line+1, h.Tooltip)
			break
		}
	}
	ds := imageDiagnostics(c, u, 1)
	if !strings.Contains(ds[0].Message, "nope.tar could not be loaded") || !strings.Contains(ds[0].Message, "compares with layerls-fallback/a:dev") {
		t.Errorf("image diagnostic %q", ds[0].Message)
	}
}
