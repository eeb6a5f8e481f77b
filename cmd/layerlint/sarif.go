package main

import (
	"encoding/json"
	"io"
	"path/filepath"

	"github.com/layerlint/layerlint/lint"
)

const sarifSchema = "https://json.schemastore.org/sarif-2.1.0.json"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	ShortDescription sarifMessage `json:"shortDescription"`
	HelpURI          string       `json:"helpUri,omitempty"`
	DefaultConfig    sarifConfig  `json:"defaultConfiguration"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations"`
	// Properties holds the measured bytes when an image was given.
	Properties *sarifProperties `json:"properties,omitempty"`
}

type sarifProperties struct {
	Bytes int64 `json:"bytes"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

func sarifLevel(s lint.Severity) string {
	switch s {
	case lint.Error:
		return "error"
	case lint.Info:
		return "note"
	}
	return "warning"
}

// writeSARIF writes a SARIF 2.1.0 log with every rule in the driver, so
// code-scanning tools can show rule docs next to results.
func writeSARIF(w io.Writer, fs []lint.Finding, _ bool) error {
	driver := sarifDriver{Name: "layerlint", InformationURI: "https://github.com/layerlint/layerlint", Rules: []sarifRule{}}
	index := map[string]int{}
	addRule := func(id, doc, url string, sev lint.Severity) {
		index[id] = len(driver.Rules)
		driver.Rules = append(driver.Rules, sarifRule{ID: id, ShortDescription: sarifMessage{doc}, HelpURI: url, DefaultConfig: sarifConfig{sarifLevel(sev)}})
	}
	for _, r := range lint.All {
		addRule(r.Name, r.Doc, r.URL, r.Severity)
	}
	for _, c := range lint.BuildKitChecks() {
		addRule(c.Name, c.Doc, c.URL, lint.Warning)
	}
	results := []sarifResult{}
	for _, f := range fs {
		i, ok := index[f.Rule]
		if !ok {
			addRule(f.Rule, f.Rule, f.URL, f.Severity)
			i = index[f.Rule]
		}
		var props *sarifProperties
		if f.Bytes != nil {
			props = &sarifProperties{Bytes: *f.Bytes}
		}
		results = append(results, sarifResult{
			Properties: props,
			RuleID:     f.Rule, RuleIndex: i, Level: sarifLevel(f.Severity), Message: sarifMessage{f.Message},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: filepath.ToSlash(f.File)},
				Region:           sarifRegion{StartLine: f.Line, StartColumn: f.Col, EndLine: f.EndLine, EndColumn: f.EndCol},
			}}},
		})
	}
	log := sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{{Tool: sarifTool{Driver: driver}, Results: results}}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}
