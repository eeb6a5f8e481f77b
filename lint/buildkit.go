package lint

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// BuildKitCheck describes one of BuildKit's own build checks, which layerlint
// runs in-process next to its own rules.
type BuildKitCheck struct {
	// Name is BuildKit's check name, such as StageNameCasing.
	Name string
	// Doc is BuildKit's one-line description.
	Doc string
	// URL is BuildKit's documentation page for the check.
	URL string
	// Experimental checks only run when enabled with # check=experimental=...
	Experimental bool
}

// BuildKitChecks lists every check dockerfile2llb.DockerfileLint can report.
func BuildKitChecks() []BuildKitCheck {
	c := func(name, doc, url string, exp bool) BuildKitCheck {
		return BuildKitCheck{Name: name, Doc: doc, URL: url, Experimental: exp}
	}
	return []BuildKitCheck{
		c(linter.RuleStageNameCasing.Name, linter.RuleStageNameCasing.Description, linter.RuleStageNameCasing.URL, linter.RuleStageNameCasing.Experimental),
		c(linter.RuleFromAsCasing.Name, linter.RuleFromAsCasing.Description, linter.RuleFromAsCasing.URL, linter.RuleFromAsCasing.Experimental),
		c(linter.RuleNoEmptyContinuation.Name, linter.RuleNoEmptyContinuation.Description, linter.RuleNoEmptyContinuation.URL, linter.RuleNoEmptyContinuation.Experimental),
		c(linter.RuleConsistentInstructionCasing.Name, linter.RuleConsistentInstructionCasing.Description, linter.RuleConsistentInstructionCasing.URL, linter.RuleConsistentInstructionCasing.Experimental),
		c(linter.RuleDuplicateStageName.Name, linter.RuleDuplicateStageName.Description, linter.RuleDuplicateStageName.URL, linter.RuleDuplicateStageName.Experimental),
		c(linter.RuleReservedStageName.Name, linter.RuleReservedStageName.Description, linter.RuleReservedStageName.URL, linter.RuleReservedStageName.Experimental),
		c(linter.RuleJSONArgsRecommended.Name, linter.RuleJSONArgsRecommended.Description, linter.RuleJSONArgsRecommended.URL, linter.RuleJSONArgsRecommended.Experimental),
		c(linter.RuleMaintainerDeprecated.Name, linter.RuleMaintainerDeprecated.Description, linter.RuleMaintainerDeprecated.URL, linter.RuleMaintainerDeprecated.Experimental),
		c(linter.RuleUndefinedArgInFrom.Name, linter.RuleUndefinedArgInFrom.Description, linter.RuleUndefinedArgInFrom.URL, linter.RuleUndefinedArgInFrom.Experimental),
		c(linter.RuleWorkdirRelativePath.Name, linter.RuleWorkdirRelativePath.Description, linter.RuleWorkdirRelativePath.URL, linter.RuleWorkdirRelativePath.Experimental),
		c(linter.RuleUndefinedVar.Name, linter.RuleUndefinedVar.Description, linter.RuleUndefinedVar.URL, linter.RuleUndefinedVar.Experimental),
		c(linter.RuleMultipleInstructionsDisallowed.Name, linter.RuleMultipleInstructionsDisallowed.Description, linter.RuleMultipleInstructionsDisallowed.URL, linter.RuleMultipleInstructionsDisallowed.Experimental),
		c(linter.RuleLegacyKeyValueFormat.Name, linter.RuleLegacyKeyValueFormat.Description, linter.RuleLegacyKeyValueFormat.URL, linter.RuleLegacyKeyValueFormat.Experimental),
		c(linter.RuleInvalidBaseImagePlatform.Name, linter.RuleInvalidBaseImagePlatform.Description, linter.RuleInvalidBaseImagePlatform.URL, linter.RuleInvalidBaseImagePlatform.Experimental),
		c(linter.RuleRedundantTargetPlatform.Name, linter.RuleRedundantTargetPlatform.Description, linter.RuleRedundantTargetPlatform.URL, linter.RuleRedundantTargetPlatform.Experimental),
		c(linter.RuleSecretsUsedInArgOrEnv.Name, linter.RuleSecretsUsedInArgOrEnv.Description, linter.RuleSecretsUsedInArgOrEnv.URL, linter.RuleSecretsUsedInArgOrEnv.Experimental),
		c(linter.RuleInvalidDefaultArgInFrom.Name, linter.RuleInvalidDefaultArgInFrom.Description, linter.RuleInvalidDefaultArgInFrom.URL, linter.RuleInvalidDefaultArgInFrom.Experimental),
		c(linter.RuleFromPlatformFlagConstDisallowed.Name, linter.RuleFromPlatformFlagConstDisallowed.Description, linter.RuleFromPlatformFlagConstDisallowed.URL, linter.RuleFromPlatformFlagConstDisallowed.Experimental),
		c(linter.RuleCopyIgnoredFile.Name, linter.RuleCopyIgnoredFile.Description, linter.RuleCopyIgnoredFile.URL, linter.RuleCopyIgnoredFile.Experimental),
		c(linter.RuleInvalidDefinitionDescription.Name, linter.RuleInvalidDefinitionDescription.Description, linter.RuleInvalidDefinitionDescription.URL, linter.RuleInvalidDefinitionDescription.Experimental),
		c(linter.RuleExposeProtoCasing.Name, linter.RuleExposeProtoCasing.Description, linter.RuleExposeProtoCasing.URL, linter.RuleExposeProtoCasing.Experimental),
		c(linter.RuleExposeInvalidFormat.Name, linter.RuleExposeInvalidFormat.Description, linter.RuleExposeInvalidFormat.URL, linter.RuleExposeInvalidFormat.Experimental),
	}
}

