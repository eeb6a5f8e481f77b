// Package tooltest holds the project's one rule for tests that need a program
// the machine may lack (buildah, skopeo, docker-registry, node, pre-commit):
// without it the test is skipped, saying how to install it, except under
// LAYERLINT_REQUIRE_TOOLS=1, which scripts/test.sh sets, where it fails, so
// CI never passes by skipping.
package tooltest

import (
	"os"
	"os/exec"
	"testing"
)

// Env is the variable that turns a missing tool into a failure when it is 1.
const Env = "LAYERLINT_REQUIRE_TOOLS"

// Missing ends the test for want of what: a skip, or a failure under Env=1.
// install says how to get it ("apt-get install skopeo").
func Missing(t testing.TB, what, install string) {
	t.Helper()
	msg := what + " not found (" + install + ")"
	if os.Getenv(Env) == "1" {
		t.Fatalf("%s and %s=1", msg, Env)
	}
	t.Skip(msg + ": skipping")
}

// Require returns the path of the program name, found on PATH, or ends the
// test with Missing; pkg is the Debian package that has it.
func Require(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name, "apt-get install "+pkg)
	}
	return p
}
