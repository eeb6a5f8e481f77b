package main

import (
	"os"
	"testing"

	"github.com/layerlint/layerlint/internal/dockertest"
)

// TestMain stops the Docker daemon the daemon tests share (dockertest.Shared).
func TestMain(m *testing.M) { os.Exit(dockertest.Main(m)) }
