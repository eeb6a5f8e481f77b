package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/lint"
)

// formatter writes findings; color is only ever true for text on a terminal.
type formatter func(w io.Writer, fs []lint.Finding, color bool) error

var formats = map[string]formatter{
	"text":       writeText,
	"json":       writeJSON,
	"sarif":      writeSARIF,
	"checkstyle": writeCheckstyle,
	"github":     writeGitHub,
}

func writeText(w io.Writer, fs []lint.Finding, color bool) error {
	colors := map[lint.Severity]string{lint.Error: "\x1b[31m", lint.Warning: "\x1b[33m", lint.Info: "\x1b[36m"}
	for _, f := range fs {
		sev := f.Severity.String()
		if color {
			sev = colors[f.Severity] + sev + "\x1b[0m"
		}
		if _, err := fmt.Fprintf(w, "%s:%d:%d: %s: %s [%s]%s\n", f.File, f.Line, f.Col, sev, f.Message, f.Rule, measured(f)); err != nil {
			return err
		}
	}
	return nil
}

// measured is " (81 MB)" for a finding with measured bytes, "" otherwise: the
// suffix the formats without a field for it put after the message.
func measured(f lint.Finding) string {
	if f.Bytes == nil {
		return ""
	}
	return " (" + layerdiff.FormatSize(*f.Bytes) + ")"
}

type jsonEdit struct {
	StartLine int    `json:"start_line"`
	StartCol  int    `json:"start_column"`
	EndLine   int    `json:"end_line"`
	EndCol    int    `json:"end_column"`
	NewText   string `json:"new_text"`
}

type jsonFix struct {
	Title string     `json:"title"`
	Safe  bool       `json:"safe"`
	Edits []jsonEdit `json:"edits"`
}

type jsonFinding struct {
	Rule     string   `json:"rule"`
	Severity string   `json:"severity"`
	File     string   `json:"file"`
	Line     int      `json:"line"`
	EndLine  int      `json:"end_line"`
	Col      int      `json:"column"`
	EndCol   int      `json:"end_column"`
	Message  string   `json:"message"`
	Bytes    *int64   `json:"bytes,omitempty"`
	Fix      *jsonFix `json:"fix,omitempty"`
}

func writeJSON(w io.Writer, fs []lint.Finding, _ bool) error {
	out := struct {
		Findings []jsonFinding `json:"findings"`
	}{Findings: []jsonFinding{}}
	for _, f := range fs {
		jf := jsonFinding{Rule: f.Rule, Severity: f.Severity.String(), File: f.File, Line: f.Line, EndLine: f.EndLine,
			Col: f.Col, EndCol: f.EndCol, Message: f.Message, Bytes: f.Bytes}
		if f.Fix != nil {
			jf.Fix = &jsonFix{Title: f.Fix.Title, Safe: f.Fix.Safe, Edits: []jsonEdit{}}
			for _, e := range f.Fix.Edits {
				jf.Fix.Edits = append(jf.Fix.Edits, jsonEdit(e))
			}
		}
		out.Findings = append(out.Findings, jf)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeGitHub writes GitHub Actions workflow commands, which annotate the
// pull request.
func writeGitHub(w io.Writer, fs []lint.Finding, _ bool) error {
	level := map[lint.Severity]string{lint.Error: "error", lint.Warning: "warning", lint.Info: "notice"}
	esc := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	prop := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
	for _, f := range fs {
		if _, err := fmt.Fprintf(w, "::%s file=%s,line=%d,endLine=%d,col=%d,endColumn=%d,title=%s::%s\n",
			level[f.Severity], prop.Replace(f.File), f.Line, f.EndLine, f.Col, f.EndCol, prop.Replace(f.Rule), esc.Replace(f.Message+measured(f))); err != nil {
			return err
		}
	}
	return nil
}

type checkstyle struct {
	XMLName xml.Name         `xml:"checkstyle"`
	Version string           `xml:"version,attr"`
	Files   []checkstyleFile `xml:"file"`
}

type checkstyleFile struct {
	Name   string            `xml:"name,attr"`
	Errors []checkstyleError `xml:"error"`
}

type checkstyleError struct {
	Line     int    `xml:"line,attr"`
	Column   int    `xml:"column,attr"`
	Severity string `xml:"severity,attr"`
	Message  string `xml:"message,attr"`
	Source   string `xml:"source,attr"`
}

func writeCheckstyle(w io.Writer, fs []lint.Finding, _ bool) error {
	doc := checkstyle{Version: "4.3"}
	index := map[string]int{}
	for _, f := range fs {
		i, ok := index[f.File]
		if !ok {
			i = len(doc.Files)
			index[f.File] = i
			doc.Files = append(doc.Files, checkstyleFile{Name: f.File})
		}
		doc.Files[i].Errors = append(doc.Files[i].Errors, checkstyleError{
			Line: f.Line, Column: f.Col, Severity: f.Severity.String(), Message: f.Message + measured(f), Source: "layerlint." + f.Rule,
		})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
