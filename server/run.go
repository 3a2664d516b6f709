package server

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
)

// RunConfig is a server process's configuration: the server's Options, where it listens and
// what else stops it.
type RunConfig struct {
	Options
	// Addr is the HOST:PORT to listen on (port 0 picks a free one).
	Addr string
	// Out receives "listening on http://HOST:PORT" (https:// with TLS) once the server
	// accepts connections; nil discards it.
	Out io.Writer
	// StopOnEOF, when not nil, shuts the server down, as the end of ctx does, once it reaches
	// end of file (or fails): the bundled server's stdin, whose other end only the run that
	// started it holds, so the server does not outlive that run even when it is SIGKILLed.
	StopOnEOF io.Reader
}

// Run is the life of a server process (`loadtest server`): it opens the database (a SQLite
// file in the user cache directory, DefaultDBURL, when Options.DB is empty) and the cache,
// seeds and warms them, listens on Addr, says where on Out, and serves until ctx ends or
// StopOnEOF reaches end of file; then it lets requests in flight finish (up to
// Options.ShutdownTimeout) and closes its backends.
func Run(ctx context.Context, cfg RunConfig) error {
	if cfg.StopOnEOF != nil {
		var stop context.CancelFunc
		ctx, stop = cancelOnEOF(ctx, cfg.StopOnEOF)
		defer stop()
	}
	if cfg.DB == "" {
		u, err := DefaultDBURL()
		if err != nil {
			return err
		}
		cfg.DB = u
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	srv, err := New(ctx, cfg.Options)
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	scheme := "http"
	if srv.TLS() {
		scheme = "https"
	}
	fmt.Fprintf(cfg.Out, "listening on %s://%s\n", scheme, ln.Addr())
	return srv.Serve(ctx, ln)
}

// DefaultDBURL is a SQLite file in the user cache directory (loadtest/server.db), the
// directory created if needed.
func DefaultDBURL() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("default database: %w (pass --db)", err)
	}
	dir = filepath.Join(dir, "loadtest")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("default database: %w (pass --db)", err)
	}
	return "sqlite://" + filepath.Join(dir, "server.db"), nil
}

// cancelOnEOF returns a context that is cancelled once in reaches end of file (or fails).
func cancelOnEOF(ctx context.Context, in io.Reader) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		_, _ = io.Copy(io.Discard, in)
		cancel()
	}()
	return ctx, cancel
}
