// Command server is a minimal Hogsend-style server showing guard in use:
// it refuses to start when the engine schema is behind this build (exit 1,
// with the boot message on stderr) and serves GET /v1/health.
//
//	DATABASE_URL=postgres://... PORT=8080 go run ./examples/server
//
// Flags override the environment: -database-url, -addr, -migrations.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hogsend/hogsend-db/guard"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stderr)
	stop()
	os.Exit(code)
}

// run starts the server and blocks until ctx ends (exit code 0) or it
// cannot start (1) or the flags are wrong (2).
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	defaultAddr := ":8080"
	if p := getenv("PORT"); p != "" {
		defaultAddr = ":" + p
	}
	dbURL := fs.String("database-url", getenv("DATABASE_URL"), "PostgreSQL URL (default $DATABASE_URL)")
	addr := fs.String("addr", defaultAddr, "listen address (default :$PORT or :8080)")
	migrations := fs.String("migrations", "migrations", "client migrations folder (drizzle-kit); the default may be absent (the client track is then not checked), a folder named here must exist")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *dbURL == "" {
		fmt.Fprintln(stderr, "server: set DATABASE_URL or -database-url")
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))

	pool, err := pgxpool.New(ctx, *dbURL)
	if err != nil {
		fmt.Fprintln(stderr, "server: database URL:", err) // pgx never echoes the password
		return 1
	}
	defer pool.Close()

	// The client folder: one named with -migrations must be a drizzle-kit
	// folder (guard refuses anything else); the default may be absent.
	opts := []guard.Option{guard.WithLogger(logger)}
	named := false
	fs.Visit(func(f *flag.Flag) { named = named || f.Name == "migrations" })
	if _, err := os.Stat(*migrations); err == nil || named {
		opts = append(opts, guard.WithClientMigrations(os.DirFS(*migrations)))
	}

	// The boot check: engine migrations pending means this build must not serve.
	g, err := guard.Boot(ctx, pool, opts...)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}

	mux := http.NewServeMux()
	mux.Handle("GET /v1/health", g.Handler()) // the one line that mounts the health endpoint

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "server:", err)
		return 1
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	logger.Info("listening", "addr", ln.Addr().String())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		fmt.Fprintln(stderr, "server:", err)
		return 1
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(stderr, "server: shutdown:", err)
		return 1
	}
	logger.Info("stopped")
	return 0
}
