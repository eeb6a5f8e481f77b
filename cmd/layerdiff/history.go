package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/spf13/cobra"

	"github.com/layerlint/layerlint/internal/bkparser"
	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/history"
)

type historyFlags struct {
	dockerfile string
	target     string
	format     string
	top        int
	platform   string
	noCache    bool
	noVerify   bool
	creds      string
}

// newHistoryCommand returns `layerdiff history`: an image's steps, like docker history, aligned with the
// Dockerfile lines that made them and measured. It sets *code to exitDifferent when the Dockerfile matches
// only part of the image.
func newHistoryCommand(code *int) *cobra.Command {
	var f historyFlags
	cmd := &cobra.Command{
		Use:   "history [flags] IMAGE",
		Short: "Show an image's build steps with their Dockerfile lines, layer sizes and wasted bytes",
		Long: `history prints one row per step of an image's build, oldest first: every entry of its config history,
the layer it made, and, with --dockerfile, the Dockerfile line and instruction of each step of the final stage
(and of the stages it is built FROM). Steps before them belong to the base image.

For each layer it measures:
  size       bytes of regular file contents the layer adds (as stored: a file the layer rewrites counts in
             full; tar headers and directories are not counted)
  files      entries that are not directories
  +/~/-      paths added, modified (replacing a lower layer's entry) and deleted
  wasted     bytes of the layer's files that a later layer overwrites or deletes: stored, never seen
  leftovers  bytes the layer leaves in package-manager caches (apt, apk, yum, dnf, pip, npm, yarn, go, cargo)
             and temporary directories (/tmp, /var/tmp)

The Dockerfile is aligned with the image up to the first instruction that differs (a builder reuses a step
only when it reused all before it): lines above it show their steps; from it on each line says why it would
be rebuilt ("rebuild: new instruction", "rebuild: after line 12"), and the image's own steps it no longer
matches are marked (stale). A closing line names where the match ends and why. The history of BuildKit, the
legacy Docker builder, buildah and kaniko is understood.

Exit codes: 0 printed (and, with --dockerfile, the whole Dockerfile matches the image), 1 printed, but the
Dockerfile matches only part of the image, 2 bad usage or input. IMAGE is any reference
layerdiff accepts (docker-archive:PATH, oci:DIR, docker-daemon:NAME:TAG, docker://..., a bare path to a .tar).`,
		Example: `  layerdiff history testdata/images/app-v2.tar
  layerdiff history --dockerfile testdata/images/app-v2/Dockerfile --format json testdata/images/app-v2.tar`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("history: want one image, got %d argument(s)", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runHistory(cmd, f, args[0], code)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dockerfile, "dockerfile", "", "Dockerfile the image was built from, to align its lines with the history")
	fl.StringVar(&f.target, "target", "", "Dockerfile stage the image was built from (default: the last one)")
	fl.StringVarP(&f.format, "format", "f", "text", "output format: text or json")
	fl.IntVar(&f.top, "top", 10, "how many of the largest wasted files to list")
	fl.StringVar(&f.platform, "platform", "", "platform to pick from multi-platform images (os/arch[/variant])")
	fl.BoolVar(&f.noCache, "no-cache", false, "do not read or write the layer listing cache")
	fl.BoolVar(&f.noVerify, "no-verify", false, "skip checking each layer's bytes against its DiffID")
	fl.StringVar(&f.creds, "creds", "", credsUsage)
	return cmd
}

func runHistory(cmd *cobra.Command, f historyFlags, ref string, code *int) error {
	if f.format != "text" && f.format != "json" {
		return usageError{fmt.Errorf("history: unknown --format %q: want text or json", f.format)}
	}
	if f.top < 0 {
		return usageError{fmt.Errorf("history: --top %d: want 0 or more", f.top)}
	}
	var df *parser.Result
	if f.dockerfile != "" {
		var err error
		if df, err = readDockerfile(f.dockerfile); err != nil {
			return err
		}
	}
	loader, err := newLoader(cmd, openFlags{platform: f.platform, noCache: f.noCache, noVerify: f.noVerify, creds: f.creds})
	if err != nil {
		return err
	}
	img, err := loader.Image(cmd.Context(), ref)
	if err != nil {
		return err
	}
	m, err := history.Measure(cmd.Context(), img)
	if err != nil {
		return err
	}
	alignOpts := []history.Option{history.WithMeasurements(m)}
	if f.target != "" {
		alignOpts = append(alignOpts, history.WithTarget(f.target))
	}
	a, err := history.AlignPrefix(img, df, alignOpts...)
	if err != nil {
		if f.dockerfile != "" {
			return fmt.Errorf("%s: %w", f.dockerfile, err)
		}
		return err
	}
	rep := history.NewReport(img, a.Steps, m.WastedFiles(), f.top)
	if df != nil {
		rep.Alignment = a.Summary()
		if !a.Complete() {
			*code = exitDifferent
		}
	}
	if f.format == "json" {
		enc := json.NewEncoder(cmd.OutOrStdout())
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return renderHistoryText(cmd.OutOrStdout(), rep)
}

// readDockerfile parses the Dockerfile at name with BuildKit's parser (internal/bkparser's copy of it).
func readDockerfile(name string) (*parser.Result, error) {
	file, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("reading Dockerfile: %w", err)
	}
	defer file.Close()
	df, err := bkparser.Parse(file)
	if err != nil {
		return nil, fmt.Errorf("parsing Dockerfile %s: %w", name, err)
	}
	return df, nil
}

func renderHistoryText(w io.Writer, rep *history.Report) error {
	layers := 0
	for _, s := range rep.Steps {
		if s.Layer >= 0 {
			layers++
		}
	}
	fmt.Fprintf(w, "%s  (%d steps, %d layers, %s of files, %s wasted)\n\n", rep.Image, len(rep.Steps), layers,
		layerdiff.FormatSize(rep.Size), layerdiff.FormatSize(rep.Wasted))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	// Without a Dockerfile nothing tells which steps are the base image's: show what the history says, as
	// docker history does, and claim nothing.
	last := "INSTRUCTION"
	if rep.Alignment == nil {
		last = "CREATED BY"
	}
	fmt.Fprintf(tw, "LINE\tLAYER\tSIZE\tFILES\t+/~/-\tWASTED\t%s\n", last)
	for _, s := range rep.Steps {
		line, layer, size, files, changes, wasted := "-", "-", "-", "", "", ""
		if s.Line > 0 {
			line = fmt.Sprint(s.Line)
		}
		if s.Layer >= 0 {
			layer = strings.TrimPrefix(s.DiffID, "sha256:")[:min(12, len(strings.TrimPrefix(s.DiffID, "sha256:")))]
			size = layerdiff.FormatSize(s.Size)
			files = fmt.Sprint(s.Files)
			changes = fmt.Sprintf("%d/%d/%d", s.Added, s.Modified, s.Deleted)
			wasted = layerdiff.FormatSize(s.Wasted)
		}
		text := s.Instruction
		switch {
		case s.Stale:
			text = "(stale) " + s.CreatedBy
		case s.Base:
			text = "(base) " + s.CreatedBy
		case s.Line == 0:
			text = s.CreatedBy
		case s.Rebuild != "":
			text = "[rebuild: " + s.Rebuild + "] " + s.Instruction
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", line, layer, size, files, changes, wasted, oneLine(text, 72))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	renderAlignment(w, rep.Alignment)
	if len(rep.WastedFiles) > 0 {
		fmt.Fprintln(w, "\nLargest wasted files:")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, f := range rep.WastedFiles {
			how := "overwritten by"
			if f.Deleted {
				how = "deleted by"
			}
			fmt.Fprintf(tw, "  /%s\t%s\tlayer %d, %s layer %d\n", f.Path, layerdiff.FormatSize(f.Size), f.Layer, how, f.By)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	first := true
	for _, s := range rep.Steps {
		if len(s.Leftovers) == 0 {
			continue
		}
		if first {
			fmt.Fprintln(w, "\nPackage-manager and temporary leftovers:")
			first = false
		}
		var parts []string
		for _, k := range history.LeftoverKinds(s.Leftovers) {
			parts = append(parts, k+" "+layerdiff.FormatSize(s.Leftovers[k]))
		}
		where := fmt.Sprintf("layer %d", s.Layer)
		if s.Line > 0 {
			where = fmt.Sprintf("line %d", s.Line)
		}
		fmt.Fprintf(w, "  %s: %s\n", where, strings.Join(parts, ", "))
	}
	return nil
}

// renderAlignment says, when the Dockerfile matches only part of the image, where the match ends and why.
func renderAlignment(w io.Writer, a *history.AlignmentSummary) {
	if a == nil || a.Complete {
		return
	}
	through := "no line of the Dockerfile"
	if a.MatchedThrough > 0 {
		through = fmt.Sprintf("the Dockerfile through line %d", a.MatchedThrough)
	}
	fmt.Fprintf(w, "\nThe image matches %s (%d of %d instructions).\n", through, a.Matched, a.Instructions)
	if a.Diverged != nil {
		fmt.Fprintf(w, "From line %d on it differs: %v.\n", a.Diverged.Line, a.Diverged)
	}
	if a.Stale > 0 {
		fmt.Fprintf(w, "The image holds %d more steps of its own build that the Dockerfile no longer matches (stale).\n", a.Stale)
	}
}

// oneLine returns the first line of s, cut to n runes.
func oneLine(s string, n int) string {
	s, _, cut := strings.Cut(strings.TrimSpace(s), "\n")
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-3]) + "..."
	} else if cut {
		return s + " ..."
	}
	return s
}
