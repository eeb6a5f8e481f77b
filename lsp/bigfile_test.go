package lsp_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerlint/layerlint/internal/dockertest"
	"github.com/layerlint/layerlint/internal/fixturecache"
)

// bigBlocks is how many 30-line blocks the 3,000-line Dockerfile has.
const bigBlocks = 100

// bigDockerfile is a 3,000-line Dockerfile shaped like large real ones: 100 blocks of a comment, an ENV,
// a LABEL (a COPY of a context file in every tenth block), a 25-line RUN script and a blank line. BuildKit
// builds it into 110 layers on the test base image.
func bigDockerfile() string {
	var b strings.Builder
	b.WriteString("FROM localhost/layerlint/base:latest\n")
	for k := range bigBlocks {
		fmt.Fprintf(&b, "# block %d: set up part %d\n", k, k)
		fmt.Fprintf(&b, "ENV BLOCK_%d=on\n", k)
		if k%10 == 0 {
			fmt.Fprintf(&b, "COPY data/part%d.txt /app/part%d.txt\n", k, k)
		} else {
			fmt.Fprintf(&b, "LABEL com.example.block%d=\"part %d\"\n", k, k)
		}
		b.WriteString("RUN set -e; \\\n")
		for j := range 23 {
			fmt.Fprintf(&b, "    echo 'block %d line %d' >> /root/block%d.log; \\\n", k, j, k)
		}
		b.WriteString("    true\n")
		if k < bigBlocks-1 {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// bigContext writes the context the big Dockerfile copies from into dir.
func bigContext(t testing.TB, dir string) {
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	for k := 0; k < bigBlocks; k += 10 {
		data := strings.Repeat(fmt.Sprintf("part %d of the big context\n", k), 100*(k+1))
		if err := os.WriteFile(filepath.Join(dir, "data", fmt.Sprintf("part%d.txt", k)), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// bigWorkspace writes the big Dockerfile and its context into a temporary directory and returns it with
// the docker-archive of the image BuildKit built from them. The archive is built once per machine
// (internal/fixturecache, keyed by the Dockerfile, the context and the base image) by a Docker daemon the
// test starts.
func bigWorkspace(t testing.TB) (dir, dockerfile, archive string) {
	dir = t.TempDir()
	text := bigDockerfile()
	dockerfile = filepath.Join(dir, "Dockerfile")
	if err := os.WriteFile(dockerfile, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	bigContext(t, dir)
	base := filepath.Join(repoRoot(t), "testdata", "images", "base.tar")
	baseData, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	h.Write([]byte("layerls-big v1\x00" + text + "\x00"))
	h.Write(baseData)
	for k := 0; k < bigBlocks; k += 10 {
		data, err := os.ReadFile(filepath.Join(dir, "data", fmt.Sprintf("part%d.txt", k)))
		if err != nil {
			t.Fatal(err)
		}
		h.Write(data)
	}
	archive = fixturecache.T(t, "layerls-big-"+hex.EncodeToString(h.Sum(nil))[:16]+".tar", func(tmp string) error {
		d := dockertest.Shared(t)
		d.Load(t, base)
		d.Build(t, dockerfile, dir, "layerls-big:latest")
		d.Save(t, "layerls-big:latest", tmp)
		return nil
	})
	return dir, dockerfile, archive
}
