package lint

import (
	"fmt"
	"math"
	"sort"

	"github.com/layerlint/layerlint/layerdiff"
)

// Setting is a threshold a rule reads from its entry in .layerlint.yaml
// (rules: {LargeLayer: {threshold: 50MB}}). Every setting is a size.
type Setting struct {
	// Name is the key in the rule's configuration.
	Name string
	// Doc says what the setting changes.
	Doc string
	// Default is the value used when the key is unset, as a size
	// layerdiff.ParseSize reads.
	Default string
}

// defaultSize returns the rule's default for a setting; rules declare
// defaults that parse (TestSettingDefaults).
func (r *Rule) defaultSize(name string) int64 {
	for _, s := range r.Settings {
		if s.Name == name {
			n, err := layerdiff.ParseSize(s.Default)
			if err == nil {
				return n
			}
		}
	}
	return 0
}

// sizeSetting returns the rule's size setting from the configuration, or its
// default.
func (p *Pass) sizeSetting(name string) int64 {
	return p.Size(name, p.Rule.defaultSize(name))
}

// settingSize reads a size setting as YAML decodes it: a number of bytes or
// a string such as "50MB". It returns -1 for an unset value.
func settingSize(v any) (int64, error) {
	switch v := v.(type) {
	case nil:
		return -1, nil
	case int:
		if v < 0 {
			return 0, fmt.Errorf("invalid size %d: must not be negative", v)
		}
		return int64(v), nil
	case int64:
		if v < 0 {
			return 0, fmt.Errorf("invalid size %d: must not be negative", v)
		}
		return v, nil
	case uint64:
		if v > math.MaxInt64 {
			return 0, fmt.Errorf("invalid size %d: too large", v)
		}
		return int64(v), nil
	case float64:
		if v < 0 || v >= math.MaxInt64 || math.IsNaN(v) {
			return 0, fmt.Errorf("invalid size %v", v)
		}
		return int64(v), nil
	case string:
		return layerdiff.ParseSize(v)
	}
	return 0, fmt.Errorf("invalid size %v: want a number of bytes or a string like 50MB", v)
}

// checkSettings validates a rule's configured settings against what the rule
// declares.
func checkSettings(name string, settings map[string]any) error {
	r, ok := Lookup(name)
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		v := settings[key]
		var decl *Setting
		if ok {
			for i := range r.Settings {
				if r.Settings[i].Name == key {
					decl = &r.Settings[i]
				}
			}
		}
		if decl == nil {
			return fmt.Errorf("rules: %s: unknown setting %q", name, key)
		}
		if _, err := settingSize(v); err != nil {
			return fmt.Errorf("rules: %s: %s: %w", name, key, err)
		}
	}
	return nil
}
