// Package load is the one way into an image: every command (layerdiff and its history and cache
// subcommands, layerlint --image) and the language server turn a reference as the user wrote it, plus the
// same few options, into a *layerdiff.Image here, the way each source of go-containerregistry yields a
// v1.Image. The reference syntax is layerdiff/source's; the options are the platform, digest verification,
// the listing cache, registry credentials and timeouts, and progress.
//
// Credentials for registries come, per image and first found: from WithCredentials given to Image, from
// WithCredentials given to New, from the environment variable source.EnvCredentials (USER:PASSWORD, for CI
// systems), and from the Docker config (docker login, credential helpers). No message of this package
// carries a password or token: errors are cleaned with source.Redact.
package load

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/source"
)

// EnvTimeout is the environment variable that sets how long a registry may take to answer or pause (a Go
// duration such as 10s; the default is source.DefaultRegistryTimeout).
const EnvTimeout = "LAYERLINT_REGISTRY_TIMEOUT"

// Option configures a Loader (given to New) or the opening of one image (given to Image, where only
// WithPlatform, WithCredentials and WithCredentialsFlag have an effect).
type Option func(*config)

type config struct {
	platform     *v1.Platform
	verify       bool
	cacheDir     string
	progress     func(layerdiff.Progress)
	creds        source.Credentials
	credsFlag    string
	reader       *layerdiff.Reader
	timeout      time.Duration
	ignoreEnv    bool
	defaultCache bool
}

// WithPlatform picks the image of a multi-platform index; the default is linux on this machine's
// architecture.
func WithPlatform(p v1.Platform) Option { return func(c *config) { c.platform = &p } }

// WithVerify turns the check of each layer's DiffID on (the default) or off.
func WithVerify(on bool) Option { return func(c *config) { c.verify = on } }

// WithListingCache keeps layer listings (and what lets a daemon image be read again without `docker save`)
// in dir; "" keeps none, which is the default.
func WithListingCache(dir string) Option {
	return func(c *config) { c.cacheDir, c.defaultCache = dir, false }
}

// WithDefaultListingCache keeps listings in layerdiff.DefaultCacheDir, when there is one.
func WithDefaultListingCache() Option { return func(c *config) { c.defaultCache = true } }

// WithProgress reports reading progress to fn (see layerdiff.WithProgress).
func WithProgress(fn func(layerdiff.Progress)) Option { return func(c *config) { c.progress = fn } }

// WithCredentials sends c to registries; c.From names where they came from in errors ("--creds-a").
func WithCredentials(cr source.Credentials) Option {
	return func(c *config) {
		if !cr.IsZero() {
			c.creds = cr
		}
	}
}

// WithCredentialsFlag says how the user of this program passes credentials ("pass --creds USER:PASSWORD",
// "set the layerlint.registryCredentials setting"), for the error that says none were found.
func WithCredentialsFlag(how string) Option { return func(c *config) { c.credsFlag = how } }

// WithReader reads layers with r instead of a Reader of the Loader's own: images read by one Reader share
// their layers' listings and its workers. The verify, listing-cache and progress options then do nothing.
func WithReader(r *layerdiff.Reader) Option { return func(c *config) { c.reader = r } }

// WithRegistryTimeout sets how long a registry may take to answer or pause; the default is EnvTimeout's
// value, or source.DefaultRegistryTimeout.
func WithRegistryTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithoutEnvironment ignores EnvTimeout and source.EnvCredentials.
func WithoutEnvironment() Option { return func(c *config) { c.ignoreEnv = true } }

// Loader opens images. It is safe for concurrent use; images it opens share one layerdiff.Reader, so a layer
// two images hold is read once.
type Loader struct {
	cfg     config
	env     source.Credentials // from source.EnvCredentials
	reader  *layerdiff.Reader
	secrets []string
}

