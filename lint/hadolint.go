package lint

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"gopkg.in/yaml.v3"
)

// This file maps hadolint's rule codes to layerlint's rules and BuildKit's
// checks, for users coming from hadolint: their pragmas and .hadolint.yaml
// ignores keep working where a rule maps. The mapping follows hadolint's
// documented rules (hadolint's README rule table).

// hadolintBuildKit maps hadolint codes to the BuildKit checks that report
// the same problem.
var hadolintBuildKit = map[string][]string{
	"DL3000": {"WorkdirRelativePath"},
	"DL3012": {"MultipleInstructionsDisallowed"},
	"DL3024": {"DuplicateStageName"},
	"DL3025": {"JSONArgsRecommended"},
	"DL4000": {"MaintainerDeprecated"},
	"DL4003": {"MultipleInstructionsDisallowed"},
	"DL4004": {"MultipleInstructionsDisallowed"},
}

// HadolintRules returns the layerlint rules and BuildKit checks a hadolint
// code (DL3009) stands for, or nil when none does.
func HadolintRules(code string) []string {
	var out []string
	for _, r := range All {
		for _, c := range r.Hadolint {
			if c == code {
				out = append(out, r.Name)
			}
		}
	}
	out = append(out, hadolintBuildKit[code]...)
	return out
}

// HadolintMapping returns every mapped hadolint code with the rules it
// stands for, sorted by code.
func HadolintMapping() [][2]string {
	codes := map[string]bool{}
	for _, r := range All {
		for _, c := range r.Hadolint {
			codes[c] = true
		}
	}
	for c := range hadolintBuildKit {
		codes[c] = true
	}
	var out [][2]string
	for c := range codes {
		for _, r := range HadolintRules(c) {
			out = append(out, [2]string{c, r})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i][0] != out[j][0] {
			return out[i][0] < out[j][0]
		}
		return out[i][1] < out[j][1]
	})
	return out
}

// HadolintConfigNames are the names of hadolint's configuration file that
// LoadConfig reads next to (or above) a Dockerfile.
var HadolintConfigNames = []string{".hadolint.yaml", ".hadolint.yml"}

// readHadolintIgnores reads the ignored list of a .hadolint.yaml and returns
// the rules it maps to. Other keys are hadolint's and are left alone.
func readHadolintIgnores(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	var hc struct {
		Ignored []string `yaml:"ignored"`
	}
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&hc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: invalid hadolint config: %s", path, oneLine(err.Error()))
	}
	var out []string
	for _, code := range hc.Ignored {
		out = append(out, HadolintRules(code)...)
	}
	return out, nil
}

// findUp returns the first of names in dir or a parent directory, or "".
func findUp(dir string, names []string) string {
	for {
		for _, name := range names {
			p := filepath.Join(dir, name)
			if _, err := os.Stat(p); err == nil {
				return p
			} else if !errors.Is(err, fs.ErrNotExist) {
				return ""
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
