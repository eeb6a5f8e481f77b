package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/spf13/cobra"

	"github.com/layerlint/layerlint/internal/atomicfile"
	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/cache"
	"github.com/layerlint/layerlint/layerdiff/history"
	"github.com/layerlint/layerlint/layerdiff/htmlreport"
)

type reportFlags struct {
	output     string
	format     string
	dockerfile string
	context    string
	target     string
	buildArgs  []string
	platform   string
	mtime      bool
	noCache    bool
	noVerify   bool
	creds      string
}

// newReportCommand returns `layerdiff report`: a self-contained HTML page of an image, or of two.
func newReportCommand() *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "report [flags] IMAGE [IMAGE_B] -o FILE",
		Short: "Write a self-contained HTML report of an image (a treemap of its bytes) or of two (where they changed)",
		Long: `report writes one HTML file that needs no network to view (its script, styles and data are inlined).

For one image: a treemap of every regular file of every layer, by the step that wrote it (its Dockerfile line
with --dockerfile, else its history entry), then by directory; wasted bytes (files a later layer overwrites
or deletes) are hatched red and package-manager leftovers dotted orange; beside it, the numbers of
'layerdiff history'. With --context (and the Dockerfile, by default CONTEXT/Dockerfile) each line also shows
whether the next build would reuse its layer ('layerdiff cache').

For two images, A and B: the changed paths on the same treemap by B's steps, coloured by growth and shrink,
B's own treemap coloured the same way, B's steps with what each grew and shrank, and a filterable table of
the changed paths. --dockerfile and --context then describe B.

Files and directories smaller than 1/3000 of the image are taken together per directory, so the page stays
small and quick on big images (a few MB for a 250k-entry pair).

Exit codes: 0 written, 2 bad usage or input (nothing is written then).`,
		Example: `  layerdiff report --dockerfile Dockerfile -o report.html app.tar
  layerdiff report -o diff.html docker-daemon:app:base docker-daemon:app:head
  layerdiff report --context . -o report.html oci:build/layout:latest`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usageError{fmt.Errorf("report: want one or two images, got %d argument(s)", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runReport(cmd, f, args) },
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.output, "output", "o", "", "file to write (required; - for stdout)")
	fl.StringVarP(&f.format, "format", "f", "html", "html, or json for the page's data")
	fl.StringVar(&f.dockerfile, "dockerfile", "", "Dockerfile the image (B) was built from, to show its lines")
	fl.StringVar(&f.context, "context", "", "build context, to show each line's cache prediction")
	fl.StringVar(&f.target, "target", "", "Dockerfile stage the image was built from (default: the last one)")
	fl.StringArrayVar(&f.buildArgs, "build-arg", nil, "NAME=value build argument of the next build, for the cache prediction")
	fl.StringVar(&f.platform, "platform", "", "platform to pick from multi-platform images (os/arch[/variant])")
	fl.BoolVar(&f.mtime, "mtime", false, "count a change of modification time alone as a modification")
	fl.BoolVar(&f.noCache, "no-cache", false, "do not read or write the layer listing cache")
	fl.BoolVar(&f.noVerify, "no-verify", false, "skip checking each layer's bytes against its DiffID")
	fl.StringVar(&f.creds, "creds", "", credsUsage)
	return cmd
}

func runReport(cmd *cobra.Command, f reportFlags, refs []string) error {
	if f.format != "html" && f.format != "json" {
		return usageError{fmt.Errorf("report: unknown --format %q: want html or json", f.format)}
	}
	if f.output == "" {
		return usageError{errors.New("report: -o FILE is required (- writes to stdout)")}
	}
	buildArgs := map[string]string{}
	for _, a := range f.buildArgs {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return usageError{fmt.Errorf("--build-arg %q: want NAME=value", a)}
		}
		buildArgs[k] = v
	}
	dockerfile := f.dockerfile
	if dockerfile == "" && f.context != "" {
		dockerfile = filepath.Join(f.context, "Dockerfile")
	}
	var df *parser.Result
	if dockerfile != "" {
		var err error
		if df, err = readDockerfile(dockerfile); err != nil {
			return err
		}
	}
	ctx := cmd.Context()
	of := openFlags{platform: f.platform, noCache: f.noCache, noVerify: f.noVerify, creds: f.creds}
	var bar *progressBar
	if isTerminal(cmd.ErrOrStderr()) {
		bar = &progressBar{w: cmd.ErrOrStderr()}
		of.progress = bar.update
	}
	loader, err := newLoader(cmd, of)
	if err != nil {
		return err
	}
	imgs, err := readImages(ctx, loader, refs)
	bar.done()
	if err != nil {
		return err
	}
	img := imgs[len(imgs)-1]

	// B's steps, aligned with the Dockerfile and measured as layerdiff history measures them, in the same pass
	// over B's merged stream that gathers the treemap's files (classed by the diff, for two images).
	var rep *layerdiff.Report
	if len(imgs) == 2 {
		if rep, err = layerdiff.Diff(ctx, imgs[0], imgs[1], layerdiff.WithMtime(f.mtime)); err != nil {
			return err
		}
	}
	col := htmlreport.NewCollector(img, rep)
	m, err := history.MeasureVisit(ctx, img, col.Visit)
	if err != nil {
		return err
	}
	alignOpts := []history.Option{history.WithBuildArgs(buildArgs), history.WithMeasurements(m)}
	if f.target != "" {
		alignOpts = append(alignOpts, history.WithTarget(f.target))
	}
	a, err := history.AlignPrefix(img, df, alignOpts...)
	if err != nil {
		if dockerfile != "" {
			return fmt.Errorf("%s: %w", dockerfile, err)
		}
		return err
	}
	hist := history.NewReport(img, a.Steps, nil, 0)
	opts := []htmlreport.Option{htmlreport.WithCollector(col)}
	if df != nil {
		opts = append(opts, htmlreport.WithAlignment(a.Summary()))
	}
	if f.context != "" {
		bc, err := cache.OpenContext(ctx, f.context)
		if err != nil {
			return err
		}
		pred, err := cache.Predict(ctx, df, bc, img, cache.WithBuildArgs(buildArgs), cache.WithTarget(f.target))
		if err != nil {
			return err
		}
		opts = append(opts, htmlreport.WithCache(pred))
	}

	var page *htmlreport.Page
	if len(imgs) == 1 {
		page, err = htmlreport.Image(ctx, img, hist, opts...)
	} else {
		page, err = htmlreport.Diff(ctx, rep, imgs[0], imgs[1], hist, opts...)
	}
	if err != nil {
		return err
	}
	return writeOutput(cmd, f.output, func(w io.Writer) error {
		if f.format == "json" {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(page)
		}
		return page.WriteHTML(w)
	})
}

// writeOutput writes to name through write: for "-" to stdout once complete, else to a temporary file beside
// name that replaces it only once complete, so that a failure leaves no partial output.
func writeOutput(cmd *cobra.Command, name string, write func(io.Writer) error) error {
	if name == "-" {
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			return err
		}
		_, err := buf.WriteTo(cmd.OutOrStdout())
		return err
	}
	if err := atomicfile.Write(name, 0o644, write); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}
