package lsp

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/layerlint/layerlint/lint"
)

// The linter's findings for a snapshot: its parse, layerlint's rules and BuildKit's checks, each once.

// lintRun is one run of the linter over a snapshot, done once.
type lintRun struct {
	once     sync.Once
	findings []lint.Finding
	err      error
}

// lintParsed is the linter's parse of one text, done once, from the snapshot's parse of the text when it
// has one (see useParse).
type lintParsed struct {
	once sync.Once
	name string
	text string
	logf func(string, ...any)
	df   *lint.Dockerfile
	perr *lint.ParseError
	err  error

	mu      sync.Mutex
	started bool
	res     *parser.Result // BuildKit's parse of text, the snapshot's
}

func newLintParsed(name, text string, logf func(string, ...any)) *lintParsed {
	return &lintParsed{name: name, text: text, logf: logf}
}

// useParse gives the linter the snapshot's parse of the text, res, if it has not begun: it then builds its
// model from it instead of parsing the whole text again (the snapshot re-parses only what an edit changed).
func (p *lintParsed) useParse(res *parser.Result) {
	p.mu.Lock()
	if !p.started {
		p.res = res
	}
	p.mu.Unlock()
}

// get parses, the first time.
func (p *lintParsed) get() (*lint.Dockerfile, *lint.ParseError, error) {
	p.once.Do(func() {
		defer func() {
			if r := recover(); r != nil {
				p.df, p.perr, p.err = nil, nil, recovered(p.logf, "linting "+p.name, r)
			}
		}()
		p.mu.Lock()
		p.started = true
		res := p.res
		p.res = nil
		p.mu.Unlock()
		var df *lint.Dockerfile
		var err error
		if res != nil {
			df, err = lint.ParseDockerfileFrom(p.name, []byte(p.text), res)
		} else {
			df, err = lint.ParseDockerfile(p.name, []byte(p.text))
		}
		if err != nil {
			if !errors.As(err, &p.perr) {
				p.err = err
			}
			if p.err != nil || errors.Is(err, lint.ErrInternal) {
				p.logf("linting %s failed: %v", p.name, err) // a bug of the linter's: the log says so
			}
			return
		}
		p.df = df
	})
	return p.df, p.perr, p.err
}

// lintParse parses the document with the linter's full parser, once per text.
func (s *Snapshot) lintParse() (*lint.Dockerfile, *lint.ParseError, error) {
	return s.lintParsed.get()
}

// lintRules runs layerlint's own rules (buildkit false) or BuildKit's checks (true), once per snapshot.
// The two are apart because BuildKit's checks take most of the time on a long file: the server publishes
// a file's first diagnostics without waiting for them.
func (s *Snapshot) lintRules(ctx context.Context, buildkit bool) ([]lint.Finding, error) {
	df, _, err := s.lintParse()
	if df == nil {
		return nil, err
	}
	run := &s.rules
	opts := []lint.Option{lint.WithConfig(s.Config), lint.WithBuildKitChecks(buildkit)}
	if buildkit {
		run = &s.checks
		opts = append(opts, lint.WithRules())
	} else {
		opts = append(opts, s.evidence()...)
	}
	run.once.Do(func() {
		defer func() {
			if p := recover(); p != nil {
				run.err = recovered(s.logf, "linting "+s.Path, p)
			}
		}()
		run.findings, run.err = lint.Run(ctx, df, opts...)
		if run.err != nil && ctx.Err() == nil {
			s.logf("linting %s failed: %v", s.Path, run.err) // a rule's panic, or BuildKit's checks failing
		}
	})
	return run.findings, run.err
}

// lint parses the document with the linter's full parser and runs layerlint's rules and BuildKit's checks
// (unless the settings turn them off), once per snapshot: the findings in order of position, the parse
// error, or why linting failed.
func (s *Snapshot) lint(ctx context.Context) ([]lint.Finding, *lint.ParseError, error) {
	if _, perr, err := s.lintParse(); perr != nil || err != nil {
		return nil, perr, err
	}
	rules, err := s.lintRules(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	if !s.Settings.BuildKitChecks {
		return rules, nil, nil
	}
	checks, err := s.lintRules(ctx, true)
	if err != nil {
		return nil, nil, err
	}
	return mergeFindings(rules, checks), nil, nil
}

// mergeFindings merges two lists sorted as lint.Run sorts (lint.CompareFindings).
func mergeFindings(a, b []lint.Finding) []lint.Finding {
	out := make([]lint.Finding, 0, len(a)+len(b))
	out = append(append(out, a...), b...)
	slices.SortStableFunc(out, lint.CompareFindings)
	return out
}
