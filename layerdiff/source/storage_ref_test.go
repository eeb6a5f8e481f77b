package source

import (
	"strings"
	"testing"
)

// FuzzParseStorageReference parses arbitrary containers-storage references: no panic, errors on one line
// naming the input, and every reference that parses writes back to itself.
func FuzzParseStorageReference(f *testing.F) {
	for _, s := range []string{
		"app", "app:v1", "localhost/app:v1", "[/var/lib/containers/storage]app", "[vfs@/r+/run]app:v1",
		"[overlay@/r]" + strings.Repeat("ab", 32), "app@" + strings.Repeat("cd", 32), "[/r", "[@/r]a", "[o@r]a",
		"a@sha256:" + strings.Repeat("0", 64), "f78f74301cb0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := ParseReference(ContainersStorage + ":" + s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "parsing image reference ") {
				t.Fatalf("error %q", err)
			}
			return
		}
		if ref.Transport != ContainersStorage {
			t.Fatalf("%q parsed as %s", s, ref.Transport)
		}
		again, err := ParseReference(ref.String())
		if err != nil || again != ref {
			t.Fatalf("%q: %+v wrote %q, which parses as %+v, %v", s, ref, ref.String(), again, err)
		}
	})
}
