package main

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/internal/buildahtest"
	"github.com/layerlint/layerlint/internal/dockertest"
	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/source/sourcetest"
)

// TestDaemonCommandsMatchSave runs every subcommand on images BuildKit (and the legacy builder) built in a
// real Docker daemon, read through docker-daemon:, and on their `docker save` archives: the outputs are the
// same but for the image names.
func TestDaemonCommandsMatchSave(t *testing.T) {
	d := dockertest.Shared(t)
	apps := sourcetest.BuildDaemonApps(t, d)
	t.Setenv("DOCKER_HOST", d.Host())
	daemon := func(name string) string { return "docker-daemon:" + name }

	t.Run("diff", func(t *testing.T) {
		fromDaemon := diffJSON(t, daemon(apps.V1), daemon(apps.V2))
		fromSave := diffJSON(t, apps.V1Archive, apps.V2Archive)
		if !reflect.DeepEqual(fromDaemon, fromSave) {
			t.Errorf("layerdiff docker-daemon: differs from layerdiff of the saved archives:\n%+v\n%+v", fromDaemon.Summary, fromSave.Summary)
		}
		if len(fromDaemon.Files) == 0 {
			t.Error("app-v1 and app-v2 show no changed files")
		}
		// --content reads the layers holding changed text files again: from the daemon, a new `docker save`
		// that keeps only those layers.
		contentDaemon := diffJSON(t, "--content", daemon(apps.V1), daemon(apps.V2))
		contentSave := diffJSON(t, "--content", apps.V1Archive, apps.V2Archive)
		if !reflect.DeepEqual(contentDaemon, contentSave) {
			t.Error("layerdiff --content from the daemon differs from the saved archives'")
		}
		diffs := 0
		for _, f := range contentDaemon.Files {
			if f.Diff != "" {
				diffs++
			}
		}
		if diffs == 0 {
			t.Error("--content shows no file diffs")
		}
		// The same image from the daemon and from its archive: identical, exit 0.
		if code, _, errOut := layerdiffCmd(t, daemon(apps.V2), apps.V2Archive); code != exitSame {
			t.Errorf("daemon image vs its own archive: exit %d: %s", code, errOut)
		}
	})

	t.Run("history", func(t *testing.T) {
		for _, tc := range []struct{ name, archive, dockerfile string }{
			{apps.V2, apps.V2Archive, filepath.Join(sourcetest.ImagesDir(), "app-v2", "Dockerfile")},
			{apps.Legacy, apps.LegacyArchive, sourcetest.LegacyDockerfile(t)},
		} {
			got := commandJSON(t, "history", "--format", "json", "--dockerfile", tc.dockerfile, daemon(tc.name))
			want := commandJSON(t, "history", "--format", "json", "--dockerfile", tc.dockerfile, tc.archive)
			delete(got, "image")
			delete(want, "image")
			if !reflect.DeepEqual(got, want) {
				t.Errorf("history of %s from the daemon differs from its archive's", tc.name)
			}
		}
	})

	t.Run("cache", func(t *testing.T) {
		ctx := filepath.Join(t.TempDir(), "app-v2")
		buildahtest.CopyTree(t, filepath.Join(sourcetest.ImagesDir(), "app-v2"), ctx)
		got := commandJSON(t, "cache", "--format", "json", "--context", ctx, daemon(apps.V2))
		want := commandJSON(t, "cache", "--format", "json", "--context", ctx, apps.V2Archive)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("cache prediction from the daemon image differs from its archive's:\n%v\n%v", got, want)
		}
	})
}

func diffJSON(t *testing.T, args ...string) layerdiff.Report {
	t.Helper()
	code, out, errOut := layerdiffCmd(t, append([]string{"--format", "json"}, args...)...)
	if code != exitDifferent {
		t.Fatalf("layerdiff %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	var rep layerdiff.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	rep.A.Name, rep.B.Name = "", ""
	return rep
}

func commandJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	code, out, errOut := layerdiffCmd(t, args...)
	if code != exitSame {
		t.Fatalf("layerdiff %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return v
}
