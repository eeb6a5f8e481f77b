package history

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/layerlint/layerlint/layerdiff"
)

// Report is the history of one image, step by step, with totals: what `layerdiff history` prints.
type Report struct {
	Image string `json:"image"`
	Steps []Step `json:"steps"`
	// Size is the bytes of regular file contents all layers add.
	Size int64 `json:"size"`
	// Wasted is the bytes of all layers' regular files that a later layer overwrites or deletes.
	Wasted int64 `json:"wasted"`
	// WastedFiles are the largest wasted files, largest first.
	WastedFiles []WastedFile `json:"wasted_files"`
	// Leftovers adds up the steps' leftovers by kind.
	Leftovers map[string]int64 `json:"leftovers"`
	// Alignment says how far the Dockerfile matches the image; nil without a Dockerfile.
	Alignment *AlignmentSummary `json:"alignment,omitempty"`
}

// AlignmentSummary is an Alignment without its steps, in the `layerdiff history --format json` contract.
type AlignmentSummary struct {
	// Complete reports that every instruction matches and the image holds nothing more.
	Complete bool    `json:"complete"`
	Builder  Builder `json:"builder"`
	// Start is the index of the first history entry the Dockerfile wrote, Boundary how it was found.
	Start    int      `json:"start"`
	Boundary Boundary `json:"boundary"`
	// Instructions, Matched and Stale are as in Alignment; MatchedThrough is the last Dockerfile line that
	// matches (0 when none does).
	Instructions   int `json:"instructions"`
	Matched        int `json:"matched"`
	MatchedThrough int `json:"matched_through"`
	Stale          int `json:"stale"`
	// Diverged is the first instruction that differs, null when none does; Message says it in one line.
	Diverged *MismatchError `json:"diverged"`
	Message  string         `json:"message,omitempty"`
}

// Summary returns the alignment's summary.
func (a *Alignment) Summary() *AlignmentSummary {
	s := &AlignmentSummary{Complete: a.Complete(), Builder: a.Builder, Start: a.Start, Boundary: a.Boundary,
		Instructions: a.Instructions, Matched: a.Matched, Stale: a.Stale, Diverged: a.Diverged}
	for _, st := range a.Steps {
		if st.Line > 0 && st.Rebuild == "" {
			s.MatchedThrough = max(s.MatchedThrough, st.EndLine)
		}
	}
	if err := a.Err(); err != nil {
		s.Message = err.Error()
	}
	return s
}

// MarshalJSON writes the mismatch as {"line", "instruction", "history", "created_by", "reason"}, history null
// when the history ran out.
func (e *MismatchError) MarshalJSON() ([]byte, error) {
	j := struct {
		Line        int    `json:"line"`
		Instruction string `json:"instruction"`
		History     *int   `json:"history"`
		CreatedBy   string `json:"created_by"`
		Reason      string `json:"reason"`
	}{Line: e.Line, Instruction: e.Instruction, CreatedBy: e.CreatedBy, Reason: e.Reason}
	if e.History >= 0 {
		j.History = &e.History
	}
	return json.Marshal(j)
}

// NewReport sums up the steps Align returned for img and keeps the top largest of its wasted files
// (Measurements.WastedFiles).
func NewReport(img *layerdiff.Image, steps []Step, wasted []WastedFile, top int) *Report {
	r := &Report{Image: img.Name, Steps: steps, Leftovers: map[string]int64{}, WastedFiles: []WastedFile{}}
	for _, s := range steps {
		if s.Layer < 0 {
			continue
		}
		r.Size += s.Size
		r.Wasted += s.Wasted
		for k, v := range s.Leftovers {
			r.Leftovers[k] += v
		}
	}
	r.WastedFiles = append(r.WastedFiles, wasted[:min(max(top, 0), len(wasted))]...)
	return r
}

// stepJSON is the JSON form of a Step: absent lines and layers are null.
type stepJSON struct {
	Line        *int             `json:"line"`
	EndLine     *int             `json:"end_line"`
	Instruction string           `json:"instruction"`
	Command     string           `json:"command"`
	Stage       *int             `json:"stage"`
	CreatedBy   string           `json:"created_by"`
	History     *int             `json:"history"`
	Empty       bool             `json:"empty"`
	Layer       *string          `json:"layer"`
	LayerIndex  *int             `json:"layer_index"`
	Base        bool             `json:"base"`
	Stale       bool             `json:"stale,omitempty"`
	Rebuild     string           `json:"rebuild,omitempty"`
	Size        int64            `json:"size"`
	Files       int              `json:"files"`
	Added       int              `json:"added"`
	Modified    int              `json:"modified"`
	Deleted     int              `json:"deleted"`
	Wasted      int64            `json:"wasted"`
	Leftovers   map[string]int64 `json:"leftovers,omitempty"`
}

// MarshalJSON writes the step in the `layerdiff history --format json` contract: "line" and "layer" (the
// layer's DiffID) are null when the step has none.
func (s Step) MarshalJSON() ([]byte, error) {
	j := stepJSON{Instruction: s.Instruction, Command: s.Command, CreatedBy: s.CreatedBy, Empty: s.Empty,
		Base: s.Base, Stale: s.Stale, Rebuild: s.Rebuild, Size: s.Size, Files: s.Files, Added: s.Added, Modified: s.Modified, Deleted: s.Deleted,
		Wasted: s.Wasted, Leftovers: s.Leftovers}
	if s.Line > 0 {
		j.Line, j.EndLine = &s.Line, &s.EndLine
	}
	if s.Stage >= 0 {
		j.Stage = &s.Stage
	}
	if s.History >= 0 {
		j.History = &s.History
	}
	if s.Layer >= 0 {
		j.Layer, j.LayerIndex = &s.DiffID, &s.Layer
	}
	return json.Marshal(j)
}

// LeftoverKinds returns the kinds in m, sorted.
func LeftoverKinds(m map[string]int64) []string {
	return slices.Sorted(maps.Keys(m))
}
