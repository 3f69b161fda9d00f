// Command hogsend-db migrates, checks and repairs the two migration tracks
// of a Hogsend PostgreSQL database. See docs/cli.md for the reference.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the program on this process's stdin and environment.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runWith(ctx, args, system{stdin: os.Stdin, getenv: os.Getenv}, stdout, stderr)
}
