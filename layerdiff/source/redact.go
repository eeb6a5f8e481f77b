package source

import (
	"io"
	"regexp"
	"strings"
)

// Redacted replaces a secret in every message Redact cleans.
const Redacted = "***"

var (
	// Query parameters that carry credentials: registry tokens, signed blob URLs (S3, GCS, Azure).
	secretQuery = regexp.MustCompile(`(?i)([?&](?:token|access_token|refresh_token|id_token|password|passwd|secret|client_secret|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential)=)[^&\s"'<>]+`)
	// Authorization header values, and Basic or Bearer credentials wherever they are quoted.
	authHeader   = regexp.MustCompile(`(?i)(authorization"?\s*[:=]\s*"?)(?:(basic|bearer)\s+)?[^\s"',;]+`)
	schemeSecret = regexp.MustCompile(`(?i)\b(basic|bearer)\s+[A-Za-z0-9._~+/=-]{8,}`)
	// A digest right after "@": "app:v1@sha256:..." is a reference, not user information.
	digestAfterAt = regexp.MustCompile(`^[a-z0-9]+[:][0-9a-fA-F]{32}`)
)

// Redact returns s without the secrets it may carry: the user information of URLs and image references
// (alice:s3cret@host becomes ***@host), credential query parameters (?token=..., signed URLs), Authorization
// header values and Basic or Bearer credentials, and every occurrence of the given secrets (passwords and
// tokens the program was handed). Every message, log line and report that may quote a reference or a
// registry's answer goes through it.
func Redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 3 {
			s = strings.ReplaceAll(s, sec, Redacted)
		}
	}
	s = redactUserinfo(s)
	s = secretQuery.ReplaceAllString(s, "${1}"+Redacted)
	s = authHeader.ReplaceAllStringFunc(s, func(m string) string {
		sub := authHeader.FindStringSubmatch(m)
		if sub[2] != "" {
			return sub[1] + sub[2] + " " + Redacted
		}
		return sub[1] + Redacted
	})
	return schemeSecret.ReplaceAllString(s, "${1} "+Redacted)
}

// redactUserinfo replaces USER:PASS@ (and USER@ after a URL scheme) with ***@. A word counts as user
// information when it holds a colon before the "@", or follows "://"; "app:v1@sha256:..." is a digest.
func redactUserinfo(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '@' || digestAfterAt.MatchString(s[i+1:]) {
			continue
		}
		start := i
		for start > last && !isWordBoundary(s[start-1]) {
			start--
		}
		word := s[start:i]
		afterScheme := start >= 3 && s[start-3:start] == "://"
		if word == "" || word == Redacted || (!strings.Contains(word, ":") && !afterScheme) {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(Redacted)
		last = i
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isWordBoundary(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '"', '\'', '`', '(', ')', '[', ']', '<', '>', '/', ',', ';', '=', '{', '}':
		return true
	}
	return false
}

// redactedError is an error whose message is cleaned by Redact; errors.Is and errors.As still see the cause.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// RedactError returns err with its message cleaned by Redact (nil for nil).
func RedactError(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := Redact(err.Error(), secrets...)
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// RedactWriter returns a writer that cleans what it is given with Redact before passing it to w. Each Write
// is cleaned on its own, which suits loggers: log.Logger writes a whole line at a time.
func RedactWriter(w io.Writer, secrets ...string) io.Writer {
	return &redactWriter{w: w, secrets: secrets}
}

type redactWriter struct {
	w       io.Writer
	secrets []string
}

func (r *redactWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, Redact(string(p), r.secrets...)); err != nil {
		return 0, err
	}
	return len(p), nil
}
