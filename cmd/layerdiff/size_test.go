package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/internal/debiantest"
	"github.com/layerlint/layerlint/internal/dockertest"
	"github.com/layerlint/layerlint/layerdiff"
)

// TestLayerSizeIsDockerHistorySize: one size for one layer everywhere, the one docker history shows. A real
// Docker daemon loads the test images and a real Debian base; every layer's SIZE in `docker history` equals
// the size `layerdiff history` gives its step and the size the diff's layer table gives it, and `docker
// image inspect`'s Size equals the diff's image size. The tar size is named tar_size.
func TestLayerSizeIsDockerHistorySize(t *testing.T) {
	dockertest.Require(t)
	debiantest.Require(t)
	d := dockertest.Shared(t)
	debian := debiantest.Archive(t)
	for _, archive := range []string{appV1, appV2, debian} {
		out := d.Run(t, "load", "-i", archive)
		_, ref, ok := strings.Cut(strings.Split(strings.TrimSpace(out), "\n")[0], "Loaded image: ")
		if !ok {
			t.Fatalf("docker load %s: %s", archive, out)
		}
		// docker history: newest first, one row per history entry, sizes in bytes.
		rows := strings.Fields(d.Run(t, "history", "--human=false", "--format", "{{.Size}}", ref))
		dockerSizes := make([]int64, len(rows))
		for i, r := range rows {
			n, err := strconv.ParseInt(r, 10, 64)
			if err != nil {
				t.Fatalf("docker history %s: size %q", ref, r)
			}
			dockerSizes[len(rows)-1-i] = n
		}
		inspect, err := strconv.ParseInt(strings.TrimSpace(d.Run(t, "image", "inspect", "--format", "{{.Size}}", ref)), 10, 64)
		if err != nil {
			t.Fatal(err)
		}

		js, err := historyCmd(t, "--format", "json", archive)
		if err != nil {
			t.Fatal(err)
		}
		var hist struct {
			Steps []struct {
				Size       int64 `json:"size"`
				LayerIndex *int  `json:"layer_index"`
			} `json:"steps"`
		}
		if err := json.Unmarshal([]byte(js), &hist); err != nil {
			t.Fatal(err)
		}
		if len(hist.Steps) != len(dockerSizes) {
			t.Fatalf("%s: layerdiff history has %d steps, docker history %d rows", archive, len(hist.Steps), len(dockerSizes))
		}
		layerSize := map[int]int64{}
		nonZero := 0
		for i, s := range hist.Steps {
			if s.Size != dockerSizes[i] {
				t.Errorf("%s step %d: layerdiff history says %d bytes, docker history %d", archive, i, s.Size, dockerSizes[i])
			}
			if s.LayerIndex != nil {
				layerSize[*s.LayerIndex] = dockerSizes[i]
			}
			if dockerSizes[i] > 0 {
				nonZero++
			}
		}
		if nonZero == 0 {
			t.Fatalf("%s: docker history shows no layer with bytes", archive)
		}

		// The diff's layer table and image size, with the image as B.
		code, out, errOut := layerdiffCmd(t, "--format", "json", appV1, archive)
		if code > exitDifferent {
			t.Fatalf("layerdiff %s: %s", archive, errOut)
		}
		var rep layerdiff.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		for _, l := range rep.Layers {
			if l.IndexB == nil {
				continue
			}
			if want := layerSize[*l.IndexB]; l.Size != want || l.TarSize <= l.Size {
				t.Errorf("%s layer %d: diff says size %d (tar %d), docker history %d", archive, *l.IndexB, l.Size, l.TarSize, want)
			}
		}
		if rep.B.Size != inspect {
			t.Errorf("%s: diff says the image holds %d bytes, docker image inspect %d", archive, rep.B.Size, inspect)
		}
	}
}

// TestTextLayerSizesAgree: the diff's text and `layerdiff history`'s text show one size for one layer (the
// history's SIZE column is the diff's layer table's SIZE), and the diff's TAR column is the JSON's tar_size.
func TestTextLayerSizesAgree(t *testing.T) {
	_, hist, _ := layerdiffCmd(t, "history", appV2)
	historySize := map[int]string{} // B's layer index → SIZE
	layer := 0
	for _, l := range strings.Split(hist, "\n") {
		f := strings.Fields(l)
		if len(f) < 3 || f[0] != "-" || f[1] == "-" || f[1] == "LAYER" {
			continue
		}
		historySize[layer] = f[2] + " " + f[3]
		layer++
	}
	_, text, _ := layerdiffCmd(t, "--all", appV1, appV2)
	rep := diffJSON(t, appV1, appV2)
	tarOf := map[int]int64{}
	for _, l := range rep.Layers {
		if l.IndexB != nil {
			tarOf[*l.IndexB] = l.TarSize
		}
	}
	rows := 0
	for _, l := range strings.Split(text, "\n") {
		// "  A  B  STATUS  SIZE  TAR  FILES  CREATED BY", STATUS one or three words, sizes two.
		f := strings.Fields(l)
		if len(f) < 8 || (f[2] != "shared" && f[2] != "only") || f[1] == "-" {
			continue
		}
		sizes := f[3:]
		if f[2] == "only" {
			sizes = f[5:]
		}
		b, err := strconv.Atoi(f[1])
		if err != nil {
			t.Fatalf("layer row %q", l)
		}
		size, tar := sizes[0]+" "+sizes[1], sizes[2]+" "+sizes[3]
		if size != historySize[b] || tar != layerdiff.FormatSize(tarOf[b]) {
			t.Errorf("B's layer %d: the diff shows SIZE %s TAR %s; history %s, JSON tar_size %d", b, size, tar, historySize[b], tarOf[b])
		}
		rows++
	}
	if rows != len(historySize) || rows == 0 {
		t.Errorf("%d of B's layers in the diff's table, %d in history's", rows, len(historySize))
	}
}
