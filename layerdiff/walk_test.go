package layerdiff

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

func TestIndexLayerNames(t *testing.T) {
	long := strings.Repeat("very-long-directory-name/", 20) + "file.txt" // > 255 bytes: needs a PAX header
	idx := index(t,
		dir("./"),
		dir("./etc/"),
		file("./etc/hosts", "127.0.0.1 localhost\n"),
		file("/abs/name", "absolute names are relative to the root, as runtimes apply them"),
		file("usr/../usr/lib/x", "cleaned"),
		file(long, "long"),
	)
	want := []string{"abs/name", "etc", "etc/hosts", "usr/lib/x", long}
	if got := paths(idx.Entries); !slices.Equal(got, want) {
		t.Errorf("paths = %q, want %q", got, want)
	}
	if e, _ := idx.Lookup("etc/hosts"); e == nil || e.Size != 20 || e.Hash == (Hash{}) {
		t.Errorf("etc/hosts = %+v, want size 20 and a content hash", e)
	}
}

func TestIndexLayerRejectsEscapes(t *testing.T) {
	for _, entries := range [][]te{
		{file("../etc/passwd", "x")},
		{file("/../../x", "x")},
		{file("a", "x"), hardlink("b", "../../a")},
	} {
		_, err := IndexLayer(context.Background(), bytes.NewReader(makeTar(t, entries...)))
		if !errors.Is(err, ErrUnsafePath) {
			t.Errorf("IndexLayer(%v) error = %v, want ErrUnsafePath", entries, err)
		}
	}
}

func TestIndexLayerWhiteouts(t *testing.T) {
	idx := index(t,
		dir("a"),
		file("a/.wh.gone", ""),
		file("b/.wh..wh..opq", ""),
		file("b/kept", "new"),
		file(".wh.top", ""),
		file("c/.wh..wh.plnk", ""), // aufs metadata: ignored
	)
	if want := []string{"a/gone", "top"}; !slices.Equal(idx.Whiteouts, want) {
		t.Errorf("whiteouts = %q, want %q", idx.Whiteouts, want)
	}
	if want := []string{"b"}; !slices.Equal(idx.Opaques, want) {
		t.Errorf("opaques = %q, want %q", idx.Opaques, want)
	}
	if want := []string{"a", "b/kept"}; !slices.Equal(paths(idx.Entries), want) {
		t.Errorf("entries = %q, want %q", paths(idx.Entries), want)
	}
}

func TestIndexLayerDuplicatesAndHardlinks(t *testing.T) {
	idx := index(t,
		file("x", "first"),
		file("bin/tool", "the tool's bytes"),
		hardlink("bin/alias", "bin/tool"),
		symlink("bin/sh", "busybox"),
		file("x", "second and last"),
	)
	x, _ := idx.Lookup("x")
	if x.Size != int64(len("second and last")) {
		t.Errorf("x: size %d, want the last entry's", x.Size)
	}
	tool, _ := idx.Lookup("bin/tool")
	alias, _ := idx.Lookup("bin/alias")
	if alias.Type != TypeHardlink || alias.Link != "bin/tool" || alias.Hash != tool.Hash || alias.Size != tool.Size {
		t.Errorf("hardlink = %+v, want the contents of bin/tool", alias)
	}
	if sh, _ := idx.Lookup("bin/sh"); sh.Type != TypeSymlink || sh.Link != "busybox" {
		t.Errorf("symlink = %+v", sh)
	}
	if idx.FileBytes != int64(len("first")+len("the tool's bytes")+len("second and last")) {
		t.Errorf("FileBytes = %d", idx.FileBytes)
	}
}

