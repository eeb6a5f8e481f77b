package pkgcache

import "testing"

func TestKindOf(t *testing.T) {
	for p, want := range map[string]string{
		"var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease": "apt-lists",
		"/var/lib/apt/lists/partial/x":                              "apt-lists",
		"var/cache/apt/archives/curl.deb":                           "apt",
		"var/cache/apt/pkgcache.bin":                                "apt",
		"var/cache/debconf/config.dat":                              "", // debconf's database, not a cache
		"var/lib/apt/extended_states":                               "",
		"root/.cache/pip/http/x":                                    "pip",
		"home/app/.cache/pip/wheels/y":                              "pip",
		"usr/local/share/.cache/yarn/v6/z":                          "yarn",
		"root/.npm/_cacache/index-v5/a":                             "npm",
		"root/.npm/_logs/debug.log":                                 "",
		"go/pkg/mod/cache/download/x":                               "go",
		"usr/local/cargo/registry/cache/x":                          "cargo",
		"tmp/x":                                                     "tmp",
		"tmpfoo/x":                                                  "",
		"var/lib/apt/lists":                                         "", // the directory itself holds no bytes
	} {
		if got := KindOf(p); got != want {
			t.Errorf("KindOf(%q) = %q, want %q", p, got, want)
		}
	}
}

func TestPaths(t *testing.T) {
	got := Paths("pip", "apt-lists")
	want := []string{"/var/lib/apt/lists", "/root/.cache/pip", "/usr/local/share/.cache/pip"}
	if len(got) != len(want) {
		t.Fatalf("Paths = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Paths = %v, want %v", got, want)
		}
	}
	if len(Kinds()) < 10 {
		t.Errorf("Kinds = %v", Kinds())
	}
}
