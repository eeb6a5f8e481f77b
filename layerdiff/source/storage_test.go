package source

import (
	"context"
	"reflect"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/source/sourcetest"
)

// TestStorageMatchesArchive reads images buildah built into its own store, with the vfs and the overlay
// driver, straight from the store (each layer's tar rebuilt from its tar-split and its directory) and from
// the docker-archive `buildah push` wrote of the same image: the same config byte for byte, the same layers,
// each layer's rebuilt bytes hashing to its DiffID (ReadImage verifies it), and the same listings.
func TestStorageMatchesArchive(t *testing.T) {
	for _, driver := range []string{"vfs", "overlay"} {
		t.Run(driver, func(t *testing.T) {
			app := sourcetest.BuildStorageApp(t, driver, "app-v2")
			ctx := context.Background()
			stored := mustOpen(t, app.Ref)
			archived := mustOpen(t, app.Archive)
			if got, want := summarize(t, stored), summarize(t, archived); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: config %s layers %v, the archive has %s %v", app.Ref, got.configName, got.diffIDs, want.configName, want.diffIDs)
			}
			got, err := layerdiff.NewReader().ReadImage(ctx, app.Ref, stored)
			if err != nil {
				t.Fatal(err)
			}
			want, err := layerdiff.NewReader().ReadImage(ctx, app.Archive, archived)
			if err != nil {
				t.Fatal(err)
			}
			for i := range want.Layers {
				if !reflect.DeepEqual(got.Layers[i], want.Layers[i]) {
					t.Errorf("%s: layer %d: listing differs from the archive's", app.Ref, i+1)
				}
			}
			checkContentsMatchDiffIDs(t, stored)

			// Short names, IDs and the store spelled in the reference all find the same image.
			root, runroot, id := app.Root, app.RunRoot, app.ID
			for _, ref := range []string{
				"containers-storage:[" + root + "]layerlint-test/app:v2",
				"containers-storage:[" + driver + "@" + root + "]" + app.Tag,
				"containers-storage:[" + driver + "@" + root + "+" + runroot + "]" + id,
				"containers-storage:[" + driver + "@" + root + "]" + id[:12],
				"containers-storage:[" + driver + "@" + root + "]" + app.Tag + "@" + id,
			} {
				if got, want := summarize(t, mustOpen(t, ref)), summarize(t, archived); !reflect.DeepEqual(got, want) {
					t.Errorf("%s opened config %s, want %s", ref, got.configName, want.configName)
				}
			}
		})
	}
}

// TestStorageErrors checks the one-line errors of the containers-storage source.
func TestStorageErrors(t *testing.T) {
	b := sourcetest.NewStorage(t, "vfs")
	root, _, _ := b.Store()
	empty := t.TempDir()
	for _, tc := range []struct{ ref, want string }{
		{"containers-storage:[" + root + "]layerlint/base:v3", "no image layerlint/base:v3 (images: docker.io/layerlint/base:latest, localhost/layerlint/base:latest)"},
		{"containers-storage:[" + root + "]base", "no image base"},
		{"containers-storage:[btrfs@" + root + "]layerlint/base:latest", "uses the btrfs driver; layers of vfs and overlay stores can be read"},
		{"containers-storage:[" + empty + "]app:v1", "no images in the containers-storage store at " + empty},
		{"containers-storage:[" + empty + "/nope]app:v1", "no containers-storage store at " + empty + "/nope"},
	} {
		ref, err := ParseReference(tc.ref)
		if err != nil {
			t.Fatal(err)
		}
		checkOpenError(t, ref, tc.want)
	}
}

func mustOpen(t *testing.T, ref string) v1.Image {
	t.Helper()
	img, err := OpenString(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
