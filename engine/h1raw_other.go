//go:build !linux

package engine

import (
	"io"
	"net"
)

// rawIO returns c: raw system calls are for Linux (see h1raw_linux.go).
func rawIO(c net.Conn, network string) io.ReadWriter { return c }