// offlineResolver answers every base image lookup with a minimal image
// config for the requested platform, so linting never contacts a registry.
type offlineResolver struct{}

func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	p := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		p = *opt.ImageOpt.Platform
	}
	cfg := ocispecs.Image{
		Platform: p,
		// One layer, so BuildKit treats the base as a real image rather than scratch.
		RootFS: ocispecs.RootFS{Type: "layers", DiffIDs: []digest.Digest{digest.FromString(ref)}},
	}
	dt, err := json.Marshal(cfg)
	if err != nil {
		return "", "", nil, fmt.Errorf("encoding placeholder config for %s: %w", ref, err)
	}
	return ref, "", dt, nil
}

// knownFalseAlarm reports a BuildKit warning that is wrong for the file:
// SecretsUsedInArgOrEnv on a public key's fingerprint (ENV GPG_KEY
// 7169605F...), an empty value or a path to a key file; WorkdirRelativePath on
// a Windows path (C:\app) or on a variable from the base image, which
// offline linting cannot know and expands to nothing.
func knownFalseAlarm(df *Dockerfile, w buildKitWarning) bool {
	m := quoted.FindStringSubmatch(w.detail)
	switch w.rule {
	case linter.RuleUndefinedVar.Name:
		// Offline, the base image's ENV is unknown: a variable it sets
		// ($GOPATH, $NB_UID, $HOME) looks undefined. Only a stage whose
		// chain starts FROM scratch is known whole.
		if len(w.ranges) == 0 {
			return false
		}
		in := df.InstructionAt(w.ranges[0].Start.Line)
		return in == nil || in.Stage == nil || !builtFromScratch(df, in.Stage)
	case linter.RuleWorkdirRelativePath.Name:
		if strings.Contains(w.detail, `""`) {
			return true
		}
		return m != nil && windowsPath.MatchString(m[1])
	case linter.RuleSecretsUsedInArgOrEnv.Name:
		if m == nil || len(w.ranges) == 0 {
			return false
		}
		in := df.InstructionAt(w.ranges[0].Start.Line)
		if in == nil {
			return false
		}
		v, ok := argOrEnvValue(in, m[1])
		if !ok {
			return false
		}
		v = strings.Trim(v, `"'`)
		name := strings.ToUpper(m[1])
		switch {
		case v == "":
			return true // declared for run time, holds nothing
		case fingerprint.MatchString(v) && (strings.Contains(name, "GPG") || strings.Contains(name, "PGP") || strings.Contains(name, "FINGERPRINT")):
			return true
		case strings.Contains(v, "/") && !strings.ContainsAny(v, " \t") && keyFile.MatchString(v):
			return true
		}
	}
	return false
}

var (
	windowsPath = regexp.MustCompile(`^(?:[A-Za-z]:[\\/]|\\\\)`)
	// fingerprint is one or more OpenPGP key IDs or fingerprints (16, 40 or
	// 64 hex digits): public by design.
	fingerprint = regexp.MustCompile(`^(?:(?:0x)?(?:[0-9A-Fa-f]{16}|[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})[\s,]*)+$`)
	keyFile     = regexp.MustCompile(`\.(?:key|pem|crt|pub|asc|gpg)$`)
)

// builtFromScratch reports whether a stage's chain of FROMs ends at scratch,
// so that every variable it sees is set in the Dockerfile.
func builtFromScratch(df *Dockerfile, st *Stage) bool {
	for _, s := range df.chain(st) {
		if strings.EqualFold(s.Base, "scratch") {
			return true
		}
	}
	return false
}

// argOrEnvValue returns the value an ENV or ARG instruction gives name.
func argOrEnvValue(in *Instruction, name string) (string, bool) {
	switch c := in.Parsed.(type) {
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			if kv.Key == name {
				return kv.Value, true
			}
		}
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			if kv.Key == name {
				if kv.Value == nil {
					return "", true
				}
				return *kv.Value, true
			}
		}
	}
	return "", false
}

