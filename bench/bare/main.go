// Command bare is the smallest net/http server that answers GET /echo as the reference server
// (`loadtest server`) does: 200, "ok", Content-Type text/plain; charset=utf-8. bench/peers.sh
// loads both with the same tool and reports the reference server's max throughput as a ratio of
// this one's: what the server's routing, metrics, in-flight accounting and timeouts cost.
//
//	go run ./bench/bare --addr 127.0.0.1:0
//
// It prints "listening on http://HOST:PORT" once it accepts connections, as `loadtest server`
// does, and serves until SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on; port 0 picks a free one")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *addr, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(1)
	}
}

// echoBody is what GET /echo answers, as the reference server's echo tier does.
var echoBody = []byte("ok")

// handler answers GET /echo with 200 and "ok"; anything else gets net/http's 404 or 405.
func handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /echo", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(echoBody)
	})
	return mux
}

// serve listens on addr, writes "listening on http://ADDR" to out and serves until ctx ends.
func serve(ctx context.Context, addr string, out io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// ReadHeaderTimeout only, as linters ask: no other timeout, middleware or accounting
	hs := &http.Server{Handler: handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(out, "listening on http://%s\n", ln.Addr())
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
