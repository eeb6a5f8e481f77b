package source

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/moby/client"
)

// LocalImage is an image found in a local store by ListLocalImages: what tells it apart and what its
// Dockerfile lines can be matched against, read from inspect, the history API and configs only, never from
// layer bytes.
type LocalImage struct {
	// Ref opens the image: docker-daemon:NAME:TAG (docker-daemon:sha256:ID when untagged), or
	// containers-storage:[driver@root]NAME (or ID).
	Ref string
	// Transport is DockerDaemon or ContainersStorage.
	Transport string
	// ID is the store's image ID (sha256:...).
	ID string
	// Names are the image's tags ("localhost/app:v1"), none when it is untagged.
	Names []string
	// Created is when the image was made.
	Created time.Time
	// History is the image's build history, oldest first (created_by, comment, created).
	History []v1.History
	// EmptyLayerKnown is false when History comes from the Docker daemon's history API, which says nothing of
	// empty_layer (its sizes of 0 B cannot tell an empty layer from a layer of no file content); it is true
	// for a containers-storage config and for a daemon image whose config a previous read cached.
	EmptyLayerKnown bool
}

// LocalStores says which stores ListLocalImages and WatchLocalImages look in.
type LocalStores struct {
	// NoDaemon leaves out the Docker daemon of DOCKER_HOST (or the default socket).
	NoDaemon bool
	// NoStorage leaves out containers-storage.
	NoStorage bool
	// StorageRoot and StorageDriver name a containers-storage store; "" is the default store (see
	// readStorageConf), looked in only when it exists.
	StorageRoot, StorageDriver string
	// CacheDir is the listing-cache directory (see WithCacheDir): a daemon image read before has its config
	// there, and so its true history.
	CacheDir string
	// Limit keeps the newest Limit images of each store; 0 keeps all.
	Limit int
}

// ListLocalImages lists the images of the local Docker daemon and containers-storage store, newest first.
// A daemon that does not answer and a default store that does not exist are skipped without error; a store
// that answers wrongly gives an error, returned with the images of the other store.
func ListLocalImages(ctx context.Context, stores LocalStores) ([]LocalImage, error) {
	var all []LocalImage
	var errs []string
	if !stores.NoDaemon {
		imgs, err := listDaemonImages(ctx, stores)
		if err != nil {
			errs = append(errs, err.Error())
		}
		all = append(all, imgs...)
	}
	if !stores.NoStorage {
		imgs, err := listStorageImages(stores)
		if err != nil {
			errs = append(errs, err.Error())
		}
		all = append(all, imgs...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Created.After(all[j].Created) })
	if len(errs) > 0 {
		return all, fmt.Errorf("listing local images: %s", strings.Join(errs, "; "))
	}
	return all, nil
}

func listDaemonImages(ctx context.Context, stores LocalStores) ([]LocalImage, error) {
	var out []LocalImage
	err := withDockerClient(func(cli *client.Client) error {
		res, err := cli.ImageList(ctx, client.ImageListOptions{})
		if client.IsErrConnectionFailed(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("the Docker daemon at %s: %w", cli.DaemonHost(), err)
		}
		items := res.Items
		sort.SliceStable(items, func(i, j int) bool { return items[i].Created > items[j].Created })
		if stores.Limit > 0 && len(items) > stores.Limit {
			items = items[:stores.Limit]
		}
		for _, it := range items {
			img := LocalImage{Transport: DockerDaemon, ID: it.ID, Created: time.Unix(it.Created, 0).UTC()}
			for _, tag := range it.RepoTags {
				if tag != "<none>:<none>" {
					img.Names = append(img.Names, tag)
				}
			}
			img.Ref = DockerDaemon + ":" + it.ID
			if len(img.Names) > 0 {
				img.Ref = DockerDaemon + ":" + img.Names[0]
			}
			if id, err := v1.NewHash(it.ID); err == nil {
				if m, ok := getDaemonMeta(stores.CacheDir, id); ok {
					if cfg, err := v1.ParseConfigFile(bytes.NewReader(m.Config)); err == nil {
						img.History, img.EmptyLayerKnown = cfg.History, true
					}
				}
			}
			if !img.EmptyLayerKnown {
				h, err := cli.ImageHistory(ctx, it.ID)
				if err != nil {
					return fmt.Errorf("the Docker daemon at %s: history of %s: %w", cli.DaemonHost(), it.ID, err)
				}
				// The API lists the newest step first.
				for k := len(h.Items) - 1; k >= 0; k-- {
					e := h.Items[k]
					img.History = append(img.History, v1.History{CreatedBy: e.CreatedBy, Comment: e.Comment,
						Created: v1.Time{Time: time.Unix(e.Created, 0).UTC()}})
				}
			}
			out = append(out, img)
		}
		return nil
	})
	return out, err
}

