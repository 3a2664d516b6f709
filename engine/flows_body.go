package engine

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/scenarios"
)

// keptBody is the part of a response body a session keeps for a step's checks and
// extractions: at most limit bytes, in one buffer reused from response to response, so a
// session holds about one body's size (not a growing buffer's double, nor a new buffer each
// response).
type keptBody struct {
	buf   []byte
	limit int64 // the cap (the flow plan's MaxResponseBody)
	cut   int64 // the cap, when the last body was longer than it; else 0
}

// minBodyRead is the first read's room when the length is unknown.
const minBodyRead = 32 << 10

// read reads up to limit bytes of r into the buffer; cut says the body went on past them.
// size is the body's length when known (Content-Length), else -1.
func (k *keptBody) read(r io.Reader, limit, size int64) error {
	k.buf, k.cut = k.buf[:0], 0
	want := limit + 1 // one byte past the cap tells a cut body from one of exactly limit bytes
	if size >= 0 {
		want = min(want, size+1) // the +1 reads the EOF without growing
		k.grow(want)             // one allocation for the session's first body of this size
	}
	for {
		if int64(len(k.buf)) == int64(cap(k.buf)) {
			if int64(cap(k.buf)) >= want {
				if int64(len(k.buf)) > limit { // one byte past the cap: cut
					k.buf, k.cut = k.buf[:limit], limit
					return nil
				}
				want = limit + 1 // a Content-Length that lied: read on to the cap
			}
			k.grow(min(want, nextCap(int64(cap(k.buf)), want)))
		}
		n, err := r.Read(k.buf[len(k.buf):cap(k.buf)])
		k.buf = k.buf[:len(k.buf)+n]
		if int64(len(k.buf)) > limit {
			k.buf, k.cut = k.buf[:limit], limit
			return nil
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// nextCap is the room after c when a body of unknown length fills it: the first read has
// minBodyRead; a longer body gets the whole cap (want) at once, up to bigBodyStep, then
// doubles. A fresh large allocation costs memory (RSS) only for the pages the body touches, so
// this keeps a session near its largest body, where growing by small steps would leave copies
// behind as garbage (and a doubling buffer touched twice).
func nextCap(c, want int64) int64 {
	if c < minBodyRead {
		return minBodyRead
	}
	return min(want, max(2*c, bigBodyStep))
}

// bigBodyStep bounds the room reserved at once for a body of unknown length.
const bigBodyStep = 64 << 20

// grow gives the buffer room for n bytes, keeping what it holds.
func (k *keptBody) grow(n int64) {
	if int64(cap(k.buf)) >= n {
		return
	}
	b := make([]byte, len(k.buf), n)
	copy(b, k.buf)
	k.buf = b
}

// cutMessage says that a check read a body cut at the cap.
func cutMessage(limit int64) string {
	return fmt.Sprintf("the response body is longer than max_response_body (%s): checks and extractions read only its first %s; raise max_response_body in the scenario or --max-response-body",
		scenarios.FormatSize(limit), scenarios.FormatSize(limit))
}

// readBody reads a response body to its end (keeping at most the cap of it when the step's
// checks need it) and closes it. With sample it leaves the first results.MaxErrorBody bytes
// in the response's header for the error sample, as keepErrorBody does for plain runs.
func (s *session) readBody(resp *http.Response, keep, sample bool) error {
	defer resp.Body.Close()
	limit := int64(0)
	switch {
	case keep:
		limit = s.w.body.limit
	case sample:
		limit = results.MaxErrorBody
	}
	s.w.body.buf, s.w.body.cut = s.w.body.buf[:0], 0
	if limit > 0 {
		if err := s.w.body.read(resp.Body, limit, resp.ContentLength); err != nil {
			return err
		}
	}
	rest, err := io.Copy(io.Discard, resp.Body)
	if sample {
		kept := s.w.body.buf[:min(len(s.w.body.buf), results.MaxErrorBody)]
		v := []string{string(kept)}
		if rest > 0 || s.w.body.cut > 0 || len(s.w.body.buf) > len(kept) {
			v = append(v, "truncated")
		}
		resp.Header[errorBodyKey] = v
	}
	return err
}
