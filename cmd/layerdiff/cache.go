package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/cache"
)

type cacheFlags struct {
	dockerfile string
	context    string
	format     string
	buildArgs  []string
	target     string
	platform   string
	noVerify   bool
	creds      string
}

// newCacheCommand returns the "layerdiff cache" subcommand: build-cache prediction for a Dockerfile.
func newCacheCommand() *cobra.Command {
	var f cacheFlags
	cmd := &cobra.Command{
		Use:   "cache [flags] [IMAGE]",
		Short: "Predict which Dockerfile steps the next build reuses from IMAGE's cache",
		Long: `cache predicts, for each instruction of a Dockerfile, whether the next build in the build context would
reuse the layer of IMAGE, the image the previous build made, or rebuild it, and why ("src/main.go changed",
"instruction text changed", "after line 5").

It follows the cache rules of the builder that made IMAGE, as its history tells. buildah (and the legacy
builder): a step is reused only when the step before it is and its instruction (with the build args a RUN
sees) is unchanged. BuildKit: only RUN, COPY, ADD and WORKDIR are cache steps; a config instruction costs
nothing, but a RUN after a changed ENV, USER or SHELL rebuilds. Both: COPY and ADD also need the files they send
(after .dockerignore) to match the layer's files in content and mode (modification times do not count); a
COPY --from needs the files it copies from the other stage unchanged. Without IMAGE every step rebuilds and COPY
lines list the context paths they depend on.

Exit codes: 0 prediction printed, 2 bad usage or input.`,
		Example: `  layerdiff cache --dockerfile Dockerfile --context . app-v1.tar
  layerdiff cache --format json --build-arg VERSION=2 --context app app-v1.tar`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError{fmt.Errorf("want at most one image, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ref := ""
			if len(args) == 1 {
				ref = args[0]
			}
			return runCache(cmd, f, ref)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dockerfile, "dockerfile", "", "the Dockerfile (default: CONTEXT/Dockerfile)")
	fl.StringVar(&f.context, "context", ".", "the build context directory")
	fl.StringVarP(&f.format, "format", "f", "text", "output format: text or json")
	fl.StringArrayVar(&f.buildArgs, "build-arg", nil, "NAME=value build argument of the next build (repeatable)")
	fl.StringVar(&f.target, "target", "", "the stage to predict (default: the last)")
	fl.StringVar(&f.platform, "platform", "", "platform to pick from a multi-platform IMAGE (os/arch[/variant])")
	fl.BoolVar(&f.noVerify, "no-verify", false, "skip checking each layer's bytes against its DiffID")
	fl.StringVar(&f.creds, "creds", "", credsUsage)
	return cmd
}

func runCache(cmd *cobra.Command, f cacheFlags, ref string) error {
	if f.format != "text" && f.format != "json" {
		return usageError{fmt.Errorf("unknown --format %q: want text or json", f.format)}
	}
	args := map[string]string{}
	for _, a := range f.buildArgs {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return usageError{fmt.Errorf("--build-arg %q: want NAME=value", a)}
		}
		args[k] = v
	}
	loader, err := newLoader(cmd, openFlags{platform: f.platform, noCache: true, noVerify: f.noVerify, creds: f.creds})
	if err != nil {
		return err
	}
	dockerfile := f.dockerfile
	if dockerfile == "" {
		dockerfile = filepath.Join(f.context, "Dockerfile")
	}
	df, err := readDockerfile(dockerfile)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	bc, err := cache.OpenContext(ctx, f.context)
	if err != nil {
		return err
	}
	var prev *layerdiff.Image
	if ref != "" {
		if prev, err = loader.Image(ctx, ref); err != nil {
			return err
		}
	}
	pred, err := cache.Predict(ctx, df, bc, prev, cache.WithBuildArgs(args), cache.WithTarget(f.target))
	if err != nil {
		return err
	}
	if f.format == "json" {
		enc := json.NewEncoder(cmd.OutOrStdout())
		enc.SetIndent("", "  ")
		return enc.Encode(pred)
	}
	return renderCache(cmd.OutOrStdout(), pred)
}

// renderCache prints one line per instruction: line, keyword, verdict, reason, and for COPY and ADD how many
// context paths they send.
func renderCache(w io.Writer, pred *cache.Prediction) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	cached := 0
	for _, s := range pred.Steps {
		verdict := "rebuild"
		if s.Cached {
			verdict = "cached"
			cached++
		}
		reason := s.Reason
		if s.Sources != nil {
			noun := "files"
			if len(s.Sources) == 1 {
				noun = "file"
			}
			reason += fmt.Sprintf(" (%d context %s)", len(s.Sources), noun)
		}
		fmt.Fprintf(tw, "line %d\t%s\t%s\t%s\n", s.Line, s.Instruction, verdict, reason)
	}
	fmt.Fprintf(tw, "\n%d of %d steps cached\n", cached, len(pred.Steps))
	return tw.Flush()
}
