// Package debiantest gives tests a real Debian bookworm base image: a
// debootstrap --variant=minbase root file system (apt and dpkg work; apt lists
// and downloaded packages are removed, as in Debian's official images) in a
// one-layer docker-archive tagged Tag. Building it takes about a minute, so it
// is built once per machine into internal/fixturecache, under a name keyed by
// every input, and reused.
//
// Dockerfiles built FROM Tag can run apt-get against the Debian mirror the
// image names in /etc/apt/sources.list (the host's, reachable here), with
// `--network host`.
package debiantest

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/layerlint/layerlint/internal/fixturecache"
	"github.com/layerlint/layerlint/internal/tooltest"
)

// Tag is the image's name inside the archive.
const Tag = "localhost/layerlint/debian:bookworm"

// Suite and Variant are debootstrap's arguments.
const (
	Suite   = "bookworm"
	Variant = "minbase"
)

// format changes whenever what Archive writes changes, so that an old cached
// archive is not taken for a new one.
const format = "debiantest-v1"

// defaultMirror is used when the host's apt sources name none.
const defaultMirror = "http://deb.debian.org/debian"

// Require ends the test (see tooltest) when debootstrap or GNU tar is missing.
func Require(t testing.TB) {
	t.Helper()
	if _, err := os.Stat("/usr/sbin/debootstrap"); err != nil {
		tooltest.Missing(t, "debiantest: /usr/sbin/debootstrap", "apt-get install debootstrap")
	}
	tooltest.Require(t, "tar", "tar")
}

// Archive returns the path of the docker-archive, building it first when this
// machine has not got it yet (internal/fixturecache).
func Archive(t testing.TB) string {
	t.Helper()
	Require(t)
	sum := sha256.Sum256([]byte(Inputs()))
	name := fmt.Sprintf("debian-%s-%s-%s.tar", Suite, Variant, hex.EncodeToString(sum[:8]))
	return fixturecache.T(t, name, func(tmp string) error {
		t.Logf("debiantest: building %s (once per machine) from:\n%s", name, Inputs())
		work, err := os.MkdirTemp(filepath.Dir(tmp), ".build-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(work)
		return build(work, tmp)
	})
}

// Inputs returns what the archive is built from, one "name=value" a line: the
// cache key is their hash.
func Inputs() string {
	return strings.Join([]string{
		"format=" + format,
		"suite=" + Suite,
		"variant=" + Variant,
		"mirror=" + mirror(),
		"debootstrap=" + packageVersion("debootstrap"),
		"arch=" + packageArch(),
	}, "\n") + "\n"
}

func build(work, out string) error {
	root := filepath.Join(work, "root")
	m := mirror()
	cmd := exec.Command("/usr/sbin/debootstrap", "--variant="+Variant, Suite, root, m)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("debootstrap --variant=%s %s %s: %v\n%s", Variant, Suite, m, err, tail(b))
	}
	// What Debian's official images leave out: downloaded packages, apt
	// lists, device nodes, logs of the bootstrap.
	for _, glob := range []string{"var/cache/apt/archives/*.deb", "var/cache/apt/*.bin", "var/lib/apt/lists/*_*",
		"dev/*", "var/log/bootstrap.log", "var/log/dpkg.log", "var/log/apt/*", "tmp/*"} {
		matches, _ := filepath.Glob(filepath.Join(root, glob))
		for _, p := range matches {
			if err := os.RemoveAll(p); err != nil {
				return err
			}
		}
	}
	layer := filepath.Join(work, "layer.tar")
	// A reproducible tar: names sorted, numeric owners, times clamped.
	cmd = exec.Command("tar", "--sort=name", "--numeric-owner", "--mtime=2023-06-10 00:00:00Z", "--clamp-mtime",
		"--xattrs", "--format=pax", "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime",
		"-C", root, "-cf", layer, ".")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("tar of the root file system: %v\n%s", err, tail(b))
	}
	return writeArchive(layer, out, m)
}

// writeArchive wraps the layer tar in a docker-archive (manifest.json, the
// config, the uncompressed layer) at out.
func writeArchive(layer, out, mirror string) error {
	diffID, size, err := hashFile(layer)
	if err != nil {
		return err
	}
	created := time.Date(2023, 6, 10, 0, 0, 0, 0, time.UTC)
	cfg := map[string]any{
		"architecture": packageArch(),
		"os":           "linux",
		"created":      created,
		"config": map[string]any{
			"Env": []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			"Cmd": []string{"bash"},
		},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + diffID}},
		"history": []map[string]any{{
			"created":    created,
			"created_by": fmt.Sprintf("debootstrap --variant=%s %s / %s", Variant, Suite, mirror),
			"comment":    "internal/debiantest " + format,
		}},
	}
	rawCfg, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	cfgSum := sha256.Sum256(rawCfg)
	cfgName := hex.EncodeToString(cfgSum[:]) + ".json"
	layerName := diffID + ".tar"
	manifest, err := json.Marshal([]map[string]any{{"Config": cfgName, "RepoTags": []string{Tag}, "Layers": []string{layerName}}})
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	tw := newTarWriter(w)
	tw.file(cfgName, rawCfg)
	if tw.err == nil {
		in, err := os.Open(layer)
		if err != nil {
			f.Close()
			return err
		}
		tw.stream(layerName, size, in)
		in.Close()
	}
	tw.file("manifest.json", manifest)
	err = errors.Join(tw.close(), w.Flush(), f.Close())
	if err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	return nil
}

func hashFile(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// mirror returns the Debian mirror the host's apt uses (deb822 sources or
// sources.list), which this machine can reach.
func mirror() string {
	files, _ := filepath.Glob("/etc/apt/sources.list.d/*.sources")
	uris := regexp.MustCompile(`(?m)^URIs:\s*(\S+)`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, m := range uris.FindAllStringSubmatch(string(b), -1) {
			if !strings.Contains(m[1], "security") {
				return strings.TrimSuffix(m[1], "/")
			}
		}
	}
	if b, err := os.ReadFile("/etc/apt/sources.list"); err == nil {
		deb := regexp.MustCompile(`(?m)^deb\s+(?:\[[^]]*\]\s+)?(\S+)`)
		for _, m := range deb.FindAllStringSubmatch(string(b), -1) {
			if !strings.Contains(m[1], "security") {
				return strings.TrimSuffix(m[1], "/")
			}
		}
	}
	return defaultMirror
}

func packageVersion(pkg string) string {
	out, err := exec.Command("dpkg-query", "-W", "-f=${Version}", pkg).Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

func packageArch() string {
	out, err := exec.Command("dpkg", "--print-architecture").Output()
	if err != nil {
		return "amd64"
	}
	return strings.TrimSpace(string(out))
}

func tail(b []byte) string {
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}
