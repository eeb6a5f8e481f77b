package lsp

import (
	"context"
	"errors"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/source"
)

// TestSupersededLoadIsCancelledAndAwaited rewrites an archive twice while its first load is still reading:
// the first load is cancelled (its read ends with context.Canceled), the second, replaced before it could
// start, never reads, and the third reads alone once the first has ended. The reads are the real ones; the
// test only holds the first read back until the rewrites have been noticed.
func TestSupersededLoadIsCancelledAndAwaited(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	good, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "testdata", "images", "app-v2.tar"))
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "app.tar")
	write := func(at time.Time) {
		t.Helper()
		if err := os.WriteFile(archive, good, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(archive, at, at); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	write(now)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes := make(chan string, 8)
	im := newImages(ctx, layerdiff.NewReader(), log.New(os.Stderr, "", 0), func(ref string) { changes <- ref }, nil)
	realRead := im.read
	var (
		mu            sync.Mutex
		reads, inRead int
		peak          int
		firstCtx      context.Context
		firstErr      error
	)
	started, release := make(chan struct{}), make(chan struct{})
	im.read = func(ctx context.Context, ref string, creds source.Credentials) (*loadedImage, error) {
		mu.Lock()
		reads++
		n := reads
		inRead++
		peak = max(peak, inRead)
		if n == 1 {
			firstCtx = ctx
		}
		mu.Unlock()
		defer func() {
			mu.Lock()
			inRead--
			mu.Unlock()
		}()
		if n == 1 {
			close(started)
			<-release
		}
		li, err := realRead(ctx, ref, creds)
		if n == 1 {
			mu.Lock()
			firstErr = err
			mu.Unlock()
		}
		return li, err
	}
	defer func() { cancel(); im.wait() }()

	if st := im.get(archive); !st.loading {
		t.Fatalf("first get: %+v, want loading", st)
	}
	<-started
	write(now.Add(time.Second))
	im.poll() // the second load: it cancels the first and waits for it
	write(now.Add(2 * time.Second))
	im.poll() // the third: it cancels the second, which has not read yet
	mu.Lock()
	if firstCtx.Err() == nil {
		t.Error("the first load's context is not cancelled after a newer load replaced it")
	}
	if reads != 1 {
		t.Errorf("%d reads began while the first was still reading, want 1", reads)
	}
	mu.Unlock()
	close(release)

	select {
	case <-changes:
	case <-time.After(30 * time.Second):
		t.Fatal("no load finished")
	}
	st := im.get(archive)
	if st.loading || st.err != nil || st.image == nil {
		t.Fatalf("after the loads: loading %v, err %v, image %v", st.loading, st.err, st.image != nil)
	}
	mu.Lock()
	defer mu.Unlock()
	if !errors.Is(firstErr, context.Canceled) {
		t.Errorf("the first read ended with %v, want context.Canceled", firstErr)
	}
	if reads != 2 || peak != 1 {
		t.Errorf("%d reads, at most %d at once; want 2 (the first, cancelled, and the last), one at a time", reads, peak)
	}
	if n := len(changes); n != 0 {
		t.Errorf("%d more loads reported a change, want only the last one", n)
	}
}
