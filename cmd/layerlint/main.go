// Command layerlint lints Dockerfiles for cache-busting order and bloated
// layers, together with BuildKit's own build checks.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/layerlint/layerlint/internal/atomicfile"
	"github.com/layerlint/layerlint/internal/version"
	"github.com/layerlint/layerlint/layerdiff/load"
	"github.com/layerlint/layerlint/layerdiff/source"
	"github.com/layerlint/layerlint/lint"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Exit codes.
const (
	exitClean    = 0
	exitFindings = 1
	exitBadInput = 2
)

const helpText = `layerlint checks Dockerfiles for layer problems: cache-busting COPY order,
package caches left in layers, files deleted in a later layer, and more, plus
BuildKit's own build checks. Configuration comes from .layerlint.yaml, found
upward from each Dockerfile, or from --config. Without a file argument it lints
./Dockerfile, or ./Containerfile when only that exists.

Exit status:
  0  no findings at or over --failure-threshold
  1  findings at or over --failure-threshold
  2  bad input or usage (unreadable, unparseable or binary Dockerfile, bad
     config, an image that cannot be read or holds none of the Dockerfile's
     instructions)

With an image (--image, or image: in .layerlint.yaml), findings carry the
bytes their fix saves, measured in its layers, and LargeLayer, WastedBytes,
PackageCacheInLayer and ImageOutOfDate run. An image built from an earlier
version of the Dockerfile measures the instructions above the first change.

"-" reads the Dockerfile from standard input.`

type options struct {
	format    string
	threshold string
	config    string
	ignore    []string
	fix       bool
	image     string
	context   string
	target    string
	listRules bool
	creds     string
	stdin     io.Reader
}

