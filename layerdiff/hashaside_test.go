package layerdiff

import (
	"bytes"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

func TestHashAside(t *testing.T) {
	data := make([]byte, 3*aheadBufferSize+12345)
	for i := range data {
		data[i] = byte(rand.IntN(256))
	}
	want := sha256.Sum256(data)
	for name, r := range map[string]io.Reader{
		"whole":    bytes.NewReader(data),
		"one byte": iotest.OneByteReader(bytes.NewReader(data)),
		"half":     iotest.HalfReader(bytes.NewReader(data)),
		"data+EOF": iotest.DataErrReader(bytes.NewReader(data)),
		"empty":    bytes.NewReader(nil),
	} {
		a := newHashAside(r)
		got, err := io.ReadAll(iotest.HalfReader(a))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		wantSum := want[:]
		if name == "empty" {
			s := sha256.Sum256(nil)
			wantSum = s[:]
		} else if !bytes.Equal(got, data) {
			t.Fatalf("%s: the stream changed on the way through", name)
		}
		if first := a.Sum(); !bytes.Equal(first, wantSum) || !bytes.Equal(a.Sum(), first) {
			t.Errorf("%s: wrong SHA-256", name)
		}
	}
	// An error is passed on, and Sum still returns.
	a := newHashAside(iotest.TimeoutReader(bytes.NewReader(data)))
	if _, err := io.ReadAll(a); err != iotest.ErrTimeout {
		t.Errorf("error %v, want the reader's", err)
	}
	a.Sum()
}