// allCaps is every LLB capability, listed once: BuildKit only reads it.
var allCaps = sync.OnceValue(func() *apicaps.CapSet {
	caps := pb.Caps.CapSet(pb.Caps.All())
	return &caps
})

// quoted finds the first 'quoted' or "quoted" token in a BuildKit message, to
// narrow a line-only warning to the word it talks about.
var quoted = regexp.MustCompile(`['"]([^'"\s]+)['"]`)

// buildKitWarning is one warning from BuildKit's checks: the rule's name and
// URL, the formatted message and the lines it covers.
type buildKitWarning struct {
	rule, url, detail string
	ranges            []parser.Range
}

// recordWarning returns a linter.LintWarnFunc that appends to *ws what
// DockerfileLint would put in its results for the same call.
func recordWarning(ws *[]buildKitWarning) linter.LintWarnFunc {
	return func(rule, _, url, detail string, location []parser.Range) {
		*ws = append(*ws, buildKitWarning{rule: rule, url: url, detail: detail, ranges: location})
	}
}

// runBuildKitChecks runs BuildKit's checks and maps their warnings to
// findings with computed columns.
func runBuildKitChecks(ctx context.Context, df *Dockerfile) ([]Finding, error) {
	ws, err := buildKitWarnings(ctx, df, false)
	if err != nil {
		return nil, err
	}
	return buildKitFindings(df, ws), nil
}

// buildKitWarnings returns the warnings of BuildKit's checks. DockerfileLint,
// which parses the file again and converts it to LLB, runs when full is true
// or when the conversion could add a warning to those ParseDockerfile
// recorded and legacyKeyValueWarnings makes (buildKitMayWarn); most files
// need none of it.
func buildKitWarnings(ctx context.Context, df *Dockerfile, full bool) ([]buildKitWarning, error) {
	if !full && !df.buildKitMayWarn() {
		if legacy, ok := legacyKeyValueWarnings(df); ok {
			return append(slices.Clip(df.buildKitEarly), legacy...), nil
		}
	}
	return dockerfileLint(ctx, df)
}

// dockerfileLint runs dockerfile2llb.DockerfileLint offline: every one of
// BuildKit's checks, on the whole file.
func dockerfileLint(ctx context.Context, df *Dockerfile) (out []buildKitWarning, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("running buildkit checks on %s: internal error: %v", df.Name, r)
		}
	}()
	// Without capabilities BuildKit dereferences a nil CapSet on RUN --mount.
	caps := allCaps()
	def := &llb.Definition{}
	sm := llb.NewSourceMap(nil, df.Name, "Dockerfile", df.Source)
	sm.Definition = def
	res, err := dockerfile2llb.DockerfileLint(ctx, df.Source, dockerfile2llb.ConvertOpt{
		Config:       dockerui.Config{},
		SourceMap:    sm,
		MetaResolver: offlineResolver{},
		LLBCaps:      caps,
	})
	if err != nil {
		return nil, fmt.Errorf("running buildkit checks on %s: %w", df.Name, err)
	}
	for _, w := range res.Warnings {
		bw := buildKitWarning{rule: w.RuleName, url: w.URL, detail: w.Detail}
		if w.Location != nil {
			for _, r := range w.Location.Ranges {
				bw.ranges = append(bw.ranges, parser.Range{
					Start: parser.Position{Line: int(r.Start.Line), Character: int(r.Start.Character)},
					End:   parser.Position{Line: int(r.End.Line), Character: int(r.End.Character)},
				})
			}
		}
		out = append(out, bw)
	}
	return out, nil
}

// buildKitFindings maps warnings to findings, narrowing a line-only warning
// to the word it quotes and dropping known false alarms.
func buildKitFindings(df *Dockerfile, ws []buildKitWarning) []Finding {
	var out []Finding
	for _, w := range ws {
		if knownFalseAlarm(df, w) {
			continue
		}
		f := Finding{
			Rule:     w.rule,
			Severity: Warning,
			File:     df.Name,
			Message:  strings.TrimSpace(w.detail),
			URL:      w.url,
		}
		if len(w.ranges) > 0 {
			r := w.ranges[0]
			start, end := r.Start.Line, r.End.Line
			if end < start {
				end = start
			}
			rng := df.LinesRange(start, end)
			if m := quoted.FindStringSubmatch(f.Message); m != nil {
				if word, ok := df.FindInLine(start, m[1]); ok {
					rng = word
				}
			}
			f.Line, f.Col, f.EndLine, f.EndCol = rng.Start.Line, rng.Start.Col, rng.End.Line, rng.End.Col
		} else {
			f.Line, f.EndLine, f.Col, f.EndCol = 1, 1, 1, 1
		}
		out = append(out, f)
	}
	return out
}
