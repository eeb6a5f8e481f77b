package main

import (
	"bytes"
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/layerdiff/source"
	"github.com/layerlint/layerlint/layerdiff/source/registrytest"
)

// TestImageFromPrivateRegistry lints with --image naming an image in the real registry with htpasswd
// authentication: the right credentials (--creds, or the environment) measure findings; wrong and missing
// ones fail with one line that says what to do; no output holds the password.
func TestImageFromPrivateRegistry(t *testing.T) {
	const user, secret, wrong = "alice", "Tr0ub4dor-and-3-layerlint", "wr0ng-Pa55-layerlint"
	host := registrytest.StartAuth(t, user, secret)
	registrytest.Push(t, "../../testdata/images/app-v2.tar", host+"/app:v2", user, secret)
	dockerfile := "../../testdata/images/app-v2/Dockerfile"
	home := t.TempDir()
	for k, v := range map[string]string{"HOME": home, "DOCKER_CONFIG": filepath.Join(home, "docker"), "REGISTRY_AUTH_FILE": "",
		"XDG_RUNTIME_DIR": "", "XDG_CONFIG_HOME": home, "XDG_CACHE_HOME": t.TempDir()} {
		t.Setenv(k, v)
	}
	for _, tc := range []struct {
		name string
		env  string
		args []string
		code int
		want string
	}{
		{"--creds", "", []string{"--creds", user + ":" + secret}, exitFindings, ""},
		{"environment", user + ":" + secret, nil, exitFindings, ""},
		{"wrong --creds", "", []string{"--creds", user + ":" + wrong}, exitBadInput, "registry " + host + " rejected the credentials from --creds"},
		{"missing", "", nil, exitBadInput, "registry " + host + ": authentication required, and no credentials for it were found (looked in $" +
			source.EnvCredentials + ", " + filepath.Join(home, "docker", "config.json") + " (not there)); run 'docker login " + host + "' or pass --creds USER:PASSWORD"},
		{"credentials in the reference", "", []string{"--image", "docker://" + user + ":" + secret + "@" + host + "/app:v2"}, exitBadInput,
			"credentials do not belong in an image reference"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(source.EnvCredentials, tc.env)
			args := append([]string{"--format", "json", "--image", "docker://" + host + "/app:v2"}, tc.args...)
			var out, errb bytes.Buffer
			code := run(append(args, dockerfile), &out, &errb)
			for _, s := range []string{secret, wrong, base64.StdEncoding.EncodeToString([]byte(user + ":" + secret))} {
				if strings.Contains(out.String()+errb.String(), s) {
					t.Errorf("output holds a secret:\n%s\n%s", out.String(), errb.String())
				}
			}
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, errb.String())
			}
			if tc.want != "" && (!strings.Contains(errb.String(), tc.want) || strings.Count(strings.TrimSpace(errb.String()), "\n") > 0) {
				t.Errorf("stderr:\n%s\nwant one line containing\n%s", errb.String(), tc.want)
			}
		})
	}
}
