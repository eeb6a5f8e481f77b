package source

import (
	"context"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/layerlint/layerlint/layerdiff/source/registrytest"
)

type platformImage struct {
	platform v1.Platform
	img      v1.Image
}

func multiPlatform(t *testing.T) (v1.ImageIndex, []platformImage) {
	t.Helper()
	imgs := []platformImage{
		{v1.Platform{OS: "linux", Architecture: "amd64"}, randomImage(t, 10)},
		{v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, randomImage(t, 11)},
		{v1.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, randomImage(t, 12)},
	}
	var adds []mutate.IndexAddendum
	for _, pi := range imgs {
		p := pi.platform
		adds = append(adds, mutate.IndexAddendum{Add: pi.img, Descriptor: v1.Descriptor{Platform: &p}})
	}
	return mutate.AppendManifests(empty.Index, adds...), imgs
}

// TestPlatformSelection opens multi-platform images from a flat layout (the
// platforms listed in index.json itself), a tagged nested index in a layout,
// the same in an oci-archive, and a real registry.
func TestPlatformSelection(t *testing.T) {
	ctx := context.Background()
	idx, imgs := multiPlatform(t)
	single := randomImage(t, 13)
	dir := t.TempDir()

	flat := filepath.Join(dir, "flat")
	if _, err := layout.Write(flat, idx); err != nil {
		t.Fatal(err)
	}
	nested := filepath.Join(dir, "nested")
	lp, err := layout.Write(nested, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendIndex(idx, layout.WithAnnotations(map[string]string{refNameAnnotation: "multi"})); err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(single, layout.WithAnnotations(map[string]string{refNameAnnotation: "example.com/app:single"})); err != nil {
		t.Fatal(err)
	}
	ociTar := filepath.Join(dir, "nested.tar")
	tarDir(t, nested, ociTar)
	host := registrytest.Start(t)
	pushed, err := name.ParseReference(host + "/multi:v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(pushed, idx); err != nil {
		t.Fatal(err)
	}

	refs := []string{
		"oci:" + flat,
		"oci:" + nested + ":multi",
		"oci-archive:" + ociTar + ":multi",
		host + "/multi:v1",
	}
	for _, ref := range refs {
		for _, want := range imgs {
			t.Run(ref+"/"+want.platform.String(), func(t *testing.T) {
				img, err := OpenString(ctx, ref, WithPlatform(want.platform))
				if err != nil {
					t.Fatal(err)
				}
				if got, w := summarize(t, img), summarize(t, want.img); !reflect.DeepEqual(got, w) {
					t.Errorf("got config %s, want the %s image's %s", got.configName, want.platform, w.configName)
				}
			})
		}
		t.Run(ref+"/variant-wildcard", func(t *testing.T) {
			img, err := OpenString(ctx, ref, WithPlatform(v1.Platform{OS: "linux", Architecture: "arm"}))
			if err != nil {
				t.Fatal(err)
			}
			if got, w := summarize(t, img), summarize(t, imgs[2].img); !reflect.DeepEqual(got, w) {
				t.Errorf("linux/arm opened config %s, want linux/arm/v7's %s", got.configName, w.configName)
			}
		})
		t.Run(ref+"/default", func(t *testing.T) {
			img, err := OpenString(ctx, ref)
			var want *platformImage
			for i := range imgs {
				if imgs[i].platform.Architecture == runtime.GOARCH {
					want = &imgs[i]
				}
			}
			if want == nil {
				if err == nil {
					t.Fatalf("opened an image although none is for linux/%s", runtime.GOARCH)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, w := summarize(t, img), summarize(t, want.img); !reflect.DeepEqual(got, w) {
				t.Errorf("default platform opened config %s, want linux/%s's %s", got.configName, runtime.GOARCH, w.configName)
			}
		})
		t.Run(ref+"/no-match", func(t *testing.T) {
			_, err := OpenString(ctx, ref, WithPlatform(v1.Platform{OS: "linux", Architecture: "s390x"}))
			if err == nil {
				t.Fatal("opened an image for linux/s390x, which the index does not have")
			}
			want := "no image for platform linux/s390x (available: linux/amd64, linux/arm/v7, linux/arm64/v8)"
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
		})
	}

	t.Run("tagged single image ignores platform", func(t *testing.T) {
		for _, ref := range []string{"oci:" + nested + ":example.com/app:single", "oci:" + nested + ":single", "oci-archive:" + ociTar + ":single"} {
			img, err := OpenString(ctx, ref, WithPlatform(v1.Platform{OS: "linux", Architecture: "s390x"}))
			if err != nil {
				t.Fatalf("%s: %v", ref, err)
			}
			if got, w := summarize(t, img), summarize(t, single); !reflect.DeepEqual(got, w) {
				t.Errorf("%s opened config %s, want %s", ref, got.configName, w.configName)
			}
		}
	})
	t.Run("untagged choice lists tags", func(t *testing.T) {
		for _, ref := range []string{"oci:" + nested, "oci-archive:" + ociTar} {
			_, err := OpenString(ctx, ref)
			want := "holds 2 images; choose one with a tag (tags: example.com/app:single, multi)"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %v, want one containing %q", ref, err, want)
			}
		}
	})
}
