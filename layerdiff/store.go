package layerdiff

import (
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// ListingStore keeps layer listings on disk, keyed by DiffID. A DiffID names the layer's uncompressed bytes,
// so a stored listing never goes stale; only listings of layers whose digest was verified are stored. A nil
// *ListingStore stores nothing. A listing that cannot be stored or read back (missing, truncated, corrupt,
// of another version) is not an error: the layer is read instead.
type ListingStore struct {
	dir string
}

// NewListingStore returns a store in dir/listings/<format>, creating it when first written.
func NewListingStore(dir string) *ListingStore {
	return &ListingStore{dir: filepath.Join(dir, "listings", "v2")}
}

// DefaultCacheDir returns $XDG_CACHE_HOME/layerlint, or the platform's user cache directory.
func DefaultCacheDir() (string, error) {
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		var err error
		if base, err = os.UserCacheDir(); err != nil {
			return "", err
		}
	}
	return filepath.Join(base, "layerlint"), nil
}

func (s *ListingStore) file(h v1.Hash) string {
	return filepath.Join(s.dir, h.Algorithm+"-"+h.Hex)
}

// Get returns the stored listing of the layer with the given DiffID, checked whole (header, bounds and
// checksum) before it is handed out.
func (s *ListingStore) Get(diffID v1.Hash) (*Listing, bool) {
	if s == nil {
		return nil, false
	}
	f, err := os.Open(s.file(diffID))
	if err != nil {
		return nil, false
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, false
	}
	l, err := openListing(f, fi.Size(), true, false)
	if err != nil {
		f.Close()
		os.Remove(f.Name()) // a corrupt listing is replaced by the next read of the layer
		return nil, false
	}
	l.DiffID, l.keep = diffID, f
	return l, true
}

// config returns how a layer read for this store is built: in the store's directory, named so that it can
// be renamed into place once verified.
func (s *ListingStore) config() buildConfig {
	if s == nil {
		return buildConfig{}
	}
	return buildConfig{dir: s.dir, named: true}
}

// put places the verified listing in out under diffID. Errors are dropped: a store that cannot be written
// is a store that misses.
func (s *ListingStore) put(diffID v1.Hash, out *sink) {
	if s == nil || diffID.Hex == "" {
		return
	}
	out.persist(s.file(diffID))
}
