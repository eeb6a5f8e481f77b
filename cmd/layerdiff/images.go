package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/load"
	"github.com/layerlint/layerlint/layerdiff/source"
)

// openFlags are what every subcommand's flags say about opening images; newLoader turns them into a Loader.
type openFlags struct {
	platform string
	noCache  bool // no listing cache
	noVerify bool
	creds    string // --creds USER[:PASSWORD]
	progress func(layerdiff.Progress)
}

// credsUsage is the help of --creds.
const credsUsage = "USER[:PASSWORD] for registries (default: $" + source.EnvCredentials + ", then the Docker config); without :PASSWORD it is asked for on the terminal"

// newLoader returns the Loader of a subcommand and the secrets its output must never show.
func newLoader(cmd *cobra.Command, f openFlags) (*load.Loader, error) {
	opts := []load.Option{load.WithVerify(!f.noVerify), load.WithCredentialsFlag("pass --creds USER:PASSWORD")}
	if !f.noCache {
		opts = append(opts, load.WithDefaultListingCache())
	}
	if f.platform != "" {
		p, err := v1.ParsePlatform(f.platform)
		if err != nil {
			return nil, usageError{fmt.Errorf("--platform %q: %w", f.platform, err)}
		}
		opts = append(opts, load.WithPlatform(*p))
	}
	if f.creds != "" {
		c, err := parseCredsFlag(cmd, f.creds, "--creds")
		if err != nil {
			return nil, err
		}
		opts = append(opts, load.WithCredentials(c))
	}
	if f.progress != nil {
		opts = append(opts, load.WithProgress(f.progress))
	}
	return load.New(opts...)
}

// parseCredsFlag parses USER[:PASSWORD] of flag, asking for the password on the terminal when it is left out,
// as skopeo does. Errors never quote the value.
func parseCredsFlag(cmd *cobra.Command, value, flag string) (source.Credentials, error) {
	c, hasPassword, err := source.ParseCredentials(value, flag)
	if err != nil {
		return source.Credentials{}, usageError{err}
	}
	if hasPassword {
		return c, nil
	}
	in, ok := cmd.InOrStdin().(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return source.Credentials{}, usageError{fmt.Errorf("%s gives no password and there is no terminal to ask for it; give USER:PASSWORD", flag)}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "Password for %s (%s): ", c.Username, flag)
	pass, err := term.ReadPassword(int(in.Fd()))
	fmt.Fprintln(cmd.ErrOrStderr())
	if err != nil {
		return source.Credentials{}, fmt.Errorf("%s: reading the password: %w", flag, err)
	}
	if c.Password = strings.TrimRight(string(pass), "\r\n"); c.Password == "" {
		return source.Credentials{}, usageError{fmt.Errorf("%s: empty password", flag)}
	}
	return c, nil
}

// printError writes err to w, one "layerdiff: " line per line of its message (layerdiff A B fails with one
// line per image), with secrets removed.
func printError(w io.Writer, err error) {
	for _, line := range strings.Split(source.Redact(err.Error()), "\n") {
		fmt.Fprintf(w, "layerdiff: %s\n", line)
	}
}

// readImages opens the images named by refs (each with its own options from perImage, which may be
// shorter), each to the end so that each failure (a missing image, a registry that wants credentials) is
// reported on its own line rather than cut short by another's; then reads them at once: their layers share
// one pool of workers, and a layer they share is read once. When one fails the others stop, and the causes
// are reported, not the cancellations.
func readImages(ctx context.Context, loader *load.Loader, refs []string, perImage ...[]load.Option) ([]*layerdiff.Image, error) {
	srcs := make([]v1.Image, len(refs))
	errs := make([]error, len(refs))
	var wg sync.WaitGroup
	for i, ref := range refs {
		var opts []load.Option
		if i < len(perImage) {
			opts = perImage[i]
		}
		wg.Go(func() { srcs[i], errs[i] = loader.Source(ctx, ref, opts...) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	readCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	imgs := make([]*layerdiff.Image, len(refs))
	for i, ref := range refs {
		wg.Go(func() {
			if imgs[i], errs[i] = loader.Read(readCtx, ref, srcs[i]); errs[i] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	var failed []error
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			failed = append(failed, err)
		}
	}
	if len(failed) > 0 {
		return nil, errors.Join(failed...)
	}
	if err := cmp.Or(errs...); err != nil {
		return nil, err
	}
	return imgs, nil
}
