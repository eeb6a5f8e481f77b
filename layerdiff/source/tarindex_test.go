package source

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestTarIndexLinks checks that files reached through symbolic and hard
// links (older `docker save` archives link <id>/layer.tar to a shared blob)
// are served from the target's bytes, and that link loops end in an error.
func TestTarIndexLinks(t *testing.T) {
	p := filepath.Join(t.TempDir(), "links.tar")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	write := func(h *tar.Header, body string) {
		h.Size = int64(len(body))
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	long := strings.Repeat("long-name/", 20) + "file" // needs a PAX header
	write(&tar.Header{Name: "./blob.tar", Typeflag: tar.TypeReg, Mode: 0o644}, "the blob")
	write(&tar.Header{Name: "abc/layer.tar", Typeflag: tar.TypeSymlink, Linkname: "../blob.tar"}, "")
	write(&tar.Header{Name: "hard", Typeflag: tar.TypeLink, Linkname: "blob.tar"}, "")
	write(&tar.Header{Name: "abs", Typeflag: tar.TypeSymlink, Linkname: "/abc/layer.tar"}, "")
	write(&tar.Header{Name: "loop1", Typeflag: tar.TypeSymlink, Linkname: "loop2"}, "")
	write(&tar.Header{Name: "loop2", Typeflag: tar.TypeSymlink, Linkname: "loop1"}, "")
	write(&tar.Header{Name: long, Typeflag: tar.TypeReg, Mode: 0o644}, "after a pax header")
	write(&tar.Header{Name: "empty", Typeflag: tar.TypeReg, Mode: 0o644}, "")
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	idx, err := indexTar(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"blob.tar": "the blob", "/blob.tar": "the blob", "abc/layer.tar": "the blob", "hard": "the blob",
		"abs": "the blob", long: "after a pax header", "empty": "",
	} {
		got, err := idx.readAll(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if string(got) != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"loop1", "missing"} {
		if _, err := idx.open(name); err == nil || !strings.Contains(err.Error(), p+" has no file "+name) {
			t.Errorf("open(%s): error %v, want one naming the archive and the file", name, err)
		}
	}
	if got, want := idx.names(), []string{"blob.tar", "empty", long}; !reflect.DeepEqual(got, want) {
		t.Errorf("names() = %q, want %q", got, want)
	}
}
