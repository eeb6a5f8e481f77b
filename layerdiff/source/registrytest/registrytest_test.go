package registrytest_test

import (
	"net/http"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/layerlint/layerlint/layerdiff/source/registrytest"
)

func TestStartPushPull(t *testing.T) {
	host := registrytest.Start(t)
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(host + "/rt/app:v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatalf("pushing to %s: %v", host, err)
	}
	got, err := remote.Image(ref)
	if err != nil {
		t.Fatalf("pulling from %s: %v", host, err)
	}
	want, _ := img.Digest()
	gotD, err := got.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if gotD != want {
		t.Errorf("pulled digest %s, pushed %s", gotD, want)
	}
}

func TestStopsAtCleanup(t *testing.T) {
	var host string
	t.Run("inner", func(t *testing.T) { host = registrytest.Start(t) })
	if _, err := http.Get("http://" + host + "/v2/"); err == nil {
		t.Errorf("registry on %s still answers after its test ended", host)
	}
}
