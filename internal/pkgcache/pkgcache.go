// Package pkgcache is the project's one list of the directories where
// package managers and builds leave caches and temporary files. Measuring an
// image (layerdiff/history) counts the bytes a layer keeps in them; lint's
// rules check that a RUN cleans, or mounts, the ones it fills. Both read this
// list, so a finding's bytes and the cleanup it asks for name the same
// directories.
package pkgcache

import (
	"sort"
	"strings"
)

// Dir is a cache directory.
type Dir struct {
	// Path has no leading slash. A path starting with "*/" is below a home
	// directory (or any directory, when an image is measured): "*/.cache/pip"
	// is /root/.cache/pip for root.
	Path string
	// Kind names the cache: "apt-lists", "apt", "pip", ..., or "tmp" for
	// temporary directories.
	Kind string
}

// Dirs lists every cache directory, most specific first within a kind.
// /var/cache/debconf is not here: it is debconf's database, not a cache, and
// deleting it is not safe.
var Dirs = []Dir{
	{"var/lib/apt/lists", "apt-lists"},
	{"var/cache/apt", "apt"},
	{"var/cache/apk", "apk"},
	{"etc/apk/cache", "apk"},
	{"var/cache/yum", "yum"},
	{"var/cache/dnf", "dnf"},
	{"var/cache/libdnf5", "dnf"},
	{"var/cache/zypp", "zypper"},
	{"*/.cache/pip", "pip"},
	{"*/.npm/_cacache", "npm"},
	{"*/.cache/yarn", "yarn"},
	{"*/.yarn/berry/cache", "yarn"},
	{"*/.local/share/pnpm/store", "pnpm"},
	{"*/.cache/pnpm", "pnpm"},
	{"*/.bun/install/cache", "bun"},
	{"*/.cache/go-build", "go"},
	{"*/go/pkg/mod/cache", "go"},
	{"*/.cargo/registry", "cargo"},
	{"*/.cargo/git", "cargo"},
	{"usr/local/cargo/registry", "cargo"},
	{"usr/local/cargo/git", "cargo"},
	{"*/.composer/cache", "composer"},
	{"*/.cache/composer", "composer"},
	{"tmp", "tmp"},
	{"var/tmp", "tmp"},
}

// Homes are the home directories "*/" stands for when a Dockerfile's RUN
// names a cache: root's, and /usr/local/share, where the node images' yarn
// keeps its global cache.
var Homes = []string{"/root", "/usr/local/share"}

// KindOf returns the kind of cache an image path is in ("var/lib/apt/lists/x"
// or "/var/lib/apt/lists/x"), or "" when it is in none. A "*/" directory
// matches below any directory.
func KindOf(p string) string {
	p = strings.TrimPrefix(p, "/")
	for _, d := range Dirs {
		if rest, ok := strings.CutPrefix(d.Path, "*/"); ok {
			if strings.HasPrefix(p, rest+"/") || strings.Contains(p, "/"+rest+"/") {
				return d.Kind
			}
			continue
		}
		if len(p) > len(d.Path) && p[len(d.Path)] == '/' && strings.HasPrefix(p, d.Path) {
			return d.Kind
		}
	}
	return ""
}

// Paths returns the absolute directories of the given kinds as a RUN running
// as root names them, "*/" expanded over Homes. The slice is shared: callers
// must not change it.
func Paths(kinds ...string) []string {
	if len(kinds) == 1 {
		return pathsOf[kinds[0]]
	}
	return paths(kinds...)
}

// pathsOf holds each kind's paths, worked out once: rules ask for them for
// every RUN.
var pathsOf = func() map[string][]string {
	m := map[string][]string{}
	for _, d := range Dirs {
		m[d.Kind] = paths(d.Kind)
	}
	return m
}()

func paths(kinds ...string) []string {
	var out []string
	for _, d := range Dirs {
		if !contains(kinds, d.Kind) {
			continue
		}
		if rest, ok := strings.CutPrefix(d.Path, "*/"); ok {
			for _, h := range Homes {
				out = append(out, h+"/"+rest)
			}
			continue
		}
		out = append(out, "/"+d.Path)
	}
	return out
}

// Kinds returns every kind, sorted.
func Kinds() []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range Dirs {
		if !seen[d.Kind] {
			seen[d.Kind] = true
			out = append(out, d.Kind)
		}
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
