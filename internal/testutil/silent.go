package testutil

import (
	"net"
	"sync/atomic"
	"testing"
)

// SilentListener listens on a loopback port, accepts every connection and never answers: the
// local stand-in for a dead or hanging peer in a timeout test. It returns its host:port and how
// many connections it has accepted; it and its connections are closed with the test.
func SilentListener(t testing.TB) (addr string, accepted *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted = new(atomic.Int64)
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				for _, c := range conns {
					c.Close()
				}
				return
			}
			accepted.Add(1)
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String(), accepted
}
