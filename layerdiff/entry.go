// Package layerdiff reads container images as streams of tar layers, merges them the way overlayfs does, and
// compares two images file by file.
//
// Data flows one way, as streams: a v1.Image (from package source or any go-containerregistry producer) is
// read layer by layer into Listings (one pass over each layer's bytes, contents hashed while streaming,
// nothing extracted; each listing sorted by path and kept on disk, or in memory when small), Merge streams
// an image's merged filesystem as a k-way merge of its listings, and Diff merge-joins two merged streams into
// a Report. Memory depends on the number of layers and the depth of the tree, not on the number of files.
package layerdiff

import (
	"encoding/hex"
	"strings"
	"unsafe"
)

// Type is the kind of filesystem object an Entry describes.
type Type uint8

// The entry types found in image layers.
const (
	TypeFile Type = iota + 1
	TypeDir
	TypeSymlink
	TypeHardlink
	TypeChar
	TypeBlock
	TypeFIFO
)

var typeNames = [...]string{"", "file", "dir", "symlink", "hardlink", "char", "block", "fifo"}

// String returns the lowercase name used in reports ("file", "dir", "symlink", ...).
func (t Type) String() string {
	if int(t) < len(typeNames) && t != 0 {
		return typeNames[t]
	}
	return "unknown"
}

// Hash is a content digest of a regular file: 128-bit XXH3, fast enough to hash every byte while streaming.
// It identifies contents within one run; it is not a security digest (layer DiffIDs are checked with SHA-256).
type Hash [16]byte

// String returns the hash in hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// Entry is one filesystem object in a layer: the metadata of its tar header and, for regular files and
// hardlinks, the hash of its contents.
type Entry struct {
	// Path is slash-separated and relative to the image root, without a leading slash ("usr/bin/env").
	Path string
	// Link is a symlink's target as written, or the path of a hardlink's target (relative, cleaned).
	Link    string
	Size    int64
	ModTime int64 // Unix seconds
	Hash    Hash
	Mode    uint32 // permission bits plus setuid, setgid and sticky (as in tar headers)
	UID     int
	GID     int
	Type    Type
}

// IsDir reports whether e is a directory.
func (e *Entry) IsDir() bool { return e.Type == TypeDir }

// ComparePaths orders paths so that every path's descendants follow it directly: components are compared
// byte by byte with '/' sorting before every other byte. It returns -1, 0 or +1.
func ComparePaths(a, b string) int {
	return comparePathBytes(unsafe.Slice(unsafe.StringData(a), len(a)), unsafe.Slice(unsafe.StringData(b), len(b)))
}

// IsUnder reports whether p is a strict descendant of dir.
func IsUnder(p, dir string) bool {
	if dir == "" {
		return p != ""
	}
	return len(p) > len(dir) && p[len(dir)] == '/' && strings.HasPrefix(p, dir)
}
