package lint

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// ConfigFileNames are the names LoadConfig looks for, in order.
var ConfigFileNames = []string{".layerlint.yaml", ".layerlint.yml"}

// Config is the content of .layerlint.yaml.
type Config struct {
	// Image is the image built from the Dockerfile (a reference or a path,
	// resolved against the config file's directory when it is a path).
	Image string `yaml:"image"`
	// Context is the build context directory, resolved against the config
	// file's directory.
	Context string `yaml:"context"`
	// Target is the stage the image is built from (docker build --target);
	// empty means every leaf stage ships.
	Target string `yaml:"target"`
	// Ignore lists rules to drop everywhere.
	Ignore []string `yaml:"ignore"`
	// FailureThreshold is the lowest severity that fails the run.
	FailureThreshold string `yaml:"failure-threshold"`
	// Rules holds per-rule severity and thresholds.
	Rules map[string]RuleConfig `yaml:"rules"`
}

// RuleConfig overrides a rule's severity and sets its thresholds.
type RuleConfig struct {
	// Severity is error, warning, info or off; empty keeps the default.
	Severity string `yaml:"severity"`
	// Settings are the rule's other keys (thresholds).
	Settings map[string]any `yaml:",inline"`
}

func (c *Config) severity(rule string, def Severity) Severity {
	rc, ok := c.Rules[rule]
	if !ok || rc.Severity == "" {
		return def
	}
	s, err := ParseSeverity(rc.Severity)
	if err != nil {
		return def // validated when loaded
	}
	return s
}

func (c *Config) settings(rule string) map[string]any { return c.Rules[rule].Settings }

// LoadConfig finds the configuration for a Dockerfile by looking for
// .layerlint.yaml in its directory and each parent. It returns the config and
// the file it came from, or an empty config and "" when there is none. A
// .hadolint.yaml found the same way adds the rules its ignored list maps to
// (see HadolintRules) to the ignore list.
func LoadConfig(dockerfilePath string) (*Config, string, error) {
	abs, err := filepath.Abs(dockerfilePath)
	if err != nil {
		return nil, "", fmt.Errorf("locating config for %s: %w", dockerfilePath, err)
	}
	dir := filepath.Dir(abs)
	c, file := &Config{}, findUp(dir, ConfigFileNames)
	if file != "" {
		if c, err = ReadConfig(file); err != nil {
			return nil, file, err
		}
	}
	if h := findUp(dir, HadolintConfigNames); h != "" {
		ignores, err := readHadolintIgnores(h)
		if err != nil {
			return nil, h, err
		}
		c.Ignore = append(c.Ignore, ignores...)
	}
	return c, file, nil
}

// ReadConfig reads and validates a configuration file; relative image and
// context paths are resolved against the file's directory.
func ReadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	dir := filepath.Dir(path)
	if c.Context != "" && !filepath.IsAbs(c.Context) {
		c.Context = filepath.Join(dir, c.Context)
	}
	if c.Image != "" && looksLikePath(dir, c.Image) {
		c.Image = filepath.Join(dir, c.Image)
	}
	return c, nil
}

// looksLikePath tells an image path (./img.tar, an existing file) from an
// image reference (alpine:3.20).
func looksLikePath(dir, image string) bool {
	if filepath.IsAbs(image) || strings.Contains(image, "://") {
		return false
	}
	if strings.HasPrefix(image, "./") || strings.HasPrefix(image, "../") {
		return true
	}
	_, err := os.Stat(filepath.Join(dir, image))
	return err == nil
}

// ParseConfig parses and validates configuration YAML.
func ParseConfig(data []byte) (*Config, error) {
	c := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("invalid config: %s", oneLine(err.Error()))
	}
	if c.FailureThreshold != "" && c.FailureThreshold != "none" {
		if _, err := ParseSeverity(c.FailureThreshold); err != nil {
			return nil, fmt.Errorf("failure-threshold: %w", err)
		}
	}
	for _, n := range c.Ignore {
		if !KnownRule(n) {
			return nil, fmt.Errorf("ignore: unknown rule %q", n)
		}
	}
	for n, rc := range c.Rules {
		if !KnownRule(n) {
			return nil, fmt.Errorf("rules: unknown rule %q", n)
		}
		if rc.Severity != "" {
			if _, err := ParseSeverity(rc.Severity); err != nil {
				return nil, fmt.Errorf("rules: %s: %w", n, err)
			}
		}
		if err := checkSettings(n, rc.Settings); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
