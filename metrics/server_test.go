package metrics

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestServerServesAndStops(t *testing.T) {
	e := New(Options{})
	e.Final(handBuilt(t))
	s, err := e.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "loadtest_dropped_iterations_total 7") {
		t.Errorf("GET %s: got\n%s\nwant loadtest_dropped_iterations_total 7", s.URL(), body)
	}
	if resp, err := http.Get("http://" + s.Addr() + "/other"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET /other: got status %d, want 404", resp.StatusCode)
		}
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := net.Dial("tcp", s.Addr()); err == nil {
		t.Errorf("%s still accepts connections after Close", s.Addr())
	}
}

func TestListenAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = New(Options{}).Listen(ln.Addr().String())
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("got %v, want an error wrapping EADDRINUSE", err)
	}
	if !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Errorf("error %q does not name the address", err)
	}
}

func TestLinger(t *testing.T) {
	tests := []struct {
		name     string
		d        time.Duration
		cancel   bool
		wantFull bool
	}{
		{"no linger", 0, false, true},
		{"short linger waits it out", time.Millisecond, false, true},
		{"ctrl-c ends a long linger", time.Hour, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				cancel()
			}
			if got := Linger(ctx, tt.d); got != tt.wantFull {
				t.Errorf("got %v, want %v", got, tt.wantFull)
			}
		})
	}
}

// TestServerClosesIdleConnections: a scraper's kept-alive connection left idle, and one that
// never finishes its headers, are closed by the server (timeouts set short here; the bound
// on the wait is a generous 10s).
func TestServerClosesIdleConnections(t *testing.T) {
	e := New(Options{Timeouts: ServerTimeouts{ReadHeader: 200 * time.Millisecond, Read: 300 * time.Millisecond, Idle: 200 * time.Millisecond}})
	e.Final(handBuilt(t))
	s, err := e.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	tests := []struct {
		name, send string
		answered   bool
	}{
		{"idle after a scrape", "GET " + Path + " HTTP/1.1\r\nHost: x\r\n\r\n", true},
		{"headers never finished", "GET " + Path + " HTTP/1.1\r\nHost: x\r\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", s.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tt.send); err != nil {
				t.Fatal(err)
			}
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(conn)
			if tt.answered {
				resp, err := http.ReadResponse(br, nil)
				if err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("got %v, want a 200 answer", err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			_, err = br.ReadByte()
			var ne net.Error
			switch {
			case errors.As(err, &ne) && ne.Timeout():
				t.Fatal("the connection is still open after 10s, want it closed by the server")
			case err == nil:
				t.Fatal("got more bytes, want the connection closed")
			}
		})
	}
}
