// Package version is the version the commands print with --version.
package version

import "runtime/debug"

// stamped is set at link time by scripts/dist.sh:
// -ldflags "-X github.com/layerlint/layerlint/internal/version.stamped=v1.2.3".
var stamped = ""

// String returns the version stamped at link time, else the module version Go recorded in the binary
// (go install …@v1.2.3), else "devel".
func String() string {
	if stamped != "" {
		return stamped
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
