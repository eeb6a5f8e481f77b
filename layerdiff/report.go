package layerdiff

// Change says what happened to a path between image A and image B.
type Change string

// The changes a path can undergo.
const (
	Added    Change = "added"
	Deleted  Change = "deleted"
	Modified Change = "modified"
)

// Report is the comparison of two images. Its JSON form is the contract of `layerdiff --format json`.
type Report struct {
	A       ImageSummary    `json:"a"`
	B       ImageSummary    `json:"b"`
	Files   []FileChange    `json:"files"`
	Layers  []LayerMatch    `json:"layers"`
	Config  []ConfigChange  `json:"config"`
	Summary Summary         `json:"summary"`
	Options ReportedOptions `json:"options"`
}

// ImageSummary describes one side of the comparison.
type ImageSummary struct {
	Name   string `json:"name"`
	Layers int    `json:"layers"`
	// Size is the bytes of file contents the layers add, as docker history and docker images count them;
	// TarSize is the bytes of the uncompressed layer tars (contents, headers and padding).
	Size     int64  `json:"size"`
	TarSize  int64  `json:"tar_size"`
	Files    int    `json:"files"` // visible entries of the merged filesystem, directories included
	Platform string `json:"platform,omitempty"`
}

// FileChange is one path that differs between the merged filesystems of A and B. Paths have no leading slash.
type FileChange struct {
	Path   string `json:"path"`
	Change Change `json:"change"`
	// Type is the entry's type in B, or in A when it was deleted.
	Type string `json:"type"`
	// TypeA is the type in A when it differs from Type.
	TypeA string `json:"type_a,omitempty"`
	SizeA int64  `json:"size_a"`
	SizeB int64  `json:"size_b"`
	// What differs for a modified path: "type", "content", "mode", "owner", "link", "mtime".
	What   []string `json:"what,omitempty"`
	ModeA  string   `json:"mode_a,omitempty"`
	ModeB  string   `json:"mode_b,omitempty"`
	OwnerA string   `json:"owner_a,omitempty"`
	OwnerB string   `json:"owner_b,omitempty"`
	LinkA  string   `json:"link_a,omitempty"`
	LinkB  string   `json:"link_b,omitempty"`
	// Layer is B's layer that last wrote the path, or deleted it; nil when no layer of B touched it (a deleted
	// path that B's layers never held).
	Layer *LayerRef `json:"layer"`
	// Diff is a unified diff of a text file's contents (with --content); Binary says the contents are binary.
	Diff   string `json:"diff,omitempty"`
	Binary bool   `json:"binary,omitempty"`
	// Note says why no diff is shown (too large, not a regular file, ...).
	Note string `json:"note,omitempty"`
}

// LayerRef names a layer of image B and the history entry that made it.
type LayerRef struct {
	Index     int    `json:"index"` // 0 is the bottom layer
	DiffID    string `json:"diff_id"`
	CreatedBy string `json:"created_by,omitempty"`
}

// LayerMatch is one layer of either image and where it stands in the other.
type LayerMatch struct {
	DiffID string `json:"diff_id"`
	// Status is "shared" (in both images), "only_a" or "only_b".
	Status string `json:"status"`
	IndexA *int   `json:"index_a"`
	IndexB *int   `json:"index_b"`
	// Size is the bytes of regular file contents the layer adds, the SIZE of docker history (and of layerdiff
	// history); TarSize is the bytes of its uncompressed tar.
	Size      int64  `json:"size"`
	TarSize   int64  `json:"tar_size"`
	Files     int    `json:"files"`
	Deletes   int    `json:"deletes"` // whiteouts and opaque markers
	CreatedBy string `json:"created_by,omitempty"`
}

// ConfigChange is one field of the image config that differs.
type ConfigChange struct {
	Field string `json:"field"`
	A     any    `json:"a"`
	B     any    `json:"b"`
	// Added and Removed list the items of list- or map-valued fields (Env, Labels, ExposedPorts, Volumes)
	// present on one side only, as "KEY=value" or the item itself.
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
}

// Summary holds the totals of a Report. Sizes are bytes of file contents, as in LayerMatch.Size.
type Summary struct {
	Identical    bool `json:"identical"`
	SharedLayers int  `json:"shared_layers"`
	OnlyALayers  int  `json:"only_a_layers"`
	OnlyBLayers  int  `json:"only_b_layers"`
	// FirstDivergentLayer is the first layer index at which A and B hold different layers (or one has run out
	// of layers), or -1 when their layer lists are equal.
	FirstDivergentLayer int   `json:"first_divergent_layer"`
	Added               int   `json:"added"`
	Deleted             int   `json:"deleted"`
	Modified            int   `json:"modified"`
	SizeA               int64 `json:"size_a"`
	SizeB               int64 `json:"size_b"`
	SharedBytes         int64 `json:"shared_bytes"`
	OnlyABytes          int64 `json:"only_a_bytes"`
	OnlyBBytes          int64 `json:"only_b_bytes"`
	Growth              int64 `json:"growth"`
	ConfigChanges       int   `json:"config_changes"`
}

// ReportedOptions records the options that shaped a Report.
type ReportedOptions struct {
	Mtime   bool `json:"mtime"`
	Content bool `json:"content"`
}