func main() {
	os.Exit(runWithInput(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes layerlint with no standard input and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	return runWithInput(args, strings.NewReader(""), stdout, stderr)
}

// runWithInput executes layerlint, reading the Dockerfile named "-" from
// stdin, and returns the exit code.
func runWithInput(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o := options{stdin: stdin}
	code := exitClean
	cmd := &cobra.Command{
		Use:           "layerlint [flags] [Dockerfile...|-]",
		Short:         "Lint Dockerfiles for cache-busting order and bloated layers",
		Long:          helpText,
		Version:       version.String(),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, files []string) error {
			var err error
			code, err = lintFiles(cmd.Context(), o, files, stdout, stderr)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "text", "output format: text, json, sarif, checkstyle or github")
	f.StringVar(&o.threshold, "failure-threshold", "", "lowest severity that fails: error, warning, info or none (default warning, or failure-threshold in the config)")
	f.StringVar(&o.config, "config", "", "configuration file (default: .layerlint.yaml found upward from each Dockerfile)")
	f.StringSliceVar(&o.ignore, "ignore", nil, "rule to ignore (repeatable or comma-separated)")
	f.BoolVar(&o.fix, "fix", false, "apply safe fixes in place")
	f.StringVar(&o.image, "image", "", "image built from the Dockerfile (archive path, oci:DIR, docker://REF, ...): findings gain measured bytes and the image-only rules run (default: image in the config)")
	f.StringVar(&o.context, "context", "", "build context directory (default: context in the config); CacheBustingCopy's reorder fix needs it")
	f.StringVar(&o.target, "target", "", "the stage the image is built from (docker build --target): bloat rules look at it instead of every leaf stage (default: target in the config)")
	f.BoolVar(&o.listRules, "list-rules", false, "list the rules and exit")
	f.StringVar(&o.creds, "creds", "", "USER:PASSWORD for the registry of --image (default: $"+source.EnvCredentials+", then the Docker config)")
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		fmt.Fprintln(stderr, "layerlint:", source.Redact(err.Error()))
		return exitBadInput
	}
	return code
}

// defaultFile is what layerlint lints without a file argument: Dockerfile, or Containerfile (podman's and
// buildah's name) when only that exists.
func defaultFile() string {
	if _, err := os.Stat("Dockerfile"); err != nil {
		if _, err := os.Stat("Containerfile"); err == nil {
			return "Containerfile"
		}
	}
	return "Dockerfile"
}

func lintFiles(ctx context.Context, o options, files []string, stdout, stderr io.Writer) (int, error) {
	if o.listRules {
		listRules(stdout)
		return exitClean, nil
	}
	write, ok := formats[o.format]
	if !ok {
		return exitBadInput, fmt.Errorf("--format: unknown format %q (want text, json, sarif, checkstyle or github)", o.format)
	}
	for _, n := range o.ignore {
		if !lint.KnownRule(n) {
			return exitBadInput, fmt.Errorf("--ignore: unknown rule %q (see --list-rules)", n)
		}
	}
	if len(files) == 0 {
		files = []string{defaultFile()}
	}
	if o.fix && slices.Contains(files, "-") {
		return exitBadInput, errors.New("--fix: cannot fix standard input in place")
	}
	if o.image != "" && len(files) > 1 {
		return exitBadInput, fmt.Errorf("--image: an image is built from one Dockerfile, got %d (set image: in each directory's .layerlint.yaml instead)", len(files))
	}
	var explicit *lint.Config
	if o.config != "" {
		c, err := lint.ReadConfig(o.config)
		if err != nil {
			return exitBadInput, err
		}
		explicit = c
	}
	// Files are linted in parallel (--fix edits them one at a time) and
	// reported in the order given.
	results := make([]fileResult, len(files))
	workers := runtime.GOMAXPROCS(0)
	if o.fix {
		workers = 1
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, len(files)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = lintOne(ctx, files[i], explicit, o)
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	code := exitClean
	failing := false
	var all []lint.Finding
	for _, r := range results {
		if r.usage != nil {
			return exitBadInput, r.usage
		}
		if r.err != nil {
			fmt.Fprintln(stderr, source.Redact(r.err.Error()))
			code = exitBadInput
			continue
		}
		all = append(all, r.found...)
		for _, f := range r.found {
			failing = failing || r.threshold != lint.Off && f.Severity >= r.threshold
		}
	}
	color := o.format == "text" && isTerminal(stdout) && os.Getenv("NO_COLOR") == ""
	if err := write(stdout, all, color); err != nil {
		return exitBadInput, fmt.Errorf("writing output: %w", err)
	}
	if code == exitClean && failing {
		code = exitFindings
	}
	return code, nil
}

// fileResult is what linting one file gives: its findings and the failure
// threshold that applies to them, an error about the file, or a usage error
// that stops the run.
type fileResult struct {
	found     []lint.Finding
	threshold lint.Severity
	err       error
	usage     error
}

// lintOne loads the file's configuration (unless one was given) and lints it.
func lintOne(ctx context.Context, file string, explicit *lint.Config, o options) fileResult {
	cfg := explicit
	if cfg == nil {
		where := file
		if file == "-" {
			where = "Dockerfile" // the working directory's configuration
		}
		c, _, err := lint.LoadConfig(where)
		if err != nil {
			return fileResult{err: err}
		}
		cfg = c
	}
	t, err := thresholdFor(o.threshold, cfg)
	if err != nil {
		return fileResult{usage: err}
	}
	found, err := lintFile(ctx, file, cfg, o)
	return fileResult{found: found, threshold: t, err: err}
}

func thresholdFor(flag string, cfg *lint.Config) (lint.Severity, error) {
	v := flag
	if v == "" {
		v = cfg.FailureThreshold
	}
	if v == "" {
		return lint.Warning, nil
	}
	s, err := lint.ParseSeverity(v)
	if err != nil {
		return lint.Off, fmt.Errorf("--failure-threshold: %w", err)
	}
	return s, nil
}

// lintFile parses and lints one file ("-" is standard input), applying
// safe fixes with --fix until none applies (two fixes that edit the same
// place apply in turn).
func lintFile(ctx context.Context, file string, cfg *lint.Config, o options) ([]lint.Finding, error) {
	src, err := readDockerfile(file, o.stdin)
	if err != nil {
		return nil, err
	}
	df, err := lint.ParseDockerfile(file, src)
	if err != nil {
		return nil, err
	}
	if o.context != "" {
		c := *cfg
		c.Context = o.context
		cfg = &c
	}
	opts := []lint.Option{lint.WithConfig(cfg), lint.WithIgnore(o.ignore...)}
	if o.target != "" {
		opts = append(opts, lint.WithTarget(o.target))
	}
	image := o.image
	if image == "" {
		image = cfg.Image
	}
	target := o.target
	if target == "" {
		target = cfg.Target
	}
	var evidence []lint.Option
	if image != "" {
		opts, err := loadOptions(o)
		if err != nil {
			return nil, err
		}
		ev, _, err := lint.LoadImageEvidence(ctx, image, df, target, opts...)
		if err != nil {
			return nil, errors.New(oneLine(err.Error()))
		}
		evidence = append(evidence, lint.WithEvidence(ev))
	}
	found, err := lint.Run(ctx, df, append(opts, evidence...)...)
	if err != nil || !o.fix {
		return found, err
	}
	fixed := df
	for round := 0; round < maxFixRounds; round++ {
		out, n := lint.ApplyFixes(fixed, found)
		if n == 0 {
			break
		}
		// Never write a fix that breaks the file.
		next, err := lint.ParseDockerfile(file, out)
		if err != nil {
			return nil, fmt.Errorf("%s: fixes would make the file unparseable, left unchanged: %w", file, err)
		}
		fixed = next
		// The image was built from the file before the fixes: its
		// measurements no longer line up, so the fixed file is linted
		// without them.
		if found, err = lint.Run(ctx, fixed, opts...); err != nil {
			return nil, err
		}
	}
	if fixed == df {
		return found, nil
	}
	if err := writeAtomic(file, fixed.Source); err != nil {
		return nil, err
	}
	return found, nil
}

// maxFixRounds bounds --fix's re-lint-and-fix rounds.
const maxFixRounds = 5

// readDockerfile reads a Dockerfile, or standard input for "-".
func readDockerfile(file string, stdin io.Reader) ([]byte, error) {
	if file == "-" {
		src, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("-: cannot read standard input: %w", err)
		}
		return src, nil
	}
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read: %w", file, errors.Unwrap(err))
	}
	return src, nil
}