func TestIndexLayerCorrupt(t *testing.T) {
	good := makeTar(t, file("a", strings.Repeat("x", 5000)), file("b", "y"))
	cases := map[string][]byte{
		"truncated in a file": good[:512+1000],
		"truncated header":    good[:100],
		"garbage header":      append([]byte("this is not a tar header"), make([]byte, 1000)...),
	}
	for name, b := range cases {
		if _, err := IndexLayer(context.Background(), bytes.NewReader(b)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestIndexLayerCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := IndexLayer(ctx, bytes.NewReader(makeTar(t, file("a", "x")))); !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

func TestDecompress(t *testing.T) {
	plain := makeTar(t, dir("d"), file("d/f", strings.Repeat("contents ", 1000)))
	var gz, zs bytes.Buffer
	gw := gzip.NewWriter(&gz)
	gw.Write(plain)
	gw.Close()
	zw, _ := zstd.NewWriter(&zs)
	zw.Write(plain)
	zw.Close()
	for name, b := range map[string][]byte{"plain": plain, "gzip": gz.Bytes(), "zstd": zs.Bytes()} {
		rc, err := Decompress(io.NopCloser(bytes.NewReader(b)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := io.ReadAll(rc)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("%s: got %d bytes, err %v; want the plain tar", name, len(got), err)
		}
	}
	for name, b := range map[string][]byte{"truncated gzip": gz.Bytes()[:gz.Len()/2], "truncated zstd": zs.Bytes()[:zs.Len()/2]} {
		rc, err := Decompress(io.NopCloser(bytes.NewReader(b)))
		if err == nil {
			_, err = io.ReadAll(rc)
		}
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	corrupt := bytes.Clone(gz.Bytes())
	corrupt[len(corrupt)-6] ^= 0xff // the CRC32 trailer
	rc, _ := Decompress(io.NopCloser(bytes.NewReader(corrupt)))
	if _, err := io.ReadAll(rc); err == nil {
		t.Error("gzip with a bad checksum: no error")
	}
}

func FuzzIndexLayer(f *testing.F) {
	f.Add(makeTar(f, dir("a"), file("a/b", "x"), file("a/.wh.c", ""), hardlink("d", "a/b"), symlink("e", "/x")))
	f.Add(makeTar(f, file(strings.Repeat("n/", 200)+"f", "long")))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		idx, err := IndexLayer(context.Background(), bytes.NewReader(b))
		if err != nil {
			return
		}
		for i, e := range idx.Entries {
			if e.Path == "" || strings.HasPrefix(e.Path, "/") || e.Path == ".." || strings.HasPrefix(e.Path, "../") {
				t.Fatalf("entry %d has path %q", i, e.Path)
			}
			if i > 0 && ComparePaths(idx.Entries[i-1].Path, e.Path) >= 0 {
				t.Fatalf("entries not sorted and unique at %d: %q, %q", i, idx.Entries[i-1].Path, e.Path)
			}
		}
		MergeLayers([]*LayerIndex{idx, idx})
	})
}

// TestIndexLayerMillionEmptyFiles streams a layer of one million empty files (512 MB of tar headers) through
// the indexer without holding the tar, and checks the listing is complete and sorted.
func TestIndexLayerMillionEmptyFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	const n = 1_000_000
	// Headers are stamped from one template rather than written by tar.Writer, which would cost more than
	// the reading under test.
	var tmpl bytes.Buffer
	tw := tar.NewWriter(&tmpl)
	tw.WriteHeader(&tar.Header{Name: "dXXX/fXXXXXX", Mode: 0o644, Typeflag: tar.TypeReg, Format: tar.FormatUSTAR})
	block := tmpl.Bytes()[:512]
	pr, pw := io.Pipe()
	go func() {
		buf := make([]byte, 0, 512*1024)
		for i := range n {
			// Reverse order: the indexer must sort.
			k := n - 1 - i
			h := block[:512:512]
			h = append([]byte(nil), h...)
			copy(h, fmt.Sprintf("d%03d/f%06d", k%1000, k))
			copy(h[148:156], "        ")
			sum := 0
			for _, c := range h {
				sum += int(c)
			}
			copy(h[148:156], fmt.Sprintf("%06o\x00 ", sum))
			buf = append(buf, h...)
			if len(buf) == cap(buf) {
				if _, err := pw.Write(buf); err != nil {
					return
				}
				buf = buf[:0]
			}
		}
		buf = append(buf, make([]byte, 1024)...)
		pw.Write(buf)
		pw.Close()
	}()
	idx, err := IndexLayer(context.Background(), pr)
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.Entries) != n {
		t.Fatalf("%d entries, want %d", len(idx.Entries), n)
	}
	if !slices.IsSortedFunc(idx.Entries, func(a, b Entry) int { return ComparePaths(a.Path, b.Path) }) {
		t.Error("entries are not sorted")
	}
}
