package main

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/internal/buildahtest"
	"github.com/layerlint/layerlint/layerdiff/source"
	"github.com/layerlint/layerlint/layerdiff/source/registrytest"
	"github.com/layerlint/layerlint/layerdiff/source/sourcetest"
)

const (
	registryUser   = "alice"
	registrySecret = "Tr0ub4dor-and-3-layerlint"
	wrongSecret    = "wr0ng-Pa55-layerlint"
)

// isolateCredentials points every place credentials are looked up at an empty directory, and returns the
// DOCKER_CONFIG directory, where a test may write a config.json.
func isolateCredentials(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	for k, v := range map[string]string{
		"HOME": home, "DOCKER_CONFIG": filepath.Join(home, "docker"), "REGISTRY_AUTH_FILE": "",
		"XDG_RUNTIME_DIR": "", "XDG_CONFIG_HOME": filepath.Join(home, "config"), source.EnvCredentials: "",
	} {
		t.Setenv(k, v)
	}
	return filepath.Join(home, "docker")
}

// writeDockerConfig writes a Docker config holding user:password for host, as `docker login` does.
func writeDockerConfig(t *testing.T, dir, host, user, password string) {
	t.Helper()
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := `{"auths": {"` + host + `": {"auth": "` + auth + `"}}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

// writeCredentialHelper installs docker-credential-layerlinttest, a credential helper that speaks Docker's
// helper protocol (`get` reads the server from stdin, prints JSON), on PATH, and a Docker config that names it
// for host.
func writeCredentialHelper(t *testing.T, dir, host, user, password string) {
	t.Helper()
	bin := t.TempDir()
	script := "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\n" +
		`printf '{"ServerURL":"%s","Username":"` + user + `","Secret":"` + password + `"}\n' "$server"` + "\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-layerlinttest"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := `{"credHelpers": {"` + host + `": "layerlinttest"}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

// authRegistry starts the real registry with htpasswd authentication and pushes app-v1 and app-v2 to it.
func authRegistry(t *testing.T) string {
	t.Helper()
	host := registrytest.StartAuth(t, registryUser, registrySecret)
	for _, v := range []string{"v1", "v2"} {
		registrytest.Push(t, "../../testdata/images/app-"+v+".tar", host+"/app:"+v, registryUser, registrySecret)
	}
	return host
}

// checkNoSecret fails when any output holds a secret, or the Basic authorization value that carries it.
func checkNoSecret(t *testing.T, outputs ...string) {
	t.Helper()
	for _, secret := range []string{registrySecret, wrongSecret} {
		basic := base64.StdEncoding.EncodeToString([]byte(registryUser + ":" + secret))
		for _, out := range outputs {
			if strings.Contains(out, secret) || strings.Contains(out, basic) {
				t.Errorf("output holds a secret:\n%s", out)
			}
		}
	}
}

// TestRegistryCredentials runs the subcommands against the real registry with htpasswd authentication: the
// right credentials from each source work, wrong and missing ones fail with one line per image that says
// which registry, what went wrong, where credentials came from or were looked for, and what to do; no output
// of any run holds the password.
func TestRegistryCredentials(t *testing.T) {
	host := authRegistry(t)
	v1, v2 := "docker://"+host+"/app:v1", host+"/app:v2"
	right, wrong := registryUser+":"+registrySecret, registryUser+":"+wrongSecret
	ctxDir := filepath.Join(t.TempDir(), "app-v2")
	buildahtest.CopyTree(t, filepath.Join(sourcetest.ImagesDir(), "app-v2"), ctxDir)

	for _, tc := range []struct {
		name   string
		env    map[string]string // besides the isolation
		config string            // password in the Docker config, "" for none
		helper string            // password a credential helper gives, "" for none
		args   []string
		code   int
		want   []string // lines of stderr, each a substring, in order
	}{
		{name: "--creds", args: []string{"--creds", right, v1, v2}, code: exitDifferent},
		{name: "--creds-a and --creds-b", args: []string{"--creds-a", right, "--creds-b", right, v1, v2}, code: exitDifferent},
		{name: "environment", env: map[string]string{source.EnvCredentials: right}, args: []string{v1, v2}, code: exitDifferent},
		{name: "Docker config", config: registrySecret, args: []string{v1, v2}, code: exitDifferent},
		{name: "credential helper", helper: registrySecret, args: []string{v1, v2}, code: exitDifferent},
		{name: "--creds-a wins over the environment", env: map[string]string{source.EnvCredentials: wrong},
			args: []string{"--creds-a", right, "--creds-b", right, v1, v2}, code: exitDifferent},
		{name: "history --creds", args: []string{"history", "--creds", right, v1}, code: exitSame},
		{name: "cache --creds", args: []string{"cache", "--creds", right, "--context", ctxDir, v2}, code: exitSame},

		{name: "wrong --creds", args: []string{"--creds", wrong, v1, v2}, code: exitError, want: []string{
			"layerdiff: opening image " + v1 + ": registry " + host + " rejected the credentials from --creds; check them, or run 'docker login " + host + "' and drop them",
			"layerdiff: opening image docker://" + v2 + ": registry " + host + " rejected the credentials from --creds;"}},
		{name: "wrong environment", env: map[string]string{source.EnvCredentials: wrong}, args: []string{"history", v1}, code: exitError, want: []string{
			"registry " + host + " rejected the credentials from " + source.EnvCredentials + ";"}},
		{name: "wrong Docker config", config: wrongSecret, args: []string{"history", v1}, code: exitError, want: []string{
			"rejected the credentials from DOCKER_CONFIG/config.json;"}},
		{name: "wrong credential helper", helper: wrongSecret, args: []string{"history", v1}, code: exitError, want: []string{
			"rejected the credentials from DOCKER_CONFIG/config.json (credential helper docker-credential-layerlinttest);"}},
		{name: "missing", args: []string{v1, v2}, code: exitError, want: []string{
			"opening image " + v1 + ": registry " + host + ": authentication required, and no credentials for it were found (looked in $" +
				source.EnvCredentials + ", DOCKER_CONFIG/config.json (not there)); run 'docker login " + host + "' or pass --creds-a USER:PASSWORD",
			"or pass --creds-b USER:PASSWORD"}},
		{name: "one side missing", args: []string{"--creds-a", right, v1, v2}, code: exitError, want: []string{
			"opening image docker://" + v2 + ": registry " + host + ": authentication required"}},
		{name: "history missing", args: []string{"history", v1}, code: exitError, want: []string{
			"authentication required, and no credentials for it were found (looked in $" + source.EnvCredentials}},
		{name: "cache wrong", args: []string{"cache", "--creds", wrong, "--context", ctxDir, v2}, code: exitError, want: []string{
			"rejected the credentials from --creds"}},
		{name: "credentials in the reference", args: []string{"docker://" + right + "@" + host + "/app:v1", v2}, code: exitError, want: []string{
			`layerdiff: parsing image reference "docker://***@` + host + `/app:v1": credentials do not belong in an image reference`,
			"opening image docker://" + v2 + ": registry " + host + ": authentication required"}},
		{name: "credentials in a bare reference", args: []string{"history", right + "@" + host + "/app:v1"}, code: exitError, want: []string{
			"credentials do not belong in an image reference"}},
		{name: "--creds without a password, no terminal", args: []string{"history", "--creds", registryUser, v1}, code: exitError, want: []string{
			"layerdiff: --creds gives no password and there is no terminal to ask for it; give USER:PASSWORD",
			"Run 'layerdiff --help' for usage."}},
		{name: "malformed environment", env: map[string]string{source.EnvCredentials: registryUser}, args: []string{"history", v1}, code: exitError, want: []string{
			"layerdiff: " + source.EnvCredentials + " has no password; want USER:PASSWORD"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dockerConfig := isolateCredentials(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			if tc.config != "" {
				writeDockerConfig(t, dockerConfig, host, registryUser, tc.config)
			}
			if tc.helper != "" {
				writeCredentialHelper(t, dockerConfig, host, registryUser, tc.helper)
			}
			code, out, errOut := layerdiffCmd(t, tc.args...)
			checkNoSecret(t, out, errOut)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, errOut)
			}
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			if len(tc.want) == 0 {
				if errOut != "" {
					t.Errorf("stderr: %s", errOut)
				}
				return
			}
			if out != "" {
				t.Errorf("wrote to stdout on error: %q", out)
			}
			if len(lines) != len(tc.want) {
				t.Fatalf("stderr has %d lines, want %d:\n%s", len(lines), len(tc.want), errOut)
			}
			for i, w := range tc.want {
				w = strings.ReplaceAll(w, "DOCKER_CONFIG", dockerConfig)
				if !strings.Contains(lines[i], w) {
					t.Errorf("stderr line %d:\n%s\nwant it to contain\n%s", i+1, lines[i], w)
				}
			}
		})
	}
}

// TestRegistryMisbehaving reads an image from a registry that misbehaves in one way each time: every run
// ends, within the timeout, in one line that names the registry and what it did wrong, and exit 2.
func TestRegistryMisbehaving(t *testing.T) {
	img, err := source.OpenString(context.Background(), "../../testdata/images/app-v1.tar")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		fault registrytest.Fault
		want  string
	}{
		{"manifest larger than 4 MiB", registrytest.HugeManifest, "sent a manifest larger than 4 MiB"},
		{"manifest declared larger than 4 MiB", registrytest.HugeManifestDeclared, "sent a manifest larger than 4 MiB"},
		{"config declared larger than 16 MiB", registrytest.HugeConfig, "declares a config of 20971520 bytes for HOST/app:v1, more than the 16 MiB allowed"},
		{"blob longer than declared", registrytest.LongBlob, "sent blob sha256:"},
		{"blob declared longer", registrytest.LongBlobDeclared, "sent blob sha256:"},
		{"redirect loop", registrytest.RedirectLoop, "redirected more than 10 times (a redirect loop) fetching /v2/app/blobs/sha256:"},
		{"no answer", registrytest.StallHeaders, "did not answer within 1s"},
		{"a pause in the body", registrytest.StallBody, "stopped sending for 1s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			isolateCredentials(t)
			t.Setenv("LAYERLINT_REGISTRY_TIMEOUT", "1s")
			host := registrytest.Misbehaving(t, img, tc.fault)
			code, out, errOut := layerdiffCmd(t, "history", "docker://"+host+"/app:v1")
			if code != exitError || out != "" {
				t.Fatalf("exit %d, stdout %q, want 2 and nothing", code, out)
			}
			t.Log(errOut)
			want := "registry " + host + " " + strings.ReplaceAll(tc.want, "HOST", host)
			if strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, want) {
				t.Errorf("stderr:\n%s\nwant one line containing\n%s", errOut, want)
			}
		})
	}
}
