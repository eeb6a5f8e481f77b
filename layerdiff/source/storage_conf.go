package source

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// defaultStorageRoot is where root's containers-storage store lives when storage.conf says nothing.
const defaultStorageRoot = "/var/lib/containers/storage"

// storageConf is what of storage.conf tells where the default store is.
type storageConf struct {
	root, driver string
}

// readStorageConf finds the default store as podman does: $CONTAINERS_STORAGE_CONF, else (for a user other
// than root) $XDG_CONFIG_HOME/containers/storage.conf, else /etc/containers/storage.conf; graphroot (or
// rootless_storage_path) and driver of its [storage] table, defaulting to /var/lib/containers/storage for
// root and $XDG_DATA_HOME/containers/storage for other users.
func readStorageConf() storageConf {
	rootless := os.Geteuid() != 0
	c := storageConf{root: defaultStorageRoot}
	if rootless {
		data := os.Getenv("XDG_DATA_HOME")
		if data == "" {
			if home, err := os.UserHomeDir(); err == nil {
				data = filepath.Join(home, ".local", "share")
			}
		}
		c.root = filepath.Join(data, "containers", "storage")
	}
	var files []string
	if p := os.Getenv("CONTAINERS_STORAGE_CONF"); p != "" {
		files = append(files, p)
	} else {
		if rootless {
			if dir, err := os.UserConfigDir(); err == nil {
				files = append(files, filepath.Join(dir, "containers", "storage.conf"))
			}
		}
		files = append(files, "/etc/containers/storage.conf")
	}
	for _, p := range files {
		kv, ok := storageTable(p)
		if !ok {
			continue
		}
		if v := kv["graphroot"]; v != "" && !rootless {
			c.root = v
		}
		if v := kv["rootless_storage_path"]; v != "" && rootless && !strings.Contains(v, "$") {
			c.root = v
		}
		c.driver = kv["driver"]
		break
	}
	return c
}

// storageTable reads the string keys of the [storage] table of a TOML file; only `key = "value"` lines, which
// is how storage.conf writes the keys read here.
func storageTable(p string) (map[string]string, bool) {
	f, err := os.Open(p)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	kv := map[string]string{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			in = line == "[storage]"
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !in || !ok || strings.HasPrefix(line, "#") {
			continue
		}
		if s, err := strconv.Unquote(strings.TrimSpace(v)); err == nil {
			kv[strings.TrimSpace(k)] = s
		}
	}
	return kv, true
}
