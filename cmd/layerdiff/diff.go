package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/load"
	"github.com/layerlint/layerlint/layerdiff/source"
)

type diffFlags struct {
	format       string
	mtime        bool
	content      bool
	contentMax   string
	platform     string
	failOnGrowth string
	noCache      bool
	noVerify     bool
	creds        string
	credsA       string
	credsB       string
	all          bool
	limit        int
	depth        int
}

// defaultLimit is how many changed paths the text lists on a terminal before it summarises them by directory.
const defaultLimit = 40

func newDiffCommand(code *int) *cobra.Command {
	var f diffFlags
	cmd := &cobra.Command{
		Use:   "layerdiff [flags] IMAGE_A IMAGE_B",
		Short: "Compare two container images layer by layer and file by file",
		Long: `layerdiff compares two container images: which layers they share, every path added, deleted or
modified between their merged filesystems (after whiteouts and opaque directories), the layer and Dockerfile
instruction that last wrote or deleted each changed path in B, sizes, and config changes.

Images are read as streams and never extracted. References use skopeo's transport names:
  docker-archive:PATH[:TAG]   a 'docker save' / 'buildah push docker-archive:' tar (or a bare path to a .tar)
  oci:DIR[:TAG]               an OCI image layout directory (or a bare path to one)
  oci-archive:PATH[:TAG]      a tar of an OCI image layout
  docker-daemon:NAME:TAG      an image in the Docker daemon (DOCKER_HOST, else DOCKER_CONTEXT or the docker
                              context in use, else the default socket)
  containers-storage:[[driver@]root[+runroot]]NAME[:TAG]
                              an image in podman's or buildah's store (default: /var/lib/containers/storage)
  docker://HOST/REPO:TAG      an image in a registry (also bare: localhost:5000/app:v1, debian:bookworm)
A bare path to a file is a docker-archive or an OCI archive, whichever it holds.

Registry credentials: --creds-a and --creds-b for one image, --creds for both, else $LAYERLINT_REGISTRY_CREDS
(USER:PASSWORD, for CI), else the Docker config ('docker login', credential helpers). None is ever printed.

On a terminal, more than --limit changed paths (default 40) are summarised by directory, like du: the
deepest level that fits, or --depth N levels. --all (or --format json) shows every path; output to a file
or pipe lists every path unless --limit or --depth is given.

A change of modification time alone is not a modification unless --mtime is given. Sizes are bytes of
file contents, as docker history and docker images count them; the layer table also shows each
uncompressed tar's size (TAR). Layer listings are cached by DiffID in $XDG_CACHE_HOME/layerlint, with each
image's merged stack and the changes found between a pair, so that a repeated diff reads no layer (--no-cache
to skip).

Exit codes: 0 identical files and config, 1 different, 2 bad usage or input. With --fail-on-growth SIZE the
exit code is a size budget instead: 0 when B grew by SIZE or less (whatever else differs), 1 when it grew more.`,
		Example: `  layerdiff testdata/images/app-v1.tar testdata/images/app-v2.tar
  layerdiff --format json oci:build/layout:v1 localhost:5000/app:v2
  layerdiff --content --format markdown app-v1.tar app-v2.tar > diff.md`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageError{fmt.Errorf("want two images, got %d argument(s)", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := runDiff(cmd, f, args[0], args[1])
			*code = c
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.format, "format", "f", "text", "output format: text, json or markdown")
	fl.BoolVar(&f.mtime, "mtime", false, "count a change of modification time alone as a modification")
	fl.BoolVar(&f.content, "content", false, "show unified diffs of changed text files")
	fl.StringVar(&f.contentMax, "content-max", "1MB", "largest file whose contents --content compares")
	fl.StringVar(&f.platform, "platform", "", "platform to pick from multi-platform images (os/arch[/variant]); default: this machine's")
	fl.StringVar(&f.failOnGrowth, "fail-on-growth", "", "size budget: exit 1 only when B is more than SIZE larger than A, else 0 (e.g. 10MB)")
	fl.BoolVar(&f.noCache, "no-cache", false, "do not read or write the layer listing cache")
	fl.BoolVar(&f.noVerify, "no-verify", false, "skip checking each layer's bytes against its DiffID")
	fl.StringVar(&f.creds, "creds", "", credsUsage)
	fl.StringVar(&f.credsA, "creds-a", "", "USER[:PASSWORD] for the registry of IMAGE_A only (wins over --creds)")
	fl.StringVar(&f.credsB, "creds-b", "", "USER[:PASSWORD] for the registry of IMAGE_B only (wins over --creds)")
	fl.BoolVar(&f.all, "all", false, "list every changed path, even on a terminal")
	fl.IntVar(&f.limit, "limit", defaultLimit, "on a terminal, the most changed paths listed before they are summarised by directory (0: no limit)")
	fl.IntVar(&f.depth, "depth", 0, "summarise changed paths by directories N levels deep (default: the deepest that fits in --limit)")
	return cmd
}

func runDiff(cmd *cobra.Command, f diffFlags, refA, refB string) (int, error) {
	render, ok := renderers[f.format]
	if !ok {
		return exitError, usageError{fmt.Errorf("unknown --format %q: want text, json or markdown", f.format)}
	}
	ro, err := textOptions(cmd, f)
	if err != nil {
		return exitError, err
	}
	contentMax, err := layerdiff.ParseSize(f.contentMax)
	if err != nil {
		return exitError, usageError{fmt.Errorf("--content-max: %w", err)}
	}
	var growthLimit int64 = -1
	if f.failOnGrowth != "" {
		if growthLimit, err = layerdiff.ParseSize(f.failOnGrowth); err != nil {
			return exitError, usageError{fmt.Errorf("--fail-on-growth: %w", err)}
		}
	}
	ctx := cmd.Context()
	stderr := cmd.ErrOrStderr()
	var bar *progressBar
	of := openFlags{platform: f.platform, noCache: f.noCache, noVerify: f.noVerify, creds: f.creds}
	if file, ok := stderr.(*os.File); ok && term.IsTerminal(int(file.Fd())) {
		bar = &progressBar{w: stderr}
		of.progress = bar.update
	}
	loader, err := newLoader(cmd, of)
	if err != nil {
		return exitError, err
	}
	var perImage [2][]load.Option
	for i, fl := range []struct{ name, value string }{{"--creds-a", f.credsA}, {"--creds-b", f.credsB}} {
		perImage[i] = append(perImage[i], load.WithCredentialsFlag("pass "+fl.name+" USER:PASSWORD"))
		if fl.value == "" {
			continue
		}
		c, err := parseCredsFlag(cmd, fl.value, fl.name)
		if err != nil {
			return exitError, err
		}
		perImage[i] = append(perImage[i], load.WithCredentials(c))
	}

	imgs, err := readImages(ctx, loader, []string{refA, refB}, perImage[:]...)
	bar.done()
	if err != nil {
		return exitError, err
	}
	rep, err := layerdiff.Diff(ctx, imgs[0], imgs[1], layerdiff.WithMtime(f.mtime))
	if err != nil {
		return exitError, err
	}
	if f.content {
		rep.Options.Content = true
		if err := layerdiff.AddContentDiffs(ctx, rep, imgs[0], imgs[1], contentMax); err != nil {
			return exitError, source.RedactError(err, loader.Secrets()...)
		}
	}
	if err := render(cmd.OutOrStdout(), rep, ro); err != nil {
		return exitError, err
	}
	// With --fail-on-growth the exit code is a size budget, for CI: only growth beyond it fails, whatever else
	// differs.
	if growthLimit >= 0 {
		if rep.Summary.Growth > growthLimit {
			fmt.Fprintf(stderr, "layerdiff: %s grew by %s, more than --fail-on-growth %s\n", refB,
				layerdiff.FormatSize(rep.Summary.Growth), strings.TrimSpace(f.failOnGrowth))
			return exitDifferent, nil
		}
		return exitSame, nil
	}
	if rep.Summary.Identical {
		return exitSame, nil
	}
	return exitDifferent, nil
}

// textOptions turns --all, --limit and --depth into render options: on a terminal the paths beyond the limit
// are summarised by directory; elsewhere every path is listed unless --limit or --depth is given.
func textOptions(cmd *cobra.Command, f diffFlags) (renderOptions, error) {
	fl := cmd.Flags()
	o := renderOptions{color: useColor(cmd.OutOrStdout())}
	switch {
	case f.limit < 0:
		return o, usageError{fmt.Errorf("--limit %d: want 0 or more", f.limit)}
	case f.depth < 0:
		return o, usageError{fmt.Errorf("--depth %d: want 0 or more", f.depth)}
	case f.all && (fl.Changed("limit") || fl.Changed("depth")):
		return o, usageError{fmt.Errorf("--all lists every path: it goes with neither --limit nor --depth")}
	case f.all:
		return o, nil
	}
	if fl.Changed("limit") || fl.Changed("depth") || isTerminal(cmd.OutOrStdout()) {
		o.limit, o.depth = f.limit, f.depth
	}
	return o, nil
}
