package source

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerlint/layerlint/internal/dockertest"
	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/source/sourcetest"
)

// TestListLocalImages lists the images of a real Docker daemon and of buildah's store: newest first, with
// names, IDs, creation times and histories, each Ref opening the image it names. The daemon's history comes
// from its history API (no empty_layer facts: EmptyLayerKnown is false) until a read of the image cached its
// config; the store's from its configs.
func TestListLocalImages(t *testing.T) {
	d := dockertest.Shared(t)
	apps := sourcetest.BuildDaemonApps(t, d)
	t.Setenv("DOCKER_HOST", d.Host())
	b := sourcetest.NewStorage(t, "vfs")
	root, _, driver := b.Store()
	cacheDir := t.TempDir()
	stores := LocalStores{StorageRoot: root, StorageDriver: driver, CacheDir: cacheDir}
	ctx := context.Background()

	imgs, err := ListLocalImages(ctx, stores)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]LocalImage{}
	for i, img := range imgs {
		if i > 0 && img.Created.After(imgs[i-1].Created) {
			t.Errorf("%s (%v) listed after an older image", img.Ref, img.Created)
		}
		for _, n := range img.Names {
			byName[img.Transport+" "+n] = img
		}
	}
	daemonApp, ok := byName[DockerDaemon+" "+apps.V2]
	if !ok {
		t.Fatalf("the daemon's %s is not listed: %+v", apps.V2, imgs)
	}
	storageBase, ok := byName[ContainersStorage+" localhost/layerlint/base:latest"]
	if !ok {
		t.Fatalf("the store's base image is not listed: %+v", imgs)
	}
	for _, li := range []LocalImage{daemonApp, storageBase} {
		src, err := OpenString(ctx, li.Ref, WithCacheDir(cacheDir))
		if err != nil {
			t.Fatalf("%s: %v", li.Ref, err)
		}
		if _, err := layerdiff.NewReader(layerdiff.WithListingStore(layerdiff.NewListingStore(cacheDir))).ReadImage(ctx, li.Ref, src); err != nil {
			t.Fatal(err)
		}
		cfg, err := src.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if got, want := createdBy(li.History), createdBy(cfg.History); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: listed history %q, the config's %q", li.Ref, got, want)
		}
		if li.Transport == ContainersStorage && (!li.EmptyLayerKnown || !reflect.DeepEqual(li.History, cfg.History)) {
			t.Errorf("%s: the store's history is not the config's", li.Ref)
		}
		if li.Transport == DockerDaemon && li.EmptyLayerKnown {
			t.Errorf("%s: empty_layer facts claimed from the history API", li.Ref)
		}
		if name, _ := src.ConfigName(); li.Transport == ContainersStorage && "sha256:"+strings.TrimPrefix(li.ID, "sha256:") != name.String() {
			t.Errorf("%s: ID %s, config %s", li.Ref, li.ID, name)
		}
	}
	// The read cached the daemon image's config: now its listed history is the config's, empty_layer and all.
	imgs, err = ListLocalImages(ctx, LocalStores{NoStorage: true, CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range imgs {
		if img.ID == daemonApp.ID && !img.EmptyLayerKnown {
			t.Errorf("%s: history not taken from the cached config", img.Ref)
		}
	}
}

func createdBy(h []v1.History) []string {
	var out []string
	for _, e := range h {
		out = append(out, e.CreatedBy)
	}
	return out
}

// TestWatchLocalImages sees a new tag in the daemon (an event) and in buildah's store (a poll).
func TestWatchLocalImages(t *testing.T) {
	d := dockertest.Shared(t)
	apps := sourcetest.BuildDaemonApps(t, d)
	t.Setenv("DOCKER_HOST", d.Host())
	b := sourcetest.NewStorage(t, "vfs")
	root, _, _ := b.Store()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changed := WatchLocalImages(ctx, LocalStores{StorageRoot: root}, 200*time.Millisecond)
	wait := func(what string) {
		t.Helper()
		select {
		case <-changed:
		case <-time.After(10 * time.Second):
			t.Fatalf("no change reported after %s", what)
		}
	}
	select {
	case <-changed:
		t.Fatal("a change reported before any")
	case <-time.After(500 * time.Millisecond):
	}
	d.Run(t, "tag", apps.V1, "layerlint-test/watched:v1")
	wait("docker tag")
	b.Run("tag", "localhost/layerlint/base:latest", "localhost/layerlint/watched:v1")
	wait("buildah tag")
}
