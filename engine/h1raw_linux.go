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
// every 20 µs: in a perf profile of a paced 10,000 requests per second on one processor
// (tuneProcs), sysmon took 7% of the generator's CPU and the threads' hand-offs (startm,
// stopm: futex calls and context switches) about as much; with raw calls a run at that rate
// takes about a tenth less CPU.
type rawTCPConn struct {
	*net.TCPConn
	rc      syscall.RawConn
	network string // as dialled: net.OpError's Net

	// the state of the read and the write in progress, and the calls rc runs on them, bound
	// once: a closure per Read or Write would be two allocations each
	r, w            rawCall
	readFn, writeFn func(fd uintptr) bool
}

// rawCall is a read or write in progress: its buffer, the bytes done, the call's error.
type rawCall struct {
	p   []byte
	n   int
	err error
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
	rw := &rawTCPConn{TCPConn: tc, rc: rc, network: network}
	rw.readFn, rw.writeFn = rw.read, rw.write
	return rw
}

// Read is internal/poll's FD.Read under net.conn.Read.
func (c *rawTCPConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if len(p) > maxRW {
		p = p[:maxRW]
	}
	c.r = rawCall{p: p}
	err := c.rc.Read(c.readFn)
	n, callErr := c.r.n, c.r.err
	c.r = rawCall{}
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

// read is Read's call, false to wait until the socket is readable.
func (c *rawTCPConn) read(fd uintptr) bool {
	for {
		n, errno := rawRead(fd, c.r.p)
		switch {
		case errno == syscall.EINTR:
			continue
		case errno == syscall.EAGAIN:
			return false
		case errno != 0:
			c.r.err = os.NewSyscallError("read", errno)
		case n == 0:
			c.r.err = io.EOF
		default:
			c.r.n = n
		}
		return true
	}
}

// Write is internal/poll's FD.Write under net.conn.Write.
func (c *rawTCPConn) Write(p []byte) (int, error) {
	c.w = rawCall{p: p}
	err := c.rc.Write(c.writeFn)
	nn, callErr := c.w.n, c.w.err
	c.w = rawCall{}
	switch {
	case err != nil:
		return nn, readOrWrite(err, "write")
	case callErr != nil:
		return nn, c.opError("write", callErr)
	}
	return nn, nil
}

// write is Write's call, false to wait until the socket is writable.
func (c *rawTCPConn) write(fd uintptr) bool {
	for c.w.n < len(c.w.p) {
		n, errno := rawWrite(fd, c.w.p[c.w.n:min(len(c.w.p), c.w.n+maxRW)])
		switch {
		case errno == syscall.EINTR:
			continue
		case errno == syscall.EAGAIN:
			return false
		case errno != 0:
			c.w.err = os.NewSyscallError("write", errno)
			return true
		case n == 0:
			c.w.err = io.ErrUnexpectedEOF
			return true
		}
		c.w.n += n
	}
	return true
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
