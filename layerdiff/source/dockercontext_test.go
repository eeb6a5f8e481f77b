package source

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/internal/dockertest"
	"github.com/layerlint/layerlint/layerdiff/source/sourcetest"
)

// dockerCLI runs the real docker CLI with its configuration in dir, as a user's `docker context` commands
// write it.
func dockerCLI(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("/usr/bin/docker", append([]string{"--config", dir}, args...)...)
	cmd.Env = append(os.Environ(), "DOCKER_HOST=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// withoutDockerHost empties DOCKER_HOST for the test (restored afterwards) and points the CLI config at dir.
func withoutDockerHost(t *testing.T, dir string) {
	t.Setenv("DOCKER_HOST", "")
	os.Unsetenv("DOCKER_HOST")
	t.Setenv("DOCKER_CONTEXT", "")
	os.Unsetenv("DOCKER_CONTEXT")
	t.Setenv("DOCKER_CONFIG", dir)
}

// TestDockerContext reads an image from a daemon that only a Docker context names, as rootless Docker and
// Docker Desktop set things up: contexts made and chosen by the real docker CLI (`docker context create`,
// `docker context use`), no DOCKER_HOST. DOCKER_CONTEXT overrides the context in use, and DOCKER_HOST
// overrides both, as in the CLI (checked with docker 20.10: `DOCKER_HOST=a DOCKER_CONTEXT=b docker version`
// tries a).
func TestDockerContext(t *testing.T) {
	d := dockertest.Shared(t)
	apps := sourcetest.BuildDaemonApps(t, d)
	ctx := context.Background()
	want, err := OpenString(ctx, apps.V2Archive)
	if err != nil {
		t.Fatal(err)
	}
	wantCfg, err := want.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dead := "unix://" + filepath.Join(t.TempDir(), "nobody.sock")
	dockerCLI(t, dir, "context", "create", "test-daemon", "--docker", "host="+d.Host())
	dockerCLI(t, dir, "context", "create", "dead", "--docker", "host="+dead)
	withoutDockerHost(t, dir)

	open := func(t *testing.T) error {
		t.Helper()
		img, err := OpenString(ctx, "docker-daemon:"+apps.V2)
		if err != nil {
			return err
		}
		got, err := img.ConfigName()
		if err != nil {
			t.Fatal(err)
		}
		if got != wantCfg {
			t.Errorf("config %s through the context, %s in the saved archive", got, wantCfg)
		}
		return nil
	}
	t.Run("docker context use", func(t *testing.T) {
		dockerCLI(t, dir, "context", "use", "test-daemon")
		if err := open(t); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("DOCKER_CONTEXT over the one in use", func(t *testing.T) {
		dockerCLI(t, dir, "context", "use", "dead")
		t.Setenv("DOCKER_CONTEXT", "test-daemon")
		if err := open(t); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the context in use, a dead socket", func(t *testing.T) {
		dockerCLI(t, dir, "context", "use", "dead")
		err := open(t)
		if err == nil || !strings.Contains(err.Error(), "nobody.sock") {
			t.Fatalf("got %v, want the error to name the context's socket", err)
		}
	})
	t.Run("DOCKER_HOST over the context in use", func(t *testing.T) {
		dockerCLI(t, dir, "context", "use", "dead")
		t.Setenv("DOCKER_HOST", d.Host())
		if err := open(t); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("DOCKER_HOST over DOCKER_CONTEXT", func(t *testing.T) {
		t.Setenv("DOCKER_CONTEXT", "dead")
		t.Setenv("DOCKER_HOST", d.Host())
		if err := open(t); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a DOCKER_CONTEXT that does not exist", func(t *testing.T) {
		t.Setenv("DOCKER_CONTEXT", "missing")
		err := open(t)
		if err == nil || !strings.Contains(err.Error(), `"missing"`) || !strings.Contains(err.Error(), "DOCKER_CONTEXT") {
			t.Fatalf("got %v, want an error naming the context and DOCKER_CONTEXT", err)
		}
	})
}

// TestDockerContextFiles checks the reading of the CLI's files without a daemon: what names no context, and
// files that are not what the CLI writes.
func TestDockerContextFiles(t *testing.T) {
	dir := t.TempDir()
	withoutDockerHost(t, dir)
	if ep, err := resolveDockerContext(); ep != nil || err != nil {
		t.Errorf("no config.json: got %+v, %v; want the default daemon", ep, err)
	}
	cfg := filepath.Join(dir, "config.json")
	for _, text := range []string{`{}`, `{"currentContext": "default"}`, `{"auths": {}}`} {
		if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if ep, err := resolveDockerContext(); ep != nil || err != nil {
			t.Errorf("config %s: got %+v, %v; want the default daemon", text, ep, err)
		}
	}
	if err := os.WriteFile(cfg, []byte(`{"currentContext": `), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := resolveDockerContext(); err == nil || !strings.Contains(err.Error(), cfg) {
		t.Errorf("a truncated config.json: got %v, want an error naming it", err)
	}
	if err := os.WriteFile(cfg, []byte(`{"currentContext": "broken"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := resolveDockerContext(); err == nil || !strings.Contains(err.Error(), cfg) || !strings.Contains(err.Error(), "broken") {
		t.Errorf("a context that does not exist: got %v, want an error naming it and the config file", err)
	}
	for _, tc := range []struct{ name, meta, want string }{
		{"no docker endpoint", `{"Name":"broken","Endpoints":{}}`, "no docker endpoint"},
		{"not JSON", `Name: broken`, "invalid character"},
		{"too large", `{"Name":"broken","Metadata":"` + strings.Repeat("x", maxContextFile) + `"}`, "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := contextMetaPath(dir, "broken")
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(tc.meta), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := resolveDockerContext()
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "meta.json") {
				t.Errorf("got %v, want an error naming meta.json and saying %q", err, tc.want)
			}
		})
	}
}

// FuzzParseContextMeta: any meta.json gives an endpoint with a host or an error, never a panic.
func FuzzParseContextMeta(f *testing.F) {
	f.Add([]byte(`{"Name":"x","Metadata":{},"Endpoints":{"docker":{"Host":"unix:///run/user/1000/docker.sock","SkipTLSVerify":false}}}`))
	f.Add([]byte(`{"Endpoints":{"docker":{}}}`))
	f.Add([]byte(`{"Endpoints":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ep, err := parseContextMeta(data)
		if err == nil && (ep == nil || ep.host == "") {
			t.Fatalf("no error and no host: %+v", ep)
		}
	})
}
