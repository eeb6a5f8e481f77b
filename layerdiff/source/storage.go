package source

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// This file reads containers-storage, the store of podman, buildah and CRI-O, directly and read-only: the
// image list (<driver>-images/images.json), the layer list (<driver>-layers/layers.json), the image's config
// as a "big data" file beside the list, and each layer rebuilt from its tar-split and its directory. It does
// not link github.com/containers/storage: that library needs cgo for some drivers (btrfs, devicemapper) unless
// built with exclusion tags, brings dozens of packages, and opening a store with it takes its locks and may
// rewrite its files; reading a few JSON files and the tar-split format needs none of that.

// maxStorageJSON bounds images.json and layers.json (tens of thousands of images fit).
const maxStorageJSON = 256 << 20

// storageImageRecord is an image of images.json.
type storageImageRecord struct {
	ID       string    `json:"id"`
	Digest   string    `json:"digest,omitempty"`
	Digests  []string  `json:"digests,omitempty"`
	Names    []string  `json:"names,omitempty"`
	TopLayer string    `json:"layer,omitempty"`
	Created  time.Time `json:"created"`
}

// storageLayerRecord is a layer of layers.json.
type storageLayerRecord struct {
	ID                 string `json:"id"`
	Parent             string `json:"parent,omitempty"`
	UncompressedDigest string `json:"diff-digest,omitempty"`
	UncompressedSize   int64  `json:"diff-size,omitempty"`
}

// store is an opened containers-storage store.
type store struct {
	root, driver string
}

// openStore finds the store of ref: its root (the default store without one) and its graph driver.
func openStore(ref Reference) (*store, error) {
	root, driver := ref.Path, ref.Driver
	conf := readStorageConf()
	if root == "" {
		root = conf.root
	}
	if fi, err := os.Stat(root); err != nil {
		return nil, fmt.Errorf("no containers-storage store at %s: %w", root, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("containers-storage root %s is not a directory", root)
	}
	if driver == "" {
		var found []string
		matches, _ := filepath.Glob(filepath.Join(root, "*-images", "images.json"))
		for _, m := range matches {
			found = append(found, strings.TrimSuffix(filepath.Base(filepath.Dir(m)), "-images"))
		}
		switch {
		case len(found) == 1:
			driver = found[0]
		case len(found) > 1 && contains(found, conf.driver):
			driver = conf.driver
		case len(found) > 1:
			return nil, fmt.Errorf("the store at %s holds images of the drivers %s; choose one with %s:[DRIVER@%s]NAME",
				root, strings.Join(found, " and "), ContainersStorage, root)
		default:
			return nil, fmt.Errorf("no images in the containers-storage store at %s (no <driver>-images/images.json)", root)
		}
	}
	if driver == "overlay2" {
		driver = "overlay"
	}
	if driver != "vfs" && driver != "overlay" {
		return nil, fmt.Errorf("the store at %s uses the %s driver; layers of vfs and overlay stores can be read", root, driver)
	}
	return &store{root: root, driver: driver}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *store) readJSON(rel string, v any) error {
	p := filepath.Join(s.root, rel)
	b, err := readFileLimited(p, maxStorageJSON)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decoding %s: %w", p, err)
	}
	return nil
}

// images returns the store's images.
func (s *store) images() ([]storageImageRecord, error) {
	var imgs []storageImageRecord
	if err := s.readJSON(filepath.Join(s.driver+"-images", "images.json"), &imgs); err != nil {
		return nil, err
	}
	return imgs, nil
}

// bigData reads a file the store keeps beside an image under key (its config, its manifest).
func (s *store) bigData(id, key string) ([]byte, error) {
	return readFileLimited(filepath.Join(s.root, s.driver+"-images", id, bigDataFile(key)), maxSaveJSON)
}

// readFileLimited reads the file at path, refusing one of more than max bytes: the small metadata files
// of stores and the Docker CLI, which a damaged or hostile file must not make us hold whole. An error
// that the file does not exist wraps fs.ErrNotExist.
func readFileLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %d MiB, more than such a file has", path, max>>20)
	}
	return b, nil
}

// bigDataFile is containers-storage's file name for a big data key: the key itself when it is made of
// lower-case letters, digits and dots, else "=" and its base64.
func bigDataFile(key string) string {
	for _, c := range key {
		if c != '.' && (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return "=" + base64.StdEncoding.EncodeToString([]byte(key))
		}
	}
	return key
}

// openStorage opens an image of a containers-storage store.
func openStorage(ref Reference) (v1.Image, error) {
	s, err := openStore(ref)
	if err != nil {
		return nil, err
	}
	imgs, err := s.images()
	if err != nil {
		return nil, err
	}
	rec, err := findStorageImage(imgs, ref.Name)
	if err != nil {
		return nil, fmt.Errorf("the store at %s: %w", s.root, err)
	}
	where := fmt.Sprintf("image %s of the store at %s", shortID(rec.ID), s.root)
	configKey := "sha256:" + rec.ID
	if raw, err := s.bigData(rec.ID, "manifest"); err == nil {
		if m, err := v1.ParseManifest(strings.NewReader(string(raw))); err == nil && m.Config.Digest.Hex != "" {
			configKey = m.Config.Digest.String()
		}
	}
	config, err := s.bigData(rec.ID, configKey)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s has no config %s", where, configKey)
	}
	if err != nil {
		return nil, err
	}
	if want, err := v1.NewHash(configKey); err == nil && sha256Hash(config) != want {
		return nil, fmt.Errorf("%s: its config does not match its digest %s", where, configKey)
	}
	layers, err := s.layerChain(rec.TopLayer)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	img, err := newLocalImage(config, layers)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return img, nil
}

