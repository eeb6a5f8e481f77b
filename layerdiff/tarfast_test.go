package layerdiff

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// readAllTar lists a tar stream with next/read functions as "header|contents" lines, ending with the error
// that stopped it ("EOF" at a clean end).
func readAllTar(next func() (*tar.Header, error), r io.Reader) []string {
	var out []string
	for {
		h, err := next()
		if err != nil {
			if err == io.EOF {
				return append(out, "EOF")
			}
			return append(out, "error")
		}
		body, err := io.ReadAll(r)
		line := fmt.Sprintf("%q %q %c size=%d mode=%o uid=%d gid=%d mtime=%d dev=%d,%d body=%x",
			h.Name, h.Linkname, h.Typeflag, h.Size, h.Mode, h.Uid, h.Gid, h.ModTime.Unix(), h.Devmajor, h.Devminor, body)
		out = append(out, line)
		if err != nil {
			return append(out, "error")
		}
	}
}

// sameAsArchiveTar checks that tarReader reads b entry for entry as archive/tar does.
func sameAsArchiveTar(t *testing.T, b []byte) {
	t.Helper()
	std := tar.NewReader(bytes.NewReader(b))
	want := readAllTar(std.Next, std)
	fast := newTarReader(bytes.NewReader(b))
	got := readAllTar(fast.Next, fast)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("tarReader read\n%s\narchive/tar read\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// tarOf writes headers (with bodies for regular files) in the given format.
func tarOf(t testing.TB, format tar.Format, hdrs ...*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hdrs {
		h.Format = format
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("%s: %v", h.Name, err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write(bytes.Repeat([]byte{'x'}, int(h.Size)))
		}
	}
	tw.Close()
	return buf.Bytes()
}

func tarSamples(t testing.TB) [][]byte {
	mt := time.Unix(1_700_000_000, 0)
	long := strings.Repeat("long-directory/", 12) + "name.txt"
	base := func() []*tar.Header {
		return []*tar.Header{
			{Name: "dir/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: mt},
			{Name: "dir/file", Typeflag: tar.TypeReg, Size: 700, Mode: 0o644, Uid: 1000, Gid: 1000, ModTime: mt},
			{Name: "dir/link", Typeflag: tar.TypeSymlink, Linkname: "file", ModTime: mt},
			{Name: "dir/hard", Typeflag: tar.TypeLink, Linkname: "dir/file", ModTime: mt},
			{Name: "dev/null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3, ModTime: mt},
			{Name: "fifo", Typeflag: tar.TypeFifo, ModTime: mt},
			{Name: "empty", Typeflag: tar.TypeReg, ModTime: mt},
		}
	}
	withLong := func() []*tar.Header {
		return append(base(), &tar.Header{Name: long, Typeflag: tar.TypeReg, Size: 3, ModTime: mt},
			&tar.Header{Name: "l", Typeflag: tar.TypeSymlink, Linkname: long + long, ModTime: mt})
	}
	return [][]byte{
		tarOf(t, tar.FormatUSTAR, base()...),
		tarOf(t, tar.FormatPAX, withLong()...),
		tarOf(t, tar.FormatGNU, withLong()...),
		tarOf(t, tar.FormatPAX, &tar.Header{Name: "x", Typeflag: tar.TypeReg, Size: 5, ModTime: time.Unix(1, 500),
			PAXRecords: map[string]string{"SCHILY.xattr.user.a": "b", "comment": "unknown to the fast path"}}),
		tarOf(t, tar.FormatPAX, &tar.Header{Name: "big-uid", Typeflag: tar.TypeReg, Uid: 1 << 30, ModTime: mt}),
		tarOf(t, tar.FormatGNU, &tar.Header{Name: "neg-time", Typeflag: tar.TypeReg, ModTime: time.Unix(-100, 0)}),
		makeTar(t, dir("a"), file("a/b", "x"), file("a/.wh.c", ""), hardlink("d", "a/b"), symlink("e", "/x")),
	}
}

// TestTarReaderMatchesArchiveTar reads tars in every format image layers come in, truncated at every
// length, with both readers.
func TestTarReaderMatchesArchiveTar(t *testing.T) {
	for i, b := range tarSamples(t) {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			sameAsArchiveTar(t, b)
			for n := 0; n < len(b); n += 37 {
				sameAsArchiveTar(t, b[:n])
			}
			// One corrupt byte in every header field.
			for off := 0; off < min(len(b), 4*tarBlock); off += 7 {
				c := bytes.Clone(b)
				c[off] ^= 0x5a
				sameAsArchiveTar(t, c)
			}
		})
	}
}

// FuzzTarReader checks that the fast tar reader reads any stream as archive/tar does: the same entries, the
// same contents, and an error where archive/tar has one.
func FuzzTarReader(f *testing.F) {
	for _, b := range tarSamples(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) { sameAsArchiveTar(t, b) })
}
