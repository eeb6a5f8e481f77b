package lsp_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// TestMemoryWithLargeImage measures the resident memory of layerls after it loaded the image named by
// LAYERLS_MEM_IMAGE (for example a ~1 GiB archive from `go run ./layerdiff/internal/imagegen/cmd/gen
// -scale 1.3`), and fails above 64 MiB. Skipped without the variable.
func TestMemoryWithLargeImage(t *testing.T) {
	image := os.Getenv("LAYERLS_MEM_IMAGE")
	if image == "" {
		t.Skip("set LAYERLS_MEM_IMAGE to a large image archive")
	}
	bin := buildLayerls(t)
	dir := t.TempDir()
	text := "FROM scratch\nCOPY . /app\nRUN make\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--no-cache")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	conn := jsonrpc2.NewConn(jsonrpc2.NewStream(stdio{stdout, stdin}))
	c := &client{t: t, conn: conn, diags: map[protocol.DocumentURI]protocol.PublishDiagnosticsParams{}, changed: make(chan struct{}, 1)}
	conn.Go(context.Background(), c.handle)
	var res map[string]any
	c.call(protocol.MethodInitialize, map[string]any{"rootUri": fileURI(dir), "capabilities": map[string]any{},
		"initializationOptions": map[string]any{"layerlint": map[string]any{"image": image}}}, &res)
	c.notify(protocol.MethodInitialized, map[string]any{})
	u := c.open(filepath.Join(dir, "Dockerfile"), text)
	start := time.Now()
	c.waitDiagnostics(u, 1, func(ds []protocol.Diagnostic) bool {
		return slices.ContainsFunc(ds, func(d protocol.Diagnostic) bool { return d.Code == "image-mismatch" || d.Code == "image" })
	})
	t.Logf("image loaded and aligned in %s", time.Since(start).Round(time.Millisecond))
	for _, field := range []string{"VmHWM", "VmRSS"} {
		kb := procStatus(t, cmd.Process.Pid, field)
		t.Logf("%s: %.1f MiB", field, float64(kb)/1024)
		if field == "VmHWM" && kb > 64*1024 {
			t.Errorf("peak resident memory %.1f MiB, want at most 64 MiB", float64(kb)/1024)
		}
	}
}

func procStatus(t *testing.T, pid int, field string) int {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	m := regexp.MustCompile(`(?m)^` + field + `:\s+(\d+) kB`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("no %s in /proc/%d/status", field, pid)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}