// layerChain returns the layers from the bottom up to top, each read through its tar-split.
func (s *store) layerChain(top string) ([]*localLayer, error) {
	if top == "" {
		return nil, nil
	}
	var recs []storageLayerRecord
	if err := s.readJSON(filepath.Join(s.driver+"-layers", "layers.json"), &recs); err != nil {
		return nil, err
	}
	byID := make(map[string]storageLayerRecord, len(recs))
	for _, r := range recs {
		byID[r.ID] = r
	}
	var chain []*localLayer
	for id := top; id != ""; {
		r, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("layer %s is not in %s-layers/layers.json", shortID(id), s.driver)
		}
		if len(chain) > len(recs) {
			return nil, fmt.Errorf("the layers of %s-layers/layers.json form a loop", s.driver)
		}
		diffID, err := v1.NewHash(r.UncompressedDigest)
		if err != nil {
			return nil, fmt.Errorf("layer %s has no uncompressed digest in layers.json", shortID(id))
		}
		split := filepath.Join(s.root, s.driver+"-layers", r.ID+".tar-split.gz")
		dir := s.layerDir(r.ID)
		chain = append(chain, &localLayer{diffID: diffID, size: r.UncompressedSize, open: func() (io.ReadCloser, error) {
			rc, err := openTarSplit(split, dir)
			if err != nil {
				return nil, fmt.Errorf("layer %s of the store at %s: %w", shortID(r.ID), s.root, err)
			}
			return rc, nil
		}})
		id = r.Parent
	}
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	return chain, nil
}

// layerDir is where the driver keeps the files of layer id: vfs a full copy of the filesystem up to it,
// overlay the layer's own changes.
func (s *store) layerDir(id string) string {
	if s.driver == "vfs" {
		return filepath.Join(s.root, "vfs", "dir", id)
	}
	return filepath.Join(s.root, "overlay", id, "diff")
}

// findStorageImage finds the image ref names: an ID or a prefix of one, NAME@ID, NAME@sha256:DIGEST, or a
// name matched as podman matches short names ("app:v1" finds localhost/app:v1 and docker.io/library/app:v1,
// as long as only one image answers).
func findStorageImage(imgs []storageImageRecord, ref string) (storageImageRecord, error) {
	if n, id, ok := strings.Cut(ref, "@"); ok && len(id) == 64 && storageID.MatchString(id) {
		for _, img := range imgs {
			if img.ID == id {
				return img, nil
			}
		}
		return storageImageRecord{}, fmt.Errorf("no image with ID %s (named %s)", id, n)
	}
	if storageID.MatchString(ref) {
		var found []storageImageRecord
		for _, img := range imgs {
			if strings.HasPrefix(img.ID, ref) {
				found = append(found, img)
			}
		}
		if len(found) == 1 {
			return found[0], nil
		}
		if len(found) > 1 {
			return storageImageRecord{}, fmt.Errorf("%d images have IDs starting with %s; give more of it", len(found), ref)
		}
	}
	if n, digest, ok := strings.Cut(ref, "@"); ok {
		for _, img := range imgs {
			if (img.Digest == digest || contains(img.Digests, digest)) && hasRepo(img.Names, n) {
				return img, nil
			}
		}
		return storageImageRecord{}, fmt.Errorf("no image %s", ref)
	}
	want := ref
	if last := want[strings.LastIndex(want, "/")+1:]; !strings.Contains(last, ":") {
		want += ":latest"
	}
	cands := []string{want, "localhost/" + want, "docker.io/" + want}
	if !strings.Contains(want, "/") {
		cands = append(cands, "docker.io/library/"+want)
	}
	var found []storageImageRecord
	for _, img := range imgs {
		for _, n := range img.Names {
			if contains(cands, n) {
				found = append(found, img)
				break
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return storageImageRecord{}, fmt.Errorf("no image %s (images: %s)", ref, storageNames(imgs))
	}
	var names []string
	for _, img := range found {
		names = append(names, img.Names...)
	}
	return storageImageRecord{}, fmt.Errorf("%s matches several images (%s); name one in full", ref, strings.Join(names, ", "))
}

// hasRepo tells whether one of names is repository repo, tagged or not, short or long.
func hasRepo(names []string, repo string) bool {
	for _, n := range names {
		if i := strings.LastIndex(n, ":"); i > strings.LastIndex(n, "/") {
			n = n[:i]
		}
		if n == repo || strings.HasSuffix(n, "/"+repo) {
			return true
		}
	}
	return false
}

// storageNames lists a store's image names for errors, at most ten.
func storageNames(imgs []storageImageRecord) string {
	var names []string
	for _, img := range imgs {
		names = append(names, img.Names...)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "none named"
	}
	if len(names) > 10 {
		return strings.Join(names[:10], ", ") + fmt.Sprintf(" and %d more", len(names)-10)
	}
	return strings.Join(names, ", ")
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