func listStorageImages(stores LocalStores) ([]LocalImage, error) {
	ref := Reference{Transport: ContainersStorage, Path: stores.StorageRoot, Driver: stores.StorageDriver}
	if ref.Path == "" {
		ref.Path = readStorageConf().root
		if _, err := os.Stat(ref.Path); err != nil {
			return nil, nil // no default store here
		}
	}
	s, err := openStore(ref)
	if err != nil {
		return nil, err
	}
	recs, err := s.images()
	if err != nil {
		return nil, err
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Created.After(recs[j].Created) })
	if stores.Limit > 0 && len(recs) > stores.Limit {
		recs = recs[:stores.Limit]
	}
	var out []LocalImage
	for _, rec := range recs {
		img := LocalImage{Transport: ContainersStorage, ID: "sha256:" + rec.ID, Names: rec.Names, Created: rec.Created, EmptyLayerKnown: true}
		name := rec.ID
		if len(rec.Names) > 0 {
			name = rec.Names[0]
		}
		img.Ref = storageString(Reference{Transport: ContainersStorage, Path: s.root, Driver: s.driver, Name: name})
		config, err := s.bigData(rec.ID, storageConfigKey(s, rec.ID))
		if err != nil {
			continue // an image being written or removed: skip it
		}
		cfg, err := v1.ParseConfigFile(bytes.NewReader(config))
		if err != nil {
			continue
		}
		img.History = cfg.History
		out = append(out, img)
	}
	return out, nil
}

// storageConfigKey is the big-data key of an image's config: its manifest's config digest, else sha256:ID.
func storageConfigKey(s *store, id string) string {
	if raw, err := s.bigData(id, "manifest"); err == nil {
		if m, err := v1.ParseManifest(bytes.NewReader(raw)); err == nil && m.Config.Digest.Hex != "" {
			return m.Config.Digest.String()
		}
	}
	return "sha256:" + id
}

// WatchLocalImages reports on the returned channel (without blocking: one pending report at most) whenever
// the images ListLocalImages would list may have changed: at once on the Docker daemon's image events (a
// build ends in a tag; load, pull, tag, untag, delete), and, every interval, when the daemon's image list or
// the containers-storage images.json changed. Changes after the call returns are reported; it stops when ctx
// ends.
func WatchLocalImages(ctx context.Context, stores LocalStores, interval time.Duration) <-chan struct{} {
	ch := make(chan struct{}, 1)
	notify := func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	poke := make(chan struct{}, 1)
	if !stores.NoDaemon {
		go watchDaemonEvents(ctx, interval, poke)
	}
	last := localFingerprint(ctx, stores) // before returning: a change right after the call is seen
	go func() {
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			case <-poke:
			}
			if now := localFingerprint(ctx, stores); now != last {
				last = now
				notify()
			}
		}
	}()
	return ch
}

// watchDaemonEvents pokes on every image event of the daemon, reconnecting after interval when the daemon
// goes away.
func watchDaemonEvents(ctx context.Context, interval time.Duration, poke chan<- struct{}) {
	for ctx.Err() == nil {
		_ = withDockerClient(func(cli *client.Client) error {
			res := cli.Events(ctx, client.EventsListOptions{Filters: make(client.Filters).Add("type", "image")})
			for {
				select {
				case <-ctx.Done():
					return nil
				case <-res.Err:
					return nil
				case <-res.Messages:
					select {
					case poke <- struct{}{}:
					default:
					}
				}
			}
		})
		select {
		case <-ctx.Done():
		case <-time.After(interval):
		}
	}
}

// localFingerprint sums up the stores cheaply: the daemon's image IDs and tags, and images.json's size and
// modification time.
func localFingerprint(ctx context.Context, stores LocalStores) string {
	var b strings.Builder
	if !stores.NoDaemon {
		_ = withDockerClient(func(cli *client.Client) error {
			res, err := cli.ImageList(ctx, client.ImageListOptions{})
			if err != nil {
				b.WriteString("daemon: " + err.Error())
				return nil
			}
			for _, it := range res.Items {
				fmt.Fprintf(&b, "%s %v\n", it.ID, it.RepoTags)
			}
			return nil
		})
	}
	if !stores.NoStorage {
		root := stores.StorageRoot
		if root == "" {
			root = readStorageConf().root
		}
		matches, _ := filepath.Glob(filepath.Join(root, "*-images", "images.json"))
		for _, m := range matches {
			if fi, err := os.Stat(m); err == nil {
				fmt.Fprintf(&b, "%s %d %d\n", m, fi.Size(), fi.ModTime().UnixNano())
			}
		}
	}
	return b.String()
}
