package source

import (
	"bytes"
	"log"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"docker://alice:s3cret@127.0.0.1:5124/app:v1", "docker://***@127.0.0.1:5124/app:v1"},
		{`parsing image reference "alice:s3cret@127.0.0.1:5124/app:v1": bad`, `parsing image reference "***@127.0.0.1:5124/app:v1": bad`},
		{"Get https://bob@registry.example/v2/: 401", "Get https://***@registry.example/v2/: 401"},
		{"GET https://s3.example/blob?X-Amz-Signature=abcdef&X-Amz-Date=1", "GET https://s3.example/blob?X-Amz-Signature=***&X-Amz-Date=1"},
		{"GET https://auth.example/token?scope=pull&token=tok123", "GET https://auth.example/token?scope=pull&token=***"},
		{"Authorization: Bearer eyJhbGciOi.xyz", "Authorization: Bearer ***"},
		{"authorization=Basic YWxpY2U6czNjcmV0", "authorization=Basic ***"},
		{"sent Basic YWxpY2U6czNjcmV0 to x", "sent Basic *** to x"},
		{"the password is hunter22 today", "the password is *** today"},
		// Not secrets: digests, e-mail addresses, plain references.
		{"docker://127.0.0.1:5000/app:v1@sha256:" + strings.Repeat("a", 64), "docker://127.0.0.1:5000/app:v1@sha256:" + strings.Repeat("a", 64)},
		{"debian:bookworm@sha256:" + strings.Repeat("0", 64), "debian:bookworm@sha256:" + strings.Repeat("0", 64)},
		{"mail alice@example.com", "mail alice@example.com"},
		{"opening image docker-archive:app.tar: no such file", "opening image docker-archive:app.tar: no such file"},
	} {
		if got := Redact(tc.in, "hunter22"); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRedactWriter(t *testing.T) {
	var buf bytes.Buffer
	l := log.New(RedactWriter(&buf, "pa55word"), "x: ", 0)
	l.Printf("image docker://u:pa55word@h/app:v1 failed with pa55word")
	if strings.Contains(buf.String(), "pa55word") {
		t.Errorf("log line kept the secret: %q", buf.String())
	}
}

func TestParseCredentials(t *testing.T) {
	c, hasPass, err := ParseCredentials("alice:s3:cret", "--creds")
	if err != nil || !hasPass || c.Username != "alice" || c.Password != "s3:cret" || c.From != "--creds" {
		t.Errorf("ParseCredentials(alice:s3:cret) = %+v, %v, %v", c, hasPass, err)
	}
	if c, hasPass, err := ParseCredentials("alice", "--creds"); err != nil || hasPass || c.Username != "alice" {
		t.Errorf("ParseCredentials(alice) = %+v, %v, %v; want a user without a password", c, hasPass, err)
	}
	for _, bad := range []string{"", ":s3cret", "alice:", "ali\nce:s3cret", "alice:s3\x00cret"} {
		_, _, err := ParseCredentials(bad, "LAYERLINT_REGISTRY_CREDS")
		if err == nil {
			t.Errorf("ParseCredentials(%q): no error", bad)
			continue
		}
		if strings.Contains(err.Error(), "s3") || !strings.HasPrefix(err.Error(), "LAYERLINT_REGISTRY_CREDS ") {
			t.Errorf("ParseCredentials(%q) = %v: want an error naming the variable, never quoting the value", bad, err)
		}
	}
}

// FuzzParseCredentials checks that parsing never panics, that an error never quotes the input, and that a
// parsed password is redacted from any message that holds it.
func FuzzParseCredentials(f *testing.F) {
	for _, s := range []string{"alice:s3cret", "alice", ":", "a:b:c", "ü:ß", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, _, err := ParseCredentials(s, "--creds")
		if err != nil {
			if len(s) >= 4 && strings.Contains(err.Error(), s) {
				t.Fatalf("error %q quotes the input", err)
			}
			return
		}
		if len(c.Password) >= 3 {
			msg := "docker://" + c.Username + ":" + c.Password + "@host/app failed: " + c.Password
			if got := Redact(msg, c.Secrets()...); strings.Contains(got, c.Password) {
				t.Fatalf("Redact kept the password: %q", got)
			}
		}
	})
}