// New returns a Loader. It fails only on a malformed environment variable, naming it.
func New(opts ...Option) (*Loader, error) {
	c := config{verify: true}
	for _, o := range opts {
		o(&c)
	}
	l := &Loader{cfg: c}
	if !c.ignoreEnv {
		if s := os.Getenv(source.EnvCredentials); s != "" {
			cr, hasPass, err := source.ParseCredentials(s, source.EnvCredentials)
			if err != nil {
				return nil, err
			}
			if !hasPass {
				return nil, fmt.Errorf("%s has no password; want USER:PASSWORD", source.EnvCredentials)
			}
			l.env = cr
		}
		if s := os.Getenv(EnvTimeout); s != "" && c.timeout == 0 {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("%s=%q: want a duration such as 30s", EnvTimeout, s)
			}
			l.cfg.timeout = d
		}
	}
	if c.defaultCache {
		if dir, err := layerdiff.DefaultCacheDir(); err == nil {
			l.cfg.cacheDir = dir
		}
	}
	l.reader = c.reader
	if l.reader == nil {
		ropts := []layerdiff.Option{layerdiff.WithVerify(c.verify)}
		if l.cfg.cacheDir != "" {
			ropts = append(ropts, layerdiff.WithListingStore(layerdiff.NewListingStore(l.cfg.cacheDir)))
		}
		if c.progress != nil {
			ropts = append(ropts, layerdiff.WithProgress(c.progress))
		}
		l.reader = layerdiff.NewReader(ropts...)
	}
	l.secrets = append(append(l.secrets, c.creds.Secrets()...), l.env.Secrets()...)
	return l, nil
}

// Secrets returns the passwords and tokens the Loader was handed, for callers that clean their own output
// with source.Redact.
func (l *Loader) Secrets() []string { return l.secrets }

// Image opens ref and reads its listings. opts given here (WithPlatform, WithCredentials) apply to this image
// and win over the Loader's.
func (l *Loader) Image(ctx context.Context, ref string, opts ...Option) (*layerdiff.Image, error) {
	src, secrets, err := l.open(ctx, ref, opts)
	if err != nil {
		return nil, err
	}
	img, err := l.reader.ReadImage(ctx, ref, src)
	if err != nil {
		return nil, source.RedactError(err, secrets...)
	}
	return img, nil
}

// Source opens ref without reading its layers: cheap, and enough to know whether the image is there and may
// be read. Read then reads it.
func (l *Loader) Source(ctx context.Context, ref string, opts ...Option) (v1.Image, error) {
	src, _, err := l.open(ctx, ref, opts)
	return src, err
}

// Read reads the listings of src, which Source opened from ref.
func (l *Loader) Read(ctx context.Context, ref string, src v1.Image) (*layerdiff.Image, error) {
	img, err := l.reader.ReadImage(ctx, ref, src)
	if err != nil {
		return nil, source.RedactError(err, l.secrets...)
	}
	return img, nil
}

func (l *Loader) open(ctx context.Context, ref string, opts []Option) (v1.Image, []string, error) {
	c := config{}
	for _, o := range opts {
		o(&c)
	}
	var srcOpts []source.Option
	if p := c.platform; p != nil {
		srcOpts = append(srcOpts, source.WithPlatform(*p))
	} else if p := l.cfg.platform; p != nil {
		srcOpts = append(srcOpts, source.WithPlatform(*p))
	}
	creds := c.creds
	if creds.IsZero() {
		creds = l.cfg.creds
	}
	if creds.IsZero() {
		creds = l.env
	}
	var looked []string
	if !l.cfg.ignoreEnv {
		looked = append(looked, "$"+source.EnvCredentials)
	}
	hint := c.credsFlag
	if hint == "" {
		hint = l.cfg.credsFlag
	}
	if hint == "" {
		hint = "set " + source.EnvCredentials + "=USER:PASSWORD"
	}
	srcOpts = append(srcOpts,
		source.WithCredentials(creds),
		source.WithCredentialsHint(hint),
		source.WithCredentialsLooked(strings.Join(looked, ", ")),
		source.WithCacheDir(l.cfg.cacheDir),
	)
	if l.cfg.timeout > 0 {
		srcOpts = append(srcOpts, source.WithRegistryTimeout(l.cfg.timeout))
	}
	secrets := append(append([]string{}, l.secrets...), c.creds.Secrets()...)
	src, err := source.OpenString(ctx, ref, srcOpts...)
	if err != nil {
		return nil, secrets, source.RedactError(err, secrets...)
	}
	return src, secrets, nil
}

// Image opens ref with a Loader of its own: New(opts...).Image(ctx, ref).
func Image(ctx context.Context, ref string, opts ...Option) (*layerdiff.Image, error) {
	l, err := New(opts...)
	if err != nil {
		return nil, err
	}
	return l.Image(ctx, ref)
}
