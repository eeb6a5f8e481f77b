package layerdiff

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// te describes one tar entry of a crafted layer; the zero values make a 0644 regular file owned by root.
type te struct {
	name  string
	typ   byte // tar.TypeReg by default
	body  string
	link  string
	mode  int64
	uid   int
	mtime int64
}

func dir(name string) te              { return te{name: name, typ: tar.TypeDir, mode: 0o755} }
func file(name, body string) te       { return te{name: name, body: body} }
func symlink(name, target string) te  { return te{name: name, typ: tar.TypeSymlink, link: target} }
func hardlink(name, target string) te { return te{name: name, typ: tar.TypeLink, link: target} }

// makeTar writes entries as a tar stream, in the given order, with PAX headers where names need them.
func makeTar(t testing.TB, entries ...te) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: e.mode, Uid: e.uid,
			ModTime: time.Unix(e.mtime+1_700_000_000, 0), Format: tar.FormatPAX}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("tar header %q: %v", e.name, err)
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func index(t testing.TB, entries ...te) *LayerIndex {
	t.Helper()
	idx, err := IndexLayer(context.Background(), bytes.NewReader(makeTar(t, entries...)))
	if err != nil {
		t.Fatalf("IndexLayer: %v", err)
	}
	return idx
}

// layer makes a go-containerregistry layer of a crafted tar; opts choose its compression.
func layer(t testing.TB, tarBytes []byte, opts ...tarball.LayerOption) v1.Layer {
	t.Helper()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(tarBytes)), nil
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// image stacks crafted layers, each with a history entry "step N", under cfg's runtime config.
func image(t testing.TB, cfg v1.Config, layers ...[]byte) v1.Image {
	t.Helper()
	img := empty.Image
	for i, b := range layers {
		var err error
		img, err = mutate.Append(img, mutate.Addendum{Layer: layer(t, b),
			History: v1.History{CreatedBy: "step " + string(rune('1'+i))}})
		if err != nil {
			t.Fatal(err)
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Config = cfg
	cf.OS, cf.Architecture = "linux", "amd64"
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func read(t testing.TB, name string, img v1.Image, opts ...Option) *Image {
	t.Helper()
	out, err := NewReader(opts...).ReadImage(context.Background(), name, img)
	if err != nil {
		t.Fatalf("ReadImage(%s): %v", name, err)
	}
	return out
}

func paths(es []Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Path)
	}
	return out
}
