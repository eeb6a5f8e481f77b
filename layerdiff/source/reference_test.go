package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseReference(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "app.tar")
	layoutDir := filepath.Join(dir, "layout")
	plainDir := filepath.Join(dir, "plain")
	colonFile := filepath.Join(dir, "a:b.tar")
	for _, p := range []string{file, colonFile} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{layoutDir, plainDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(layoutDir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		in      string
		want    Reference
		wantErr string // substring of the error; "" means no error
	}{
		{in: "docker-archive:app.tar", want: Reference{Transport: DockerArchive, Path: "app.tar"}},
		{in: "docker-archive:/x/app.tar:v1", want: Reference{Transport: DockerArchive, Path: "/x/app.tar", Tag: "v1"}},
		{in: "docker-archive:app.tar:layerlint/app:v1", want: Reference{Transport: DockerArchive, Path: "app.tar", Tag: "layerlint/app:v1"}},
		{in: "docker-archive:app.tar:localhost:5000/app:v1", want: Reference{Transport: DockerArchive, Path: "app.tar", Tag: "localhost:5000/app:v1"}},
		{in: "oci:dir", want: Reference{Transport: OCI, Path: "dir"}},
		{in: "oci:./dir:v2", want: Reference{Transport: OCI, Path: "./dir", Tag: "v2"}},
		{in: "oci-archive:img.tar:latest", want: Reference{Transport: OCIArchive, Path: "img.tar", Tag: "latest"}},
		{in: "docker-daemon:app:v1", want: Reference{Transport: DockerDaemon, Name: "app:v1"}},
		{in: "docker-daemon:localhost:5000/app:v1", want: Reference{Transport: DockerDaemon, Name: "localhost:5000/app:v1"}},
		{in: "docker-daemon:app@sha256:" + strings.Repeat("a", 64), want: Reference{Transport: DockerDaemon, Name: "app@sha256:" + strings.Repeat("a", 64)}},
		{in: "docker://localhost:5000/app:v1", want: Reference{Transport: Registry, Name: "localhost:5000/app:v1"}},
		{in: "docker://debian", want: Reference{Transport: Registry, Name: "debian"}},
		{in: "localhost:5000/app:v1", want: Reference{Transport: Registry, Name: "localhost:5000/app:v1"}},
		{in: "127.0.0.1:5000/app@sha256:" + strings.Repeat("0", 64), want: Reference{Transport: Registry, Name: "127.0.0.1:5000/app@sha256:" + strings.Repeat("0", 64)}},
		{in: "debian:bookworm", want: Reference{Transport: Registry, Name: "debian:bookworm"}},
		{in: "ghcr.io/org/app", want: Reference{Transport: Registry, Name: "ghcr.io/org/app"}},
		{in: file, want: Reference{Transport: DockerArchive, Path: file, detect: true}},
		{in: "containers-storage:app", want: Reference{Transport: ContainersStorage, Name: "app"}},
		{in: "containers-storage:localhost/app:v1", want: Reference{Transport: ContainersStorage, Name: "localhost/app:v1"}},
		{in: "containers-storage:[/var/lib/s]app:v1", want: Reference{Transport: ContainersStorage, Path: "/var/lib/s", Name: "app:v1"}},
		{in: "containers-storage:[vfs@/s/root+/s/run]app:v1", want: Reference{Transport: ContainersStorage, Driver: "vfs", Path: "/s/root", RunRoot: "/s/run", Name: "app:v1"}},
		{in: "containers-storage:[overlay@/s]" + strings.Repeat("ab", 32), want: Reference{Transport: ContainersStorage, Driver: "overlay", Path: "/s", Name: strings.Repeat("ab", 32)}},
		{in: "containers-storage:app@" + strings.Repeat("ab", 32), want: Reference{Transport: ContainersStorage, Name: "app@" + strings.Repeat("ab", 32)}},
		{in: "containers-storage:f78f74301cb0", want: Reference{Transport: ContainersStorage, Name: "f78f74301cb0"}},
		{in: "containers-storage:app@sha256:" + strings.Repeat("0", 64), want: Reference{Transport: ContainersStorage, Name: "app@sha256:" + strings.Repeat("0", 64)}},
		{in: layoutDir, want: Reference{Transport: OCI, Path: layoutDir}},

		{in: "", wantErr: "empty reference"},
		{in: " app.tar", wantErr: "white space"},
		{in: "docker-archive:", wantErr: "missing path"},
		{in: "docker-archive::v1", wantErr: "missing path"},
		{in: "oci:dir:", wantErr: "empty tag"},
		{in: "docker-daemon:", wantErr: "missing image name"},
		{in: "docker-daemon:app", wantErr: "no tag or digest"},
		{in: "docker-daemon:localhost:5000/app", wantErr: "no tag or digest"},
		{in: "docker:debian", wantErr: "docker://HOST/REPO:TAG"},
		{in: "docker://", wantErr: "missing image name"},
		{in: "docker://UPPER/Case", wantErr: "could not parse reference"},
		{in: "docker:///abs/path", wantErr: "not a path"},
		{in: "containers-storage:", wantErr: "missing image name"},
		{in: "containers-storage:[/s]", wantErr: "missing image name"},
		{in: "containers-storage:[/s", wantErr: "missing ]"},
		{in: "containers-storage:[rel/root]app", wantErr: "must be an absolute path"},
		{in: "containers-storage:[vfs@/s+run]app", wantErr: "run root \"run\" must be an absolute path"},
		{in: "containers-storage:[@/s]app", wantErr: "bad driver"},
		{in: "containers-storage:[overlay@/s:mountopt=nodev]app", wantErr: "driver options"},
		{in: "containers-storage:App:V1", wantErr: `"App:V1" is not an image name or ID`},
		{in: "containers-storage:a b", wantErr: "white space"},
		{in: "dir:/tmp/x", wantErr: `transport "dir" is not supported`},
		{in: "./missing.tar", wantErr: "no such file or directory ./missing.tar"},
		{in: "/no/such/image.tar", wantErr: "no such file or directory"},
		{in: plainDir, wantErr: "is not an OCI image layout"},
		{in: colonFile, wantErr: "contains ':'"},
		{in: "Bad Name", wantErr: "not a file, OCI layout or registry reference"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseReference(tt.in)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseReference(%q) = %+v, want error containing %q", tt.in, got, tt.wantErr)
				}
				msg := err.Error()
				if !strings.Contains(msg, tt.wantErr) || !strings.HasPrefix(msg, "parsing image reference "+quote(tt.in)) {
					t.Fatalf("ParseReference(%q) error = %q, want it to name the input and contain %q", tt.in, msg, tt.wantErr)
				}
				if strings.Contains(msg, "\n") {
					t.Errorf("error spans several lines: %q", msg)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseReference(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseReference(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			again, err := ParseReference(got.String())
			if err != nil || again != got {
				t.Fatalf("ParseReference(%q) = %+v, %v; want %+v (round trip of %q)", got.String(), again, err, got, tt.in)
			}
		})
	}
}

// TestParseReferenceDirectoryNamedLikeImage checks that a directory in the
// working directory does not shadow a registry name such as "alpine".
func TestParseReferenceDirectoryNamedLikeImage(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.Mkdir("alpine", 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := ParseReference("alpine")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Reference{Transport: Registry, Name: "alpine"}); got != want {
		t.Errorf("ParseReference(alpine) = %+v, want %+v", got, want)
	}
}

func quote(s string) string { return `"` + s + `"` }

func FuzzParseReference(f *testing.F) {
	for _, s := range []string{
		"docker-archive:app.tar", "docker-archive:app.tar:layerlint/app:v1", "oci:dir:v1",
		"oci-archive:x.tar", "docker-daemon:app:v1", "docker://localhost:5000/app:v1",
		"debian:bookworm", "localhost:5000/app@sha256:" + strings.Repeat("a", 64), "dir:x", "docker:x",
		"oci::", "a:b:c:d", "testdata", "containers-storage:[vfs@/r+/rr]app:v1", "containers-storage:[/r]abc123",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := ParseReference(s)
		if err != nil {
			if !strings.Contains(err.Error(), "parsing image reference") {
				t.Fatalf("error without context: %v", err)
			}
			return
		}
		again, err := ParseReference(ref.String())
		if err != nil {
			t.Fatalf("ParseReference(%q) = %+v, but its String() %q does not parse: %v", s, ref, ref.String(), err)
		}
		if again != ref {
			t.Fatalf("ParseReference(%q) = %+v, but ParseReference(%q) = %+v", s, ref, ref.String(), again)
		}
	})
}

// TestParseReferenceUserinfo checks that credentials pasted into a reference are refused, and that the error
// does not repeat them.
func TestParseReferenceUserinfo(t *testing.T) {
	for _, in := range []string{
		"docker://alice:s3cret@127.0.0.1:5124/app:v1",
		"alice:s3cret@127.0.0.1:5124/app:v1",
		"docker://alice@127.0.0.1:5124/app:v1",
		"https://alice:s3cret@ghcr.io/org/app:v1",
	} {
		_, err := ParseReference(in)
		if err == nil {
			t.Errorf("ParseReference(%q): no error", in)
			continue
		}
		if !strings.Contains(err.Error(), "credentials do not belong in an image reference") {
			t.Errorf("ParseReference(%q) = %v, want the credentials refused", in, err)
		}
		if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "alice") {
			t.Errorf("ParseReference(%q) error repeats the credentials: %v", in, err)
		}
	}
	for _, in := range []string{"docker://127.0.0.1:5000/app:v1@sha256:" + strings.Repeat("a", 64), "docker-archive:me@home.tar"} {
		if _, err := ParseReference(in); err != nil && strings.Contains(err.Error(), "credentials") {
			t.Errorf("ParseReference(%q) = %v: not credentials", in, err)
		}
	}
}
