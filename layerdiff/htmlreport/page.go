// Package htmlreport makes `layerdiff report`: one self-contained HTML file that shows where an image's bytes
// are (a treemap by Dockerfile line, directory and file, with wasted bytes and package-manager leftovers
// marked, and the numbers of `layerdiff history` beside it), or, for two images, where they changed (the
// same treemap coloured by growth and shrink, and a filterable table of the changed paths).
//
// The page needs no network when viewed: its script, styles and the layout library (d3-hierarchy, vendored
// in third_party) are inlined, and so is its data, a Page as JSON. The data is built in one pass over the
// images' listings, and stays small on big images: files and directories under Page.MinBytes are not kept one
// by one but taken together per directory, so the treemap holds a few thousand rectangles however many files
// the image has.
package htmlreport

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/cache"
	"github.com/layerlint/layerlint/layerdiff/history"
)

// Page is the data of a report, embedded in the HTML as JSON.
type Page struct {
	// Kind is "image" for one image, "diff" for two.
	Kind string `json:"kind"`
	// Image is the image's name (B's in a diff); ImageA is A's.
	Image  string `json:"image"`
	ImageA string `json:"image_a,omitempty"`
	// Steps are the image's steps (B's in a diff), as `layerdiff history` aligns and measures them.
	Steps []Step `json:"steps"`
	// Tree is the image's bytes by step, directory and file: every regular file of every layer, visible or
	// not. In a diff it is B's, and its files are classed by how they changed from A.
	Tree *Node `json:"tree"`
	// Changes is, in a diff, the changed paths by B's step that last wrote or deleted them, directory and
	// file, each sized by its larger side (SizeA or SizeB); nil for one image.
	Changes *Node `json:"changes,omitempty"`
	// MinBytes is the size under which files and directories of Tree are taken together per directory;
	// ChangesMinBytes is Changes'.
	MinBytes        int64 `json:"min_bytes"`
	ChangesMinBytes int64 `json:"changes_min_bytes,omitempty"`
	// Totals of the image (B's in a diff).
	Size      int64            `json:"size"`
	TarSize   int64            `json:"tar_size"`
	Wasted    int64            `json:"wasted"`
	Leftovers map[string]int64 `json:"leftovers"`
	// Alignment says how far the Dockerfile matches the image; nil without one.
	Alignment *history.AlignmentSummary `json:"alignment,omitempty"`
	// Diff holds what only a diff has; nil for one image.
	Diff *Comparison `json:"diff,omitempty"`
}

// Step is one step of the image with its measurements (the JSON of `layerdiff history`'s steps), the cache
// prediction for its line when a build context was given, and in a diff the bytes of the changes it made.
type Step struct {
	history.Step
	Label string
	Cache *cache.Step
	// Grew and Shrank sum, over the changed paths this step last wrote or deleted, what B has more (Grew)
	// or less (Shrank) of than A.
	Grew, Shrank int64
}

// MarshalJSON writes the history step's fields with "label", "cache", "grew" and "shrank" beside them.
func (s Step) MarshalJSON() ([]byte, error) {
	base, err := json.Marshal(s.Step)
	if err != nil {
		return nil, err
	}
	extra, err := json.Marshal(struct {
		Label  string      `json:"label"`
		Cache  *cache.Step `json:"cache"`
		Grew   int64       `json:"grew"`
		Shrank int64       `json:"shrank"`
	}{s.Label, s.Cache, s.Grew, s.Shrank})
	if err != nil {
		return nil, err
	}
	return append(append(base[:len(base)-1], ','), extra[1:]...), nil
}

// Comparison is what the report of two images adds.
type Comparison struct {
	Summary layerdiff.Summary      `json:"summary"`
	A       layerdiff.ImageSummary `json:"a"`
	B       layerdiff.ImageSummary `json:"b"`
	// Files are the changed paths, in path order; when there are more than MaxFiles, the largest MaxFiles.
	Files []ChangedPath `json:"files"`
	// FilesLeftOut counts the changed paths not in Files.
	FilesLeftOut int `json:"files_left_out"`
	// Config lists the config fields that differ.
	Config []layerdiff.ConfigChange `json:"config"`
}

// ChangedPath is one row of the table of changed paths. It is written as an array, [path, change, type,
// size_a, size_b, step, class]: the big pair's 24k rows must fit the page.
type ChangedPath struct {
	Path   string
	Change layerdiff.Change
	Type   string
	SizeA  int64
	SizeB  int64
	// Step is the index in Page.Steps of the step that last wrote or deleted the path in B, -1 when none did.
	Step  int
	Class string
}

// MarshalJSON writes the row as an array.
func (c ChangedPath) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{c.Path, string(c.Change), c.Type, c.SizeA, c.SizeB, c.Step, c.Class})
}

// changeClass says how a changed path's bytes moved: "added", "deleted", "grew", "shrank", or "changed" when
// its size stayed (contents, mode, owner or link changed).
func changeClass(f *layerdiff.FileChange) string {
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

// stepLabel names a step on the treemap: its Dockerfile line and instruction, or its layer and created_by.
func stepLabel(s history.Step) string {
	switch {
	case s.Line > 0:
		return fmt.Sprintf("line %d: %s", s.Line, oneLine(s.Instruction, 80))
	case s.Layer >= 0:
		return fmt.Sprintf("layer %d: %s", s.Layer, oneLine(s.CreatedBy, 80))
	}
	return oneLine(s.CreatedBy, 80)
}

// oneLine collapses whitespace and cuts s to n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// newSteps wraps the history report's steps and gives each the cache prediction for its line.
func newSteps(rep *history.Report, pred *cache.Prediction) []Step {
	byLine := map[int]*cache.Step{}
	if pred != nil {
		for i := range pred.Steps {
			byLine[pred.Steps[i].Line] = &pred.Steps[i]
		}
	}
	steps := make([]Step, len(rep.Steps))
	for i, s := range rep.Steps {
		steps[i] = Step{Step: s, Label: stepLabel(s)}
		if s.Line > 0 && !s.Stale {
			steps[i].Cache = byLine[s.Line]
		}
	}
	return steps
}