// loadOptions reads layers through layerdiff's listing cache, as layerdiff
// does, so linting against the same image again is quick, with the
// credentials of --creds.
func loadOptions(o options) ([]load.Option, error) {
	opts := []load.Option{load.WithDefaultListingCache(), load.WithCredentialsFlag("pass --creds USER:PASSWORD")}
	if o.creds != "" {
		c, hasPassword, err := source.ParseCredentials(o.creds, "--creds")
		if err != nil {
			return nil, err
		}
		if !hasPassword {
			return nil, errors.New("--creds gives no password; give USER:PASSWORD")
		}
		opts = append(opts, load.WithCredentials(c))
	}
	return opts, nil
}

// oneLine joins a multi-line error message into one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// writeAtomic replaces path through a temporary file and a rename, keeping
// its permissions.
func writeAtomic(path string, data []byte) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := atomicfile.WriteBytes(path, fi.Mode().Perm(), data); err != nil {
		return fmt.Errorf("%s: writing fix: %w", path, err)
	}
	return nil
}

func listRules(w io.Writer) {
	for _, r := range lint.All {
		fmt.Fprintf(w, "%-24s %-8s %s\n", r.Name, r.Severity, r.Doc)
	}
	for _, c := range lint.BuildKitChecks() {
		fmt.Fprintf(w, "%-24s %-8s %s (BuildKit)\n", c.Name, lint.Warning, strings.TrimSuffix(c.Doc, "."))
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
