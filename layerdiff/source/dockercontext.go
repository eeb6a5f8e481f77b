package source

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/moby/moby/client"
)

// dockerEndpoint is the daemon the docker CLI would talk to, as far as it is not DOCKER_HOST's (or the
// default socket): the endpoint of the Docker context that DOCKER_CONTEXT or the CLI config's
// currentContext names (`docker context use`). Rootless Docker, Docker Desktop and remote hosts are
// reached that way, with no DOCKER_HOST set.
type dockerEndpoint struct {
	context string // the context's name
	source  string // what named it: "DOCKER_CONTEXT" or the config file
	host    string
	tlsDir  string // the context's TLS material (ca.pem, cert.pem, key.pem), "" without
}

// maxContextFile bounds the CLI files read here: they are small JSON documents.
const maxContextFile = 1 << 20

// resolveDockerContext follows the docker CLI's order: DOCKER_HOST wins (the "default" context), then
// DOCKER_CONTEXT, then currentContext in $DOCKER_CONFIG/config.json (~/.docker without the variable);
// "default" or nothing named means DOCKER_HOST's daemon or the default socket, and nil is returned.
func resolveDockerContext() (*dockerEndpoint, error) {
	if os.Getenv("DOCKER_HOST") != "" {
		return nil, nil
	}
	dir := dockerConfigDir()
	name, source := os.Getenv("DOCKER_CONTEXT"), "DOCKER_CONTEXT"
	if name == "" {
		cfgPath := filepath.Join(dir, "config.json")
		data, err := readFileLimited(cfgPath, maxContextFile)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		var cfg struct {
			CurrentContext string `json:"currentContext"`
		}
		if err := json.Unmarshal(data, &cfg); err != nil {
			return nil, fmt.Errorf("reading the Docker CLI config %s: %w", cfgPath, err)
		}
		name, source = cfg.CurrentContext, cfgPath
	}
	if name == "" || name == "default" {
		return nil, nil
	}
	return readDockerContext(dir, name, source)
}

// dockerConfigDir is the docker CLI's configuration directory.
func dockerConfigDir() string {
	if d := os.Getenv("DOCKER_CONFIG"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ".docker"
	}
	return filepath.Join(home, ".docker")
}

// readDockerContext reads the docker endpoint of the context name from the CLI's context store:
// contexts/meta/<sha256 of the name>/meta.json, and its TLS files under contexts/tls/<same>/docker.
func readDockerContext(configDir, name, source string) (*dockerEndpoint, error) {
	metaPath := contextMetaPath(configDir, name)
	data, err := readFileLimited(metaPath, maxContextFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("the Docker context %q (named by %s) does not exist: no %s", name, source, metaPath)
	}
	if err != nil {
		return nil, err
	}
	ep, err := parseContextMeta(data)
	if err != nil {
		return nil, fmt.Errorf("reading the Docker context %q (%s): %w", name, metaPath, err)
	}
	ep.context, ep.source = name, source
	tlsDir := filepath.Join(configDir, "contexts", "tls", contextID(name), "docker")
	if _, err := os.Stat(tlsDir); err == nil {
		ep.tlsDir = tlsDir
	}
	return ep, nil
}

// contextID is the directory name of a context in the CLI's store: the hex sha256 of its name.
func contextID(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

// contextMetaPath is the meta.json of the context name.
func contextMetaPath(configDir, name string) string {
	return filepath.Join(configDir, "contexts", "meta", contextID(name), "meta.json")
}

// parseContextMeta reads a context's meta.json: its docker endpoint's host.
func parseContextMeta(data []byte) (*dockerEndpoint, error) {
	var meta struct {
		Endpoints map[string]struct{ Host string }
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		return nil, err
	}
	docker, ok := meta.Endpoints["docker"]
	if !ok || docker.Host == "" {
		return nil, errors.New("it has no docker endpoint host")
	}
	return &dockerEndpoint{host: docker.Host}, nil
}

// options are the client options that point a client at the endpoint.
func (ep *dockerEndpoint) options() []client.Opt {
	opts := []client.Opt{client.WithHost(ep.host)}
	if ep.tlsDir != "" {
		opts = append(opts, client.WithTLSClientConfig(
			filepath.Join(ep.tlsDir, "ca.pem"), filepath.Join(ep.tlsDir, "cert.pem"), filepath.Join(ep.tlsDir, "key.pem")))
	}
	return opts
}
