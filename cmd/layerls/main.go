// Command layerls is layerlint's language server: it speaks LSP on stdin and stdout and shows, on every
// Dockerfile instruction, the size of its layer and whether the next build takes it from cache.
//
// Usage:
//
//	layerls [--stdio] [--version]
//
// Logs go to stderr. The image and build context of a Dockerfile come from .layerlint.yaml (image:,
// context:) or from the client's settings (layerlint.image, layerlint.context).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/layerlint/layerlint/layerdiff"
	"github.com/layerlint/layerlint/layerdiff/source"
	"github.com/layerlint/layerlint/lsp"
)

// version is set at link time with -ldflags "-X main.version=v1.2.3".
var version = ""

func main() {
	os.Exit(run())
}

func run() int {
	fs := flag.NewFlagSet("layerls", flag.ContinueOnError)
	fs.Bool("stdio", true, "speak LSP on stdin and stdout (the default and only transport)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	noCache := fs.Bool("no-cache", false, "do not keep layer listings in the user cache directory")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	if *showVersion {
		fmt.Println("layerls", versionString())
		return 0
	}
	// Every log line is cleaned of credentials (user:password@ in references, tokens in URLs).
	logger := log.New(source.RedactWriter(os.Stderr), "layerls: ", log.LstdFlags)
	opts := lsp.Options{Version: versionString(), Logger: logger}
	if !*noCache {
		if dir, err := layerdiff.DefaultCacheDir(); err == nil {
			opts.ListingStoreDir = dir
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := lsp.ServeStreams(ctx, os.Stdin, os.Stdout, os.Stdin, opts); err != nil {
		logger.Print(err)
		return 1
	}
	return 0
}

// versionString is the link-time version, or the module version Go recorded in the binary.
func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "devel"
}
