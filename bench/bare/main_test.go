package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loadtestdev/loadtest/server"
)

// TestEchoAnswersAsTheReferenceServer starts the bare server as main does and the reference
// server in-process, sends GET /echo to each, and wants the same status, headers (but Date)
// and body: bench/peers.sh compares their throughput on the same bytes.
func TestEchoAnswersAsTheReferenceServer(t *testing.T) {
	bare := startBare(t)
	ref := startReference(t)
	got, want := get(t, bare+"/echo"), get(t, ref+"/echo")
	if got != want {
		t.Errorf("bare server answers GET /echo with\n%s\nwant (the reference server's)\n%s", got, want)
	}
	if resp, err := http.Get(bare + "/other"); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /other: got status %d, want 404", resp.StatusCode)
	}
}

// startBare runs serve on a free loopback port until the test ends and returns its URL, read
// from the line serve prints.
func startBare(t *testing.T) string {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- serve(ctx, "127.0.0.1:0", pw); pw.Close() }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the listening line: %v", err)
	}
	go io.Copy(io.Discard, pr)
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("serve printed %q, want listening on URL", line)
	}
	return url
}

// startReference runs the reference server with an empty SQLite database on a free loopback
// port until the test ends and returns its URL.
func startReference(t *testing.T) string {
	srv, err := server.New(context.Background(), server.Options{DB: "sqlite://" + filepath.Join(t.TempDir(), "ref.db"), Users: 1})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done; srv.Close() })
	return "http://" + ln.Addr().String()
}

// get returns the status line, the headers but Date, sorted, and the body of GET url.
func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Header.Del("Date")
	var b strings.Builder
	b.WriteString(resp.Status + "\n")
	resp.Header.Write(&b) // sorted by name
	b.WriteString("\n" + string(body))
	return b.String()
}
