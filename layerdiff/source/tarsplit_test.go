package source

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTarSplitRebuildsTar checks that a tar is rebuilt byte for byte from its tar-split and its files, and that
// a file shorter than its header, or one outside the layer, is an error.
func TestTarSplitRebuildsTar(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct{ name, body string }{{"etc/", ""}, {"etc/hosts", "127.0.0.1 localhost\n"}, {"etc/empty", ""}, {"bin/sh", strings.Repeat("x", 1000)}} {
		typ := byte(tar.TypeReg)
		if strings.HasSuffix(f.name, "/") {
			typ = tar.TypeDir
		}
		tw.WriteHeader(&tar.Header{Name: f.name, Typeflag: typ, Mode: 0o644, Size: int64(len(f.body))})
		tw.Write([]byte(f.body))
	}
	tw.Close()
	layer := buf.Bytes()
	dir := t.TempDir()
	split := splitTar(t, layer, dir)
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	got, err := io.ReadAll(newTarSplitReader(bytes.NewReader(split), root))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, layer) {
		t.Fatalf("rebuilt %d bytes, not the %d of the tar", len(got), len(layer))
	}
	os.WriteFile(filepath.Join(dir, "bin", "sh"), []byte("short"), 0o644)
	if _, err := io.ReadAll(newTarSplitReader(bytes.NewReader(split), root)); err == nil || !strings.Contains(err.Error(), "file bin/sh of the layer is 995 bytes shorter than its tar header says") {
		t.Errorf("a shortened file: error %v", err)
	}
	escape := []byte(`{"type":1,"name":"../../../etc/passwd","size":10}` + "\n")
	if _, err := io.ReadAll(newTarSplitReader(bytes.NewReader(escape), root)); err == nil {
		t.Error("a tar-split naming a file outside the layer was read")
	}
}

// splitTar writes the tar-split JSON lines of the tar b as tar-split's disassembler does: the bytes before
// each file's data (its header, and the padding of the file before) a segment, each file's data a file entry,
// the end of the archive a last segment; the files' data go under dir.
func splitTar(t *testing.T, b []byte, dir string) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "layer.tar")
	os.WriteFile(p, b, 0o644)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	tr := tar.NewReader(f)
	var off int64
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		start, _ := f.Seek(0, io.SeekCurrent)
		enc.Encode(tarSplitEntry{Type: tarSplitSegment, Payload: b[off:start]})
		enc.Encode(tarSplitEntry{Type: tarSplitFile, Name: hdr.Name, Size: hdr.Size})
		if hdr.Typeflag == tar.TypeReg {
			body, _ := io.ReadAll(tr)
			q := filepath.Join(dir, hdr.Name)
			os.MkdirAll(filepath.Dir(q), 0o755)
			os.WriteFile(q, body, 0o644)
		}
		off = start + hdr.Size
	}
	enc.Encode(tarSplitEntry{Type: tarSplitSegment, Payload: b[off:]})
	return out.Bytes()
}

// FuzzTarSplit feeds arbitrary tar-split streams to the reader over a small layer directory: errors are
// fine; a panic, a read outside the directory or output beyond what the stream and files can give are not.
func FuzzTarSplit(f *testing.F) {
	f.Add([]byte(`{"type":2,"payload":"aGVsbG8="}` + "\n" + `{"type":1,"name":"a","size":3}` + "\n"))
	f.Add([]byte(`{"type":1,"name_raw":"YQ==","size":2}` + "\n" + `{"type":3}` + "\n"))
	f.Add([]byte(`{"type":1,"name":"../x","size":1}`))
	f.Add([]byte("not json\n"))
	dir := f.TempDir()
	os.WriteFile(filepath.Join(dir, "a"), []byte("abc"), 0o644)
	os.Symlink("/etc/hostname", filepath.Join(dir, "out"))
	root, err := os.OpenRoot(dir)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := newTarSplitReader(bytes.NewReader(b), root)
		defer r.Close()
		got, _ := io.ReadAll(io.LimitReader(r, int64(len(b))*2+64))
		if len(got) > len(b)+3*(bytes.Count(b, []byte("\n"))+1) {
			t.Fatalf("%d bytes out of a %d-byte stream", len(got), len(b))
		}
	})
}
