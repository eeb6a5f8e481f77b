package history

// LeftoverKind returns the package-manager cache or temporary directory a file at p (a path without a leading
// slash) is in, as Step.Leftovers counts it ("apt", "pip", "tmp", ...), or "" when it is in none.
func LeftoverKind(p string) string { return leftoverKind(p) }
