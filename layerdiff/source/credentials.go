package source

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/docker/cli/cli/config"
	"github.com/google/go-containerregistry/pkg/authn"
)

// Credentials are a user name and password (or token) for registries, and where they came from.
type Credentials struct {
	Username, Password string
	// From names where they came from, for errors: "--creds-a", "LAYERLINT_REGISTRY_CREDS", ...
	From string
}

// IsZero reports whether c holds no credentials.
func (c Credentials) IsZero() bool { return c.Username == "" && c.Password == "" }

// Secrets returns what of c must never be printed: the password, and the Basic authorization value that
// carries it.
func (c Credentials) Secrets() []string {
	if c.Password == "" {
		return nil
	}
	return []string{c.Password, base64.StdEncoding.EncodeToString([]byte(c.Username + ":" + c.Password))}
}

// ParseCredentials parses USER[:PASSWORD], as skopeo's --creds takes them; from names the flag or variable
// they came from. hasPassword is false when there was no colon: the caller may then ask for the password.
// Errors never quote s.
func ParseCredentials(s, from string) (c Credentials, hasPassword bool, err error) {
	user, pass, hasPassword := strings.Cut(s, ":")
	switch {
	case s == "":
		return Credentials{}, false, fmt.Errorf("%s is empty; want USER:PASSWORD", from)
	case user == "":
		return Credentials{}, false, fmt.Errorf("%s has no user name before the colon; want USER:PASSWORD", from)
	case strings.ContainsAny(user, "\r\n\x00") || strings.ContainsAny(pass, "\r\n\x00"):
		return Credentials{}, false, fmt.Errorf("%s holds a line break or NUL; want USER:PASSWORD on one line", from)
	case hasPassword && pass == "":
		return Credentials{}, false, fmt.Errorf("%s has an empty password after the colon; want USER:PASSWORD", from)
	}
	return Credentials{Username: user, Password: pass, From: from}, hasPassword, nil
}

// WithCredentials makes Open send c to registries instead of looking in the Docker config.
func WithCredentials(c Credentials) Option {
	return func(o *options) {
		if !c.IsZero() {
			o.creds = c
		}
	}
}

// WithCredentialsHint says how the user passes credentials to this program, for the error that says none
// were found ("pass --creds USER:PASSWORD"); the default names the environment variable only.
func WithCredentialsHint(hint string) Option {
	return func(o *options) { o.credsHint = hint }
}

// authSource resolves credentials for registries and remembers which it handed out, so that an
// authentication error can say where they came from.
type authSource struct {
	explicit Credentials

	mu   sync.Mutex
	used string // where the credentials sent came from; "" when none were
}

// Resolve implements authn.Keychain.
func (a *authSource) Resolve(target authn.Resource) (authn.Authenticator, error) {
	if !a.explicit.IsZero() {
		a.setUsed(a.explicit.From)
		return authn.FromConfig(authn.AuthConfig{Username: a.explicit.Username, Password: a.explicit.Password}), nil
	}
	auth, err := authn.DefaultKeychain.Resolve(target)
	if err != nil {
		return nil, fmt.Errorf("reading Docker credentials from %s: %w", dockerConfigDescription(target.RegistryStr()), err)
	}
	if auth != authn.Anonymous {
		a.setUsed(dockerConfigDescription(target.RegistryStr()))
	}
	return auth, nil
}

func (a *authSource) setUsed(from string) {
	a.mu.Lock()
	a.used = from
	a.mu.Unlock()
}

func (a *authSource) usedFrom() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.used
}

// dockerConfigFile returns the credentials file go-containerregistry's default keychain reads, in its
// order: with ~/.docker/config.json present, $DOCKER_CONFIG/config.json when DOCKER_CONFIG is set, else that
// file; then $DOCKER_CONFIG/config.json, $REGISTRY_AUTH_FILE, podman's auth.json. ok is false when there is
// none; path then names the first place looked.
func dockerConfigFile() (path string, ok bool) {
	exists := func(p string) bool {
		fi, err := os.Stat(p)
		return err == nil && !fi.IsDir()
	}
	home, _ := os.UserHomeDir()
	homeConfig := filepath.Join(home, ".docker", "config.json")
	dc := os.Getenv("DOCKER_CONFIG")
	if home != "" && exists(homeConfig) {
		if dc != "" {
			p := filepath.Join(dc, "config.json")
			return p, exists(p)
		}
		return homeConfig, true
	}
	if dc != "" && exists(filepath.Join(dc, "config.json")) {
		return filepath.Join(dc, "config.json"), true
	}
	if p := os.Getenv("REGISTRY_AUTH_FILE"); p != "" && exists(p) {
		return p, true
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" && exists(filepath.Join(d, "containers", "auth.json")) {
		return filepath.Join(d, "containers", "auth.json"), true
	}
	if d, err := os.UserConfigDir(); err == nil && exists(filepath.Join(d, "containers", "auth.json")) {
		return filepath.Join(d, "containers", "auth.json"), true
	}
	if dc != "" {
		return filepath.Join(dc, "config.json"), false
	}
	return homeConfig, false
}

// dockerConfigDescription says where Docker credentials for host are looked up: the file, and the credential
// helper it names for host, if any.
func dockerConfigDescription(host string) string {
	p, ok := dockerConfigFile()
	if !ok {
		return p + " (not there)"
	}
	f, err := os.Open(p)
	if err != nil {
		return p
	}
	defer f.Close()
	cf, err := config.LoadFromReader(f)
	if err != nil {
		return p
	}
	if h := cf.CredentialHelpers[host]; h != "" {
		return p + " (credential helper docker-credential-" + h + ")"
	}
	if cf.CredentialsStore != "" {
		return p + " (credential helper docker-credential-" + cf.CredentialsStore + ")"
	}
	return p
}
