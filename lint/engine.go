package lint

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// Option configures Run.
type Option func(*runOptions)

type runOptions struct {
	rules    []*Rule
	config   *Config
	evidence Evidence
	ignore   map[string]bool
	buildkit bool
	target   string
}

// WithRules runs the given rules instead of All.
func WithRules(rules ...*Rule) Option { return func(o *runOptions) { o.rules = rules } }

// WithConfig applies a configuration's ignore list, severities and thresholds.
func WithConfig(c *Config) Option { return func(o *runOptions) { o.config = c } }

// WithEvidence gives rules measured facts about the built image.
func WithEvidence(e Evidence) Option { return func(o *runOptions) { o.evidence = e } }

// WithIgnore drops findings of the named rules.
func WithIgnore(names ...string) Option {
	return func(o *runOptions) {
		for _, n := range names {
			o.ignore[n] = true
		}
	}
}

// WithTarget names the stage the image is built from (docker build
// --target): the rules about bloat then look at that stage and the stages it
// is built on, instead of every leaf stage. It overrides the configuration's
// target.
func WithTarget(stage string) Option { return func(o *runOptions) { o.target = stage } }

// WithBuildKitChecks turns BuildKit's own checks on or off (on by default).
func WithBuildKitChecks(on bool) Option { return func(o *runOptions) { o.buildkit = on } }

// Run runs the rules and BuildKit's checks on df and returns the findings
// that survive configuration and inline ignores, sorted by position.
func Run(ctx context.Context, df *Dockerfile, opts ...Option) ([]Finding, error) {
	o := runOptions{rules: All, ignore: map[string]bool{}, buildkit: true}
	for _, opt := range opts {
		opt(&o)
	}
	cfg := o.config
	if cfg == nil {
		cfg = &Config{}
	}
	for _, n := range cfg.Ignore {
		o.ignore[n] = true
	}
	if o.target == "" {
		o.target = cfg.Target
	}
	var out []Finding
	for _, r := range o.rules {
		if r.NeedsImage && o.evidence == nil {
			continue
		}
		sev := cfg.severity(r.Name, r.Severity)
		if sev == Off || o.ignore[r.Name] {
			continue
		}
		found, err := runRule(&Pass{Dockerfile: df, Rule: r, Evidence: o.evidence, Settings: cfg.settings(r.Name),
			Context: cfg.Context, Target: o.target})
		if err != nil {
			return nil, err
		}
		for i := range found {
			found[i].Severity = sev
		}
		out = append(out, found...)
	}
	if o.buildkit {
		found, err := runBuildKitChecks(ctx, df)
		if err != nil {
			return nil, err
		}
		for _, f := range found {
			f.Severity = cfg.severity(f.Rule, Warning)
			if f.Severity != Off && !o.ignore[f.Rule] {
				out = append(out, f)
			}
		}
	}
	out = dropInlineIgnored(df, out)
	slices.SortStableFunc(out, CompareFindings)
	return out, nil
}

// CompareFindings orders findings as Run returns them: by line, column and rule.
func CompareFindings(a, b Finding) int {
	return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col), strings.Compare(a.Rule, b.Rule))
}

// runRule runs one rule; a panic in it is an error naming the rule and the
// file, not a crash.
func runRule(pass *Pass) (found []Finding, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("rule %s failed on %s: %v", pass.Rule.Name, pass.Dockerfile.Name, p)
		}
	}()
	pass.report = func(f Finding) { found = append(found, f) }
	pass.names = ruleNames{known: KnownRule, hadolint: HadolintRules}
	pass.Rule.Run(pass)
	return found, nil
}
