package history

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/layerlint/layerlint/internal/debiantest"
	"github.com/layerlint/layerlint/internal/dockertest"
	"github.com/layerlint/layerlint/internal/tooltest"
)

// debianAppFormat changes whenever how the image is built changes.
const debianAppFormat = "history-debian-app-v1"

// debianApp returns a docker-archive of testdata/history/debian built by BuildKit FROM the debootstrapped
// Debian base, building it once per machine into the fixture cache under a name keyed by its inputs.
func debianApp(t *testing.T) string {
	t.Helper()
	return debiantest.App(t, dockertest.Shared, "debian-app", debianAppFormat, filepath.Join(testdata, "history", "debian"), "Dockerfile", "app.sh")
}

// layerCount is what testdata/history/debian/count_layers.py counts in one layer with Python's tarfile.
type layerCount struct {
	Size      int64            `json:"size"`
	Files     int              `json:"files"`
	Wasted    int64            `json:"wasted"`
	Leftovers map[string]int64 `json:"leftovers"`
}

// TestRealisticDebianImage aligns a real Debian image that installs packages with apt, built by BuildKit, and
// checks every layer's size, file count, wasted bytes and leftovers against an independent count of the
// layer tars made by Python's tarfile module.
func TestRealisticDebianImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Debian image with apt")
	}
	python := tooltest.Require(t, "python3", "python3")
	archive := debianApp(t)
	img := readImage(t, archive)
	a, err := AlignPrefix(img, readDockerfile(t, filepath.Join(testdata, "history", "debian", "Dockerfile")))
	if err != nil {
		t.Fatal(err)
	}
	if !a.Complete() || a.Builder != BuilderBuildKit || a.Start != 1 {
		t.Fatalf("complete %v, builder %s, start %d: %v", a.Complete(), a.Builder, a.Start, a.Err())
	}
	out, err := exec.Command(python, filepath.Join(testdata, "history", "debian", "count_layers.py"), archive).Output()
	if err != nil {
		t.Fatalf("count_layers.py: %v", err)
	}
	var counts []layerCount
	if err := json.Unmarshal(out, &counts); err != nil {
		t.Fatal(err)
	}
	if len(counts) != len(img.Layers) {
		t.Fatalf("python counts %d layers, the image has %d", len(counts), len(img.Layers))
	}
	measured := 0
	for _, s := range a.Steps {
		if s.Layer < 0 {
			continue
		}
		measured++
		c := counts[s.Layer]
		if s.Size != c.Size || s.Files != c.Files || s.Wasted != c.Wasted {
			t.Errorf("layer %d (line %d): size %d files %d wasted %d; python counts %d, %d, %d",
				s.Layer, s.Line, s.Size, s.Files, s.Wasted, c.Size, c.Files, c.Wasted)
		}
		for _, kind := range []string{"apt", "apt-lists", "tmp"} {
			if s.Leftovers[kind] != c.Leftovers[kind] {
				t.Errorf("layer %d (line %d): %s leftovers %d, python counts %d", s.Layer, s.Line, kind, s.Leftovers[kind], c.Leftovers[kind])
			}
		}
	}
	// The image does what its Dockerfile says: apt lists left by the install, the blob wasted, /tmp used.
	df := readFile(t, filepath.Join(testdata, "history", "debian", "Dockerfile"))
	install := stepAt(t, a, lineOf(t, df, "RUN apt-get update"))
	blob := stepAt(t, a, lineOf(t, df, "RUN head -c"))
	if install.Leftovers["apt"] < 1<<20 || install.Size < 1<<20 || install.Wasted < install.Leftovers["apt"]/2 {
		t.Errorf("apt-get install layer: size %d, apt leftovers %d, wasted %d", install.Size, install.Leftovers["apt"], install.Wasted)
	}
	if blob.Wasted < 512<<10 || blob.Leftovers["tmp"] == 0 || blob.Leftovers["apt"] == 0 {
		t.Errorf("blob layer: wasted %d, leftovers %v", blob.Wasted, blob.Leftovers)
	}
	t.Logf("%d layers measured, %d bytes of files, checked against python's tarfile", measured, img.Layers[0].FileBytes)
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func stepAt(t *testing.T, a *Alignment, line int) Step {
	t.Helper()
	for _, s := range a.Steps {
		if s.Line == line {
			return s
		}
	}
	t.Fatalf("no step at line %d", line)
	return Step{}
}
