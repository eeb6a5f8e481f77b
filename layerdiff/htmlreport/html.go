package htmlreport

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"strings"
)

var (
	//go:embed assets/report.html
	pageHTML string
	//go:embed assets/report.css
	pageCSS string
	//go:embed assets/report.js
	pageJS string
	//go:embed third_party/d3-hierarchy/d3-hierarchy.min.js
	d3JS string
	//go:embed third_party/d3-hierarchy/SOURCE.json
	d3Source []byte
)

// vendored is third_party's record of a vendored library (update.sh writes it).
type vendored struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	License string `json:"license"`
	File    string `json:"file"`
	SHA256  string `json:"sha256"`
}

// WriteHTML writes the page as one self-contained HTML file: its data, script, styles and layout library
// inlined.
func (p *Page) WriteHTML(w io.Writer) error {
	var d3 vendored
	if err := json.Unmarshal(d3Source, &d3); err != nil {
		return fmt.Errorf("reading the record of the vendored d3-hierarchy: %w", err)
	}
	var data bytes.Buffer
	enc := json.NewEncoder(&data) // escapes <, > and &: the JSON cannot close its <script>
	if err := enc.Encode(p); err != nil {
		return fmt.Errorf("encoding the report's data: %w", err)
	}
	title := "layerdiff report: " + p.Image
	heading := html.EscapeString(p.Image)
	mapNote := "Every regular file of every layer, by the step (Dockerfile line or history entry) that wrote it, then by directory; the area is its bytes."
	if p.Kind == "diff" {
		title = "layerdiff report: " + p.ImageA + " → " + p.Image
		heading = "<span>A</span> " + html.EscapeString(p.ImageA) + " → <span>B</span> " + html.EscapeString(p.Image)
		mapNote = "Changes: every changed path by the step of B that last wrote or deleted it, sized by its larger side and coloured by how it changed. Image B: every file of B's layers, coloured by how it changed from A."
	}
	r := strings.NewReplacer(
		"{{TITLE}}", html.EscapeString(title),
		"{{HEADING}}", heading,
		"{{MAPNOTE}}", mapNote,
		"{{CSS}}", pageCSS,
		"{{DATA}}", strings.TrimSpace(data.String()),
		"{{D3}}", d3JS,
		"{{D3VERSION}}", html.EscapeString(d3.Version),
		"{{D3LICENSE}}", html.EscapeString(d3.License),
		"{{JS}}", pageJS,
	)
	_, err := r.WriteString(w, pageHTML)
	return err
}
