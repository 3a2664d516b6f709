package engine

import (
	"io"
	"net"
	"os"
	"syscall"
)

// rawTCPConn reads and writes a TCP connection as net.TCPConn does (the same waits for the
// socket, deadlines, partial writes and errors, to the *net.OpError), but makes its read and
// write system calls with syscall.RawSyscall (rawRead, rawWrite), without telling the
// scheduler: a read or write of a non-blocking socket never blocks. Through net.TCPConn every such call enters and leaves
// the scheduler's syscall state, and one that lasts past a sysmon tick (a loopback write runs
// the receiving side's TCP stack too) has its processor handed to another thread, which finds
// nothing to do and sleeps again, while sysmon, finding processors to retake, keeps waking
// every 20 µs: at a paced 10,000 requests per second on one processor (tuneProcs) those
// futex and nanosleep calls and their context switches cost about a seventh of the
// generator's CPU.
type rawTCPConn struct {
	*net.TCPConn
	rc      syscall.RawConn
	network string // as dialled: net.OpError's Net
}

// maxRW is the most internal/poll reads or writes in one call on a stream.
const maxRW = 1 << 30

// rawIO returns c's reader and writer: c itself but for a *net.TCPConn, which a rawTCPConn
// reads and writes.
func rawIO(c net.Conn, network string) io.ReadWriter {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	return &rawTCPConn{TCPConn: tc, rc: rc, network: network}
}

// Read is internal/poll's FD.Read under net.conn.Read.
func (c *rawTCPConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if len(p) > maxRW {
		p = p[:maxRW]
	}
	var n int
	var callErr error
	err := c.rc.Read(func(fd uintptr) bool {
		for {
			r, errno := rawRead(fd, p)
			switch {
			case errno == syscall.EINTR:
				continue
			case errno == syscall.EAGAIN:
				return false // wait until the socket is readable
			case errno != 0:
				callErr = os.NewSyscallError("read", errno)
			case r == 0:
				callErr = io.EOF
			default:
				n = r
			}
			return true
		}
	})
	switch {
	case err != nil:
		return 0, readOrWrite(err, "read")
	case callErr == io.EOF:
		return 0, io.EOF
	case callErr != nil:
		return 0, c.opError("read", callErr)
	}
	return n, nil
}

// Write is internal/poll's FD.Write under net.conn.Write.
func (c *rawTCPConn) Write(p []byte) (int, error) {
	var nn int
	var callErr error
	err := c.rc.Write(func(fd uintptr) bool {
		for nn < len(p) {
			chunk := p[nn:min(len(p), nn+maxRW)]
			w, errno := rawWrite(fd, chunk)
			switch {
			case errno == syscall.EINTR:
				continue
			case errno == syscall.EAGAIN:
				return false // wait until the socket is writable
			case errno != 0:
				callErr = os.NewSyscallError("write", errno)
				return true
			case w == 0:
				callErr = io.ErrUnexpectedEOF
				return true
			}
			nn += w
		}
		return true
	})
	switch {
	case err != nil:
		return nn, readOrWrite(err, "write")
	case callErr != nil:
		return nn, c.opError("write", callErr)
	}
	return nn, nil
}

// readOrWrite is the error of a raw call's wait (a deadline, a closed connection) as net.conn
// returns it: its "raw-read" or "raw-write" net.OpError as a "read" or "write" one.
func readOrWrite(err error, op string) error {
	if oe, ok := err.(*net.OpError); ok {
		e := *oe
		e.Op = op
		return &e
	}
	return err
}

// opError is net.conn's error for a failed read or write call.
func (c *rawTCPConn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: c.network, Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}
