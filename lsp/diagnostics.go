package lsp

import (
	"context"
	"fmt"

	"go.lsp.dev/protocol"

	"github.com/layerlint/layerlint/lint"
)

// diagnosticSource is the source of every diagnostic the server publishes.
const diagnosticSource = "layerlint"

// Diagnostics returns the problems of a snapshot: parse errors, the linter's findings at or above the
// failure threshold (BuildKit's checks included), and one diagnostic each for an unreadable configuration,
// build context or image and for a Dockerfile that no longer matches its image.
func Diagnostics(ctx context.Context, snap *Snapshot) []protocol.Diagnostic {
	return diagnostics(ctx, snap, true)
}

// diagnostics is Diagnostics, without BuildKit's checks unless checks is set.
func diagnostics(ctx context.Context, snap *Snapshot, checks bool) []protocol.Diagnostic {
	diags := []protocol.Diagnostic{}
	if snap == nil {
		return diags
	}
	var findings []lint.Finding
	var perr *lint.ParseError
	var err error
	if checks {
		findings, perr, err = snap.lint(ctx)
	} else if _, perr, err = snap.lintParse(); perr == nil && err == nil {
		findings, err = snap.lintRules(ctx, false)
	}
	switch {
	case perr != nil:
		diags = append(diags, snap.lineDiagnostic(perr.Line, protocol.DiagnosticSeverityError, "", perr.Message))
	case err != nil:
		diags = append(diags, snap.lineDiagnostic(1, protocol.DiagnosticSeverityWarning, "", fmt.Sprintf("linting failed: %v", err)))
	case snap.ParseErr != nil && snap.AST == nil:
		diags = append(diags, snap.lineDiagnostic(1, protocol.DiagnosticSeverityError, "", snap.ParseErr.Error()))
	}
	threshold := snap.Settings.Threshold
	for _, f := range findings {
		if threshold == lint.Off || f.Severity < threshold {
			continue
		}
		diags = append(diags, snap.findingDiagnostic(f))
	}
	anchor := snap.finalFromLine()
	if snap.ConfigErr != nil {
		diags = append(diags, snap.lineDiagnostic(1, protocol.DiagnosticSeverityWarning, "config", snap.ConfigErr.Error()))
	}
	if snap.ImageRef != "" && !snap.Image.loading && snap.Image.err != nil {
		msg := fmt.Sprintf("image %s could not be loaded, so no layer sizes or cache status: %v", snap.ImageRef, snap.Image.err)
		if f := snap.Found; f != nil && f.ref != snap.ImageRef {
			msg = fmt.Sprintf("image %s could not be loaded, so no layer sizes; the cache status compares with %s, found in the local image store: %v",
				snap.ImageRef, f.name, snap.Image.err)
		}
		diags = append(diags, snap.lineDiagnostic(anchor, protocol.DiagnosticSeverityWarning, "image", msg))
	}
	if snap.ContextErr != nil {
		diags = append(diags, snap.lineDiagnostic(anchor, protocol.DiagnosticSeverityWarning, "context",
			fmt.Sprintf("build context %s could not be read, so no cache status: %v", snap.ContextDir, snap.ContextErr)))
	}
	if d := snap.Diverged; d != nil && !snap.editing(d.Line) {
		// Not while the user types at the first difference: that is what typing does. Once the file and the
		// image differ elsewhere, one calm note says where the image's part of it ends.
		line := d.Line
		if line <= 0 {
			line = anchor
		}
		diags = append(diags, snap.lineDiagnostic(line, protocol.DiagnosticSeverityInformation, "image-mismatch", snap.divergedMessage()))
	}
	if snap.AlignErr != nil {
		diags = append(diags, snap.lineDiagnostic(anchor, protocol.DiagnosticSeverityInformation, "image-mismatch",
			fmt.Sprintf("image %s cannot be aligned with the Dockerfile: %v", snap.ImageRef, snap.AlignErr)))
	}
	if snap.PredictErr != nil && !snap.Carried { // carried: the parse error says why
		diags = append(diags, snap.lineDiagnostic(anchor, protocol.DiagnosticSeverityInformation, "cache",
			fmt.Sprintf("no cache prediction: %v", snap.PredictErr)))
	}
	return diags
}

// findingDiagnostic converts a finding: byte columns to UTF-16, the rule as code with its documentation.
func (s *Snapshot) findingDiagnostic(f lint.Finding) protocol.Diagnostic {
	start := s.lines.position(f.Line, f.Col)
	end := s.lines.position(max(f.EndLine, f.Line), f.EndCol)
	if f.Col <= 0 { // BuildKit's checks carry lines only: the whole line
		start = s.lines.position(f.Line, 1)
		end = s.lines.lineEnd(f.Line - 1)
	}
	if end.Line < start.Line || end.Line == start.Line && end.Character < start.Character {
		end = start
	}
	d := protocol.Diagnostic{
		Range: protocol.Range{Start: start, End: end}, Severity: severity(f.Severity),
		Code: f.Rule, Source: diagnosticSource, Message: f.Message,
	}
	if f.URL != "" {
		d.CodeDescription = &protocol.CodeDescription{Href: protocol.URI(f.URL)}
	}
	return d
}

// lineDiagnostic covers the text of 1-based line n (the first line when n is out of range).
func (s *Snapshot) lineDiagnostic(n int, sev protocol.DiagnosticSeverity, code, msg string) protocol.Diagnostic {
	if n < 1 || n > s.lines.count() {
		n = 1
	}
	d := protocol.Diagnostic{
		Range:    protocol.Range{Start: s.lines.position(n, 1), End: s.lines.lineEnd(n - 1)},
		Severity: sev, Source: diagnosticSource, Message: msg,
	}
	if code != "" {
		d.Code = code
	}
	return d
}

// divergedMessage says how far the image holds the Dockerfile and why it stops there.
func (s *Snapshot) divergedMessage() string {
	a := s.Alignment
	if a.Diverged == nil {
		return fmt.Sprintf("image %s was built from a Dockerfile with %d more steps after line %d", s.ImageRef, a.Stale, s.Diverged.Line)
	}
	last := 0
	for _, st := range s.Steps {
		last = max(last, st.EndLine)
	}
	d := a.Diverged
	if last == 0 {
		return fmt.Sprintf("image %s holds none of this Dockerfile's instructions: line %d differs (%s); sizes show after the next build", s.ImageRef, d.Line, d.Reason)
	}
	return fmt.Sprintf("image %s holds this Dockerfile down to line %d; from line %d it differs (%s), so those lines show their sizes after the next build", s.ImageRef, last, d.Line, d.Reason)
}

// editing reports whether the latest edit touched the instruction at 1-based line n.
func (s *Snapshot) editing(n int) bool {
	if s.Edited[0] == 0 {
		return false
	}
	first, last := n, n
	if in, ok := s.instructionAt(n - 1); ok {
		first, last = in.Line, in.EndLine
	}
	return s.Edited[0] <= last && s.Edited[1] >= first
}

// finalFromLine is where diagnostics about the image go: the last FROM, or line 1.
func (s *Snapshot) finalFromLine() int {
	line := 1
	for _, in := range s.Instructions {
		if in.Keyword == "FROM" {
			line = in.Line
		}
	}
	return line
}

func severity(s lint.Severity) protocol.DiagnosticSeverity {
	switch s {
	case lint.Error:
		return protocol.DiagnosticSeverityError
	case lint.Warning:
		return protocol.DiagnosticSeverityWarning
	default:
		return protocol.DiagnosticSeverityInformation
	}
}
