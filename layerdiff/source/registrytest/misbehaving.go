package registrytest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Fault is how a Misbehaving registry misbehaves.
type Fault int

// The faults a Misbehaving registry can have. Each concerns one request; every other is answered correctly.
const (
	// HugeManifest answers the manifest with more than 4 MiB (a JSON document padded with spaces), without
	// saying its length up front.
	HugeManifest Fault = iota
	// HugeManifestDeclared is HugeManifest with a Content-Length.
	HugeManifestDeclared
	// HugeConfig serves a manifest that declares a config of 20 MiB.
	HugeConfig
	// LongBlob sends the first layer with extra bytes after the declared size, without a Content-Length.
	LongBlob
	// LongBlobDeclared is LongBlob with a Content-Length that says so.
	LongBlobDeclared
	// RedirectLoop redirects the first layer's blob to itself, forever.
	RedirectLoop
	// StallHeaders never answers the manifest request.
	StallHeaders
	// StallBody sends half of the first layer and then nothing more.
	StallBody
)

// Misbehaving serves img as REPO:TAG "app:v1" from a registry written for tests on 127.0.0.1, with one fault,
// and returns its host:port. This is the one registry of the tests that is not the real distribution server:
// the real one cannot be made to misbehave. It stops when the test ends.
func Misbehaving(t testing.TB, img v1.Image, fault Fault) (host string) {
	t.Helper()
	manifest, err := img.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	config, err := img.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	blobs := map[string][]byte{m.Config.Digest.String(): config}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			t.Fatal(err)
		}
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		blobs[d.String()] = b
	}
	firstLayer := m.Layers[0].Digest.String()
	mediaType, err := img.MediaType()
	if err != nil {
		t.Fatal(err)
	}
	if fault == HugeConfig {
		m = m.DeepCopy() // img's own manifest must not change
		m.Config.Size = 20 << 20
		manifest = mustJSON(t, m)
	}
	stop := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/v2/", func(w http.ResponseWriter, r *http.Request) {
		flusher := w.(http.Flusher)
		switch p := r.URL.Path; {
		case p == "/v2/":
			w.WriteHeader(http.StatusOK)
		case p == "/v2/app/manifests/v1":
			switch fault {
			case StallHeaders:
				<-stop
				return
			case HugeManifest, HugeManifestDeclared:
				huge := append(bytes.Repeat([]byte(" "), 5<<20), manifest...)
				w.Header().Set("Content-Type", string(mediaType))
				if fault == HugeManifestDeclared {
					w.Header().Set("Content-Length", fmt.Sprint(len(huge)))
				}
				w.Write(huge)
				return
			}
			w.Header().Set("Content-Type", string(mediaType))
			w.Header().Set("Docker-Content-Digest", digestOf(manifest))
			w.Header().Set("Content-Length", fmt.Sprint(len(manifest)))
			if r.Method != http.MethodHead {
				w.Write(manifest)
			}
		case strings.HasPrefix(p, "/v2/app/blobs/"):
			d := strings.TrimPrefix(p, "/v2/app/blobs/")
			b, ok := blobs[d]
			if !ok {
				http.NotFound(w, r)
				return
			}
			if d == firstLayer {
				switch fault {
				case RedirectLoop:
					http.Redirect(w, r, p+"?again="+fmt.Sprint(time.Now().UnixNano()), http.StatusTemporaryRedirect)
					return
				case LongBlob, LongBlobDeclared:
					long := append(append([]byte{}, b...), bytes.Repeat([]byte("x"), 4096)...)
					if fault == LongBlobDeclared {
						w.Header().Set("Content-Length", fmt.Sprint(len(long)))
					}
					w.Write(long)
					return
				case StallBody:
					w.Header().Set("Content-Length", fmt.Sprint(len(b)))
					w.Write(b[:len(b)/2])
					flusher.Flush()
					<-stop
					return
				}
			}
			w.Header().Set("Content-Length", fmt.Sprint(len(b)))
			w.Write(b)
		default:
			http.NotFound(w, r)
		}
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	t.Cleanup(func() {
		close(stop)
		srv.Close()
	})
	return l.Addr().String()
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
