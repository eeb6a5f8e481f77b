// Command layerdiff compares two container images layer by layer and file by file.
//
//	layerdiff [flags] IMAGE_A IMAGE_B
//
// Exit codes, like diff(1): 0 the images' files and configs are identical, 1 they differ, 2 bad usage or
// input. With --fail-on-growth SIZE the exit code is a size budget: 0 when B grew by SIZE or less, 1 when more.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/spf13/cobra"

	"github.com/layerlint/layerlint/internal/version"
)

// Exit codes.
const (
	exitSame      = 0
	exitDifferent = 1
	exitError     = 2
)

// usageError marks errors in how the command was called (exit 2, with a hint to --help).
type usageError struct{ error }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line args and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	code := exitSame
	root := newDiffCommand(&code)
	root.AddCommand(newHistoryCommand(&code), newCacheCommand(), newReportCommand())
	root.Version = version.String()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SilenceErrors = true
	root.SilenceUsage = true
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	if err := root.ExecuteContext(ctx); err != nil {
		printError(stderr, err)
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(stderr, "Run 'layerdiff --help' for usage.")
		}
		return exitError
	}
	return code
}
