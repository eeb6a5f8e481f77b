// Command floor reads docker-archives the least a diff can: every layer tar walked once and every regular
// file hashed with XXH3, layers in parallel (see imagegen.ReadAndHash). bench/run.sh compares layerdiff with
// its wall time.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"

	"github.com/layerlint/layerlint/layerdiff/internal/imagegen"
)

func main() {
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "layers read at once")
	dedup := flag.Bool("dedup", false, "read a layer that several archives hold once")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: floor [-workers N] [-dedup] ARCHIVE...")
		os.Exit(2)
	}
	st, err := imagegen.ReadAndHash(context.Background(), flag.Args(), *workers, *dedup)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(2)
	}
	fmt.Printf("%d layers, %d files, %.1f MB of tar, sum %016x\n", st.Layers, st.Files, float64(st.TarBytes)/1e6, st.Sum)
}
