package source

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerlint/layerlint/internal/atomicfile"
)

// daemonCacheDir is where, under the listing-cache directory, the save metadata of daemon images is kept: the
// config and the file of each layer in the save stream, keyed by image ID. With every layer's listing cached
// too, a daemon image is read again without `docker save`.
const daemonCacheDir = "daemon/v1"

// getDaemonMeta returns the cached save metadata of image id. An entry is trusted only if its config hashes to
// the ID, which holds for Docker's classic image store, where the image ID is the config's digest.
func getDaemonMeta(dir string, id v1.Hash) (*saveMeta, bool) {
	if dir == "" || id.Algorithm != "sha256" || !hex64.MatchString(id.Hex) {
		return nil, false
	}
	b, err := os.ReadFile(filepath.Join(dir, daemonCacheDir, id.Hex+".json"))
	if err != nil || len(b) > 2*maxSaveJSON {
		return nil, false
	}
	var m saveMeta
	if err := json.Unmarshal(b, &m); err != nil || len(m.Layers) != len(m.Sizes) {
		return nil, false
	}
	if sum := sha256.Sum256(m.Config); hex.EncodeToString(sum[:]) != id.Hex {
		return nil, false
	}
	return &m, true
}

// putDaemonMeta stores m under id when its config is the image ID's (see getDaemonMeta); errors are dropped,
// as for the listing cache.
func putDaemonMeta(dir string, id v1.Hash, m *saveMeta) {
	if dir == "" || id.Algorithm != "sha256" || !hex64.MatchString(id.Hex) {
		return
	}
	if sum := sha256.Sum256(m.Config); hex.EncodeToString(sum[:]) != id.Hex {
		return
	}
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	d := filepath.Join(dir, daemonCacheDir)
	if err := os.MkdirAll(d, 0o755); err != nil {
		return
	}
	_ = atomicfile.WriteBytes(filepath.Join(d, id.Hex+".json"), 0o600, b)
}
