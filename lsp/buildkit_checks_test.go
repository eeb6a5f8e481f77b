package lsp_test

import (
	"path/filepath"
	"slices"
	"testing"

	"go.lsp.dev/protocol"
)

// TestBuildKitChecksSetting: with "buildkitChecks": "off" layerls publishes its own rules but none of
// BuildKit's checks (another Dockerfile server beside it reports those); "on", the default, and a change
// through workspace/didChangeConfiguration bring them back.
func TestBuildKitChecksSetting(t *testing.T) {
	const text = "FROM debian:bookworm AS Builder\nMAINTAINER someone\nRUN apt-get update && apt-get install -y curl\n"
	codes := func(ds []protocol.Diagnostic) []string {
		var out []string
		for _, d := range ds {
			if s, ok := d.Code.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	has := func(code string) func([]protocol.Diagnostic) bool {
		return func(ds []protocol.Diagnostic) bool { return slices.Contains(codes(ds), code) }
	}
	for _, tc := range []struct {
		name     string
		settings any
		buildkit bool
	}{
		{"default", nil, true},
		{"on", map[string]any{"layerlint": map[string]any{"buildkitChecks": "on"}}, true},
		{"off", map[string]any{"layerlint": map[string]any{"buildkitChecks": "off"}}, false},
		{"neither", map[string]any{"layerlint": map[string]any{"buildkitChecks": false}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			c := startServer(t, dir, tc.settings)
			u := c.open(filepath.Join(dir, "Dockerfile"), text)
			// A file's first diagnostics may come before BuildKit's checks; with them on, wait for the
			// complete list.
			ds := c.waitDiagnostics(u, 1, func(ds []protocol.Diagnostic) bool {
				return has("AptListsNotRemoved")(ds) && (!tc.buildkit || has("StageNameCasing")(ds) && has("MaintainerDeprecated")(ds))
			})
			for _, check := range []string{"StageNameCasing", "MaintainerDeprecated"} {
				if got := slices.Contains(codes(ds), check); got != tc.buildkit {
					t.Errorf("BuildKit's %s reported: %v, want %v (diagnostics %v)", check, got, tc.buildkit, codes(ds))
				}
			}
			if tc.name == "neither" {
				c.mu.Lock()
				msgs := c.messages
				c.mu.Unlock()
				if !slices.ContainsFunc(msgs, func(m protocol.ShowMessageParams) bool {
					return m.Type == protocol.MessageTypeWarning && m.Message == `layerlint.buildkitChecks: want "on" or "off", got false`
				}) {
					t.Errorf("no warning about the bad buildkitChecks value: %+v", msgs)
				}
			}
			if tc.buildkit {
				return
			}
			c.notify(protocol.MethodWorkspaceDidChangeConfiguration, map[string]any{"settings": map[string]any{"layerlint": map[string]any{"buildkitChecks": "on"}}})
			c.waitDiagnostics(u, 1, func(ds []protocol.Diagnostic) bool {
				return has("StageNameCasing")(ds) && has("AptListsNotRemoved")(ds)
			})
		})
	}
}
