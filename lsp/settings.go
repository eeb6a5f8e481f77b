package lsp

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/layerlint/layerlint/layerdiff/source"
	"github.com/layerlint/layerlint/lint"
)

// Settings are the client's layerlint settings: initializationOptions {"layerlint": {...}} and
// workspace/didChangeConfiguration {"settings": {"layerlint": {...}}}.
type Settings struct {
	// Image overrides the image of .layerlint.yaml; relative paths are resolved against the workspace root.
	Image string
	// Context overrides the build context directory of .layerlint.yaml.
	Context string
	// SizeHints and CacheHints turn the two inlay hints of an instruction on and off.
	SizeHints, CacheHints bool
	// Threshold is the lowest severity of the linter's findings that is published; lint.Off publishes none.
	Threshold lint.Severity
	// FindImage looks for the image of a Dockerfile that has none configured in the local image stores
	// ("findImage": true, the default).
	FindImage bool
	// RegistryCredentials are sent to registries ("registryCredentials": "USER:PASSWORD"); zero means the
	// server's $LAYERLINT_REGISTRY_CREDS, then the Docker config. They are never logged or shown.
	RegistryCredentials source.Credentials
	// BuildKitChecks reports BuildKit's own build checks beside layerlint's rules ("buildkitChecks": "on", the
	// default); "off" leaves them to another Dockerfile server running beside this one.
	BuildKitChecks bool
}

// defaultSettings are the settings before the client sends any.
func defaultSettings() Settings {
	return Settings{SizeHints: true, CacheHints: true, Threshold: lint.Info, BuildKitChecks: true, FindImage: true}
}

// parseSettings reads the "layerlint" section of raw (an object holding it) over base. Unknown keys are
// ignored; a value of the wrong type keeps base's value and is reported in warnings.
func parseSettings(base Settings, raw json.RawMessage, root string) (s Settings, warnings []string) {
	s = base
	var outer map[string]json.RawMessage
	if len(raw) == 0 || string(raw) == "null" {
		return s, nil
	}
	if err := json.Unmarshal(raw, &outer); err != nil {
		return s, []string{"layerlint settings: want an object holding \"layerlint\""}
	}
	section, ok := outer["layerlint"]
	if !ok || string(section) == "null" {
		return s, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(section, &m); err != nil {
		return s, []string{"layerlint settings: \"layerlint\" must be an object"}
	}
	str := func(key string, dst *string) {
		if v, ok := m[key]; ok && string(v) != "null" {
			if err := json.Unmarshal(v, dst); err != nil {
				warnings = append(warnings, fmt.Sprintf("layerlint.%s: want a string, got %s", key, clip(string(v), 40)))
			}
		}
	}
	str("image", &s.Image)
	str("context", &s.Context)
	if clean := source.Redact(s.Image); clean != s.Image {
		// Credentials pasted into the reference go no further than this: the load then says where they belong.
		s.Image = clean
		warnings = append(warnings, "layerlint.image holds credentials; put them in layerlint.registryCredentials (\"USER:PASSWORD\") instead")
	}
	s.Image = resolveImage(strings.TrimSpace(s.Image), root)
	if v, ok := m["registryCredentials"]; ok && string(v) != "null" {
		var c string
		if err := json.Unmarshal(v, &c); err != nil {
			warnings = append(warnings, "layerlint.registryCredentials: want a string \"USER:PASSWORD\"")
		} else if c != "" {
			creds, hasPassword, err := source.ParseCredentials(c, "the layerlint.registryCredentials setting")
			switch {
			case err != nil:
				warnings = append(warnings, err.Error())
			case !hasPassword:
				warnings = append(warnings, "the layerlint.registryCredentials setting has no password; want USER:PASSWORD")
			default:
				s.RegistryCredentials = creds
			}
		}
	}
	if s.Context = strings.TrimSpace(s.Context); s.Context != "" && !filepath.IsAbs(s.Context) && root != "" {
		s.Context = filepath.Join(root, s.Context)
	}
	if v, ok := m["hints"]; ok && string(v) != "null" {
		var hints map[string]json.RawMessage
		if err := json.Unmarshal(v, &hints); err != nil {
			warnings = append(warnings, "layerlint.hints: want an object {\"size\": bool, \"cache\": bool}")
		}
		for key, dst := range map[string]*bool{"size": &s.SizeHints, "cache": &s.CacheHints} {
			if b, ok := hints[key]; ok && string(b) != "null" {
				if err := json.Unmarshal(b, dst); err != nil {
					warnings = append(warnings, fmt.Sprintf("layerlint.hints.%s: want true or false, got %s", key, clip(string(b), 40)))
				}
			}
		}
	}
	if v, ok := m["findImage"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &s.FindImage); err != nil {
			warnings = append(warnings, fmt.Sprintf("layerlint.findImage: want true or false, got %s", clip(string(v), 40)))
		}
	}
	if v, ok := m["failureThreshold"]; ok && string(v) != "null" {
		var t string
		if err := json.Unmarshal(v, &t); err != nil {
			warnings = append(warnings, fmt.Sprintf("layerlint.failureThreshold: want a string, got %s", clip(string(v), 40)))
		} else if sev, err := lint.ParseSeverity(t); err != nil {
			warnings = append(warnings, fmt.Sprintf("layerlint.failureThreshold: %q is not one of error, warning, info, none", t))
		} else {
			s.Threshold = sev
		}
	}
	if v, ok := m["buildkitChecks"]; ok && string(v) != "null" {
		var onOff string
		switch err := json.Unmarshal(v, &onOff); {
		case err == nil && onOff == "on":
			s.BuildKitChecks = true
		case err == nil && onOff == "off":
			s.BuildKitChecks = false
		default:
			warnings = append(warnings, fmt.Sprintf("layerlint.buildkitChecks: want \"on\" or \"off\", got %s", clip(string(v), 40)))
		}
	}
	return s, warnings
}

// resolveImage makes a relative image path absolute against the workspace root. References that are not
// paths (debian:bookworm, docker://...) and paths that do not exist under root stay as written.
func resolveImage(ref, root string) string {
	if ref == "" || root == "" {
		return ref
	}
	for _, transport := range []string{source.DockerArchive, source.OCI, source.OCIArchive} {
		if rest, ok := strings.CutPrefix(ref, transport+":"); ok {
			if rest != "" && !filepath.IsAbs(rest) {
				return transport + ":" + filepath.Join(root, rest)
			}
			return ref
		}
	}
	if filepath.IsAbs(ref) || strings.Contains(ref, "://") {
		return ref
	}
	if strings.HasPrefix(ref, "./") || strings.HasPrefix(ref, "../") || exists(filepath.Join(root, ref)) {
		return filepath.Join(root, ref)
	}
	return ref
}
