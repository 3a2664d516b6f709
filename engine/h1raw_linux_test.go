package engine

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (client *net.TCPConn, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(); _ = s.Close() })
	return c.(*net.TCPConn), s
}

// sameOpError fails unless got is the error want is, but for the connection's addresses
// (each of the two was on its own connection).
func sameOpError(t *testing.T, got, want error, gotConn, wantConn net.Conn) {
	t.Helper()
	if want == nil || got == nil {
		if got != want {
			t.Fatalf("got %v, want %v", got, want)
		}
		return
	}
	var g, w *net.OpError
	if !errors.As(got, &g) || !errors.As(want, &w) {
		if got.Error() != want.Error() {
			t.Fatalf("got %v, want %v", got, want)
		}
		return
	}
	if g.Op != w.Op || g.Net != w.Net || g.Err.Error() != w.Err.Error() ||
		g.Source.String() != gotConn.LocalAddr().String() || g.Addr.String() != gotConn.RemoteAddr().String() ||
		w.Source.String() != wantConn.LocalAddr().String() {
		t.Fatalf("got %#v (%v), want %#v (%v)", g, g, w, w)
	}
	for _, target := range []error{io.EOF, io.ErrUnexpectedEOF, net.ErrClosed, os.ErrDeadlineExceeded, syscall.ECONNRESET, syscall.EPIPE} {
		if errors.Is(got, target) != errors.Is(want, target) {
			t.Fatalf("errors.Is(%v, %v) differs from net.TCPConn's %v", got, target, want)
		}
	}
}

// TestRawTCPConnErrors holds rawTCPConn's reads and writes to net.TCPConn's: the same bytes
// and the same errors (end of file, deadlines, a closed connection, a reset peer).
func TestRawTCPConnErrors(t *testing.T) {
	tests := []struct {
		name string
		// do makes the call to compare on rw, over c to peer
		do func(t *testing.T, rw io.ReadWriter, c *net.TCPConn, peer net.Conn) (string, error)
	}{
		{"read data", func(t *testing.T, rw io.ReadWriter, c *net.TCPConn, peer net.Conn) (string, error) {
			_, _ = peer.Write([]byte("hello"))
			b := make([]byte, 16)
			n, err := io.ReadAtLeast(rw, b, 5)
			return string(b[:n]), err
		}},
		{"write data", func(t *testing.T, rw io.ReadWriter, c *net.TCPConn, peer net.Conn) (string, error) {
			n, err := rw.Write([]byte("hello"))
			b := make([]byte, 5)
			_, _ = io.ReadFull(peer, b)
			return string(b[:n]), err
		}},
		{"empty read", func(t *testing.T, rw io.ReadWriter, c *net.TCPConn, peer net.Conn) (string, error) {
			n, err := rw.Read(nil)
			return string(rune('0' + n)), err
		}},
		{"read at end", func(t *testing.T, rw io.ReadWriter, c *net.TCPConn, peer net.Conn) (string, error) {
			_ = peer.Close()
			n, err := rw.Read(make([]byte, 8))
			return string(rune('0' + n)), err
		}},
		{"read deadline", func(t *testing.T, rw io.ReadWriter, c *net.TCPConn, peer net.Conn) (string, error) {
			_ = c.SetDeadline(time.Now().Add(20 * time.Millisecond))
			n, err := rw.Read(make([]byte, 8))
			return string(rune('0' + n)), err
		}},
		{"write past deadline", func(t *testing.T, rw io.ReadWriter, c *net.TCPConn, peer net.Conn) (string, error) {
			_ = c.SetDeadline(time.Unix(1, 0))
			n, err := rw.Write([]byte("x"))
			return string(rune('0' + n)), err
		}},
		{"read closed", func(t *testing.T, rw io.ReadWriter, c *net.TCPConn, peer net.Conn) (string, error) {
			_ = c.Close()
			n, err := rw.Read(make([]byte, 8))
			return string(rune('0' + n)), err
		}},
		{"write closed", func(t *testing.T, rw io.ReadWriter, c *net.TCPConn, peer net.Conn) (string, error) {
			_ = c.Close()
			n, err := rw.Write([]byte("x"))
			return string(rune('0' + n)), err
		}},
		{"read reset", func(t *testing.T, rw io.ReadWriter, c *net.TCPConn, peer net.Conn) (string, error) {
			_ = peer.(*net.TCPConn).SetLinger(0)
			_, _ = rw.Write([]byte("x")) // unread by the peer: its close resets
			_ = peer.Close()
			time.Sleep(20 * time.Millisecond)
			n, err := rw.Read(make([]byte, 8))
			return string(rune('0' + n)), err
		}},
		{"write reset", func(t *testing.T, rw io.ReadWriter, c *net.TCPConn, peer net.Conn) (string, error) {
			_ = peer.(*net.TCPConn).SetLinger(0)
			_ = peer.Close()
			time.Sleep(20 * time.Millisecond)
			var err error
			for range 3 { // the first write may still be accepted
				if _, err = rw.Write([]byte("x")); err != nil {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			return "", err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wc, wpeer := tcpPair(t)
			want, wantErr := tc.do(t, wc, wc, wpeer)
			gc, gpeer := tcpPair(t)
			rw := rawIO(gc, "tcp")
			if _, ok := rw.(*rawTCPConn); !ok {
				t.Fatalf("rawIO returned a %T", rw)
			}
			got, gotErr := tc.do(t, rw, gc, gpeer)
			if got != want {
				t.Errorf("got %q, want %q", got, want)
			}
			sameOpError(t, gotErr, wantErr, gc, wc)
		})
	}
}
