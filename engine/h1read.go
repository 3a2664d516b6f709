package engine

import (
	"bytes"
	"io"
	"net/http"
	"net/textproto"
	"strings"
	"sync/atomic"
)

// h1Response is a response read by readHead and its body, in one allocation.
type h1Response struct {
	resp http.Response
	body h1Body
}

var headEnd = []byte("\r\n\r\n")

// maxCanonicalKeys bounds a connection's cache of canonical header names.
const maxCanonicalKeys = 32

// readHead reads the response to req from c.br as http.ReadResponse would, for the responses a
// load test reads most: its whole head already buffered, HTTP/1.1, a final status other than
// 204 and 304, a single Content-Length and no Transfer-Encoding, Trailer or Pragma, a
// Connection of "close" or "keep-alive" if any, and no line folded, bare LF or malformed
// header line. It returns nil, having consumed nothing, for any other response (and for a
// HEAD request), which http.ReadResponse then reads. ReadResponse builds a textproto reader,
// a string per line and per value, a map entry slice per header and a body reader of two
// parts, canonicalizing every header name anew: nine of a hit's twelve allocations, and 7%
// of the generator's CPU in a perf profile of a run at 10,000 requests per second. readHead converts the head
// into one string that the status and the values share, takes the names from the
// connection's cache, and reads the body itself (h1Body.readLength). TestReadHead and
// FuzzReadHead hold it to http.ReadResponse's result on the same bytes.
//
// A request whose context holds an *h1Scratch (h1ScratchKey) has its response read into it.
func (c *h1Conn) readHead(req *http.Request) *h1Response {
	if req.Method == "HEAD" {
		return nil
	}
	buf, _ := c.br.Peek(c.br.Buffered())
	end := bytes.Index(buf, headEnd)
	if end < 0 {
		return nil
	}
	head := string(buf[:end+2]) // every line with its CRLF
	line, rest, _ := strings.Cut(head, "\r\n")
	status, code, ok := statusLine(line)
	if !ok {
		return nil
	}
	n := strings.Count(rest, "\r\n")
	scratch, _ := req.Context().Value(h1ScratchKey{}).(*h1Scratch)
	h, strs := scratch.header(n)
	length, closing, lengths, conns := int64(-1), false, 0, 0
	for rest != "" {
		line, rest, _ = strings.Cut(rest, "\r\n")
		key, value, ok := c.headerLine(line)
		if !ok {
			return nil
		}
		switch key {
		case "Content-Length":
			if lengths++; lengths > 1 {
				return nil
			}
			if length, ok = contentLength(value); !ok {
				return nil
			}
		case "Connection":
			if conns++; conns > 1 {
				return nil
			}
			switch {
			case strings.EqualFold(value, "close"):
				closing = true
			case !strings.EqualFold(value, "keep-alive"):
				return nil
			}
		case "Transfer-Encoding", "Trailer", "Pragma":
			return nil
		}
		if vv, seen := h[key]; seen {
			h[key] = append(vv, value)
			continue
		}
		vv := strs[:1:1]
		strs = strs[1:]
		vv[0] = value
		h[key] = vv
	}
	if length < 0 {
		return nil // the body ends with the connection: ReadResponse's
	}
	if closing {
		delete(h, "Connection") // as net/http's shouldClose does for HTTP/1.1
	}
	if _, err := c.br.Discard(end + 4); err != nil {
		return nil // cannot happen: the bytes are buffered
	}
	var r *h1Response
	if scratch != nil {
		r = &scratch.r
	} else {
		r = new(h1Response)
	}
	r.resp = http.Response{
		Status: status, StatusCode: code, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, ContentLength: length, Close: closing, Request: req,
	}
	r.body = h1Body{br: c.br, left: length}
	r.resp.Body = &r.body
	return r
}

// h1Scratch is what one of the attacker's workers lends readHead to read its responses into,
// from hit to hit: the response and its body, the header map and the slice behind its values.
// The worker keeps nothing of a response once its hit is recorded, and sends its next hit only
// then; requests that follow redirects, whose hops outlive the next response, get none.
type h1Scratch struct {
	r    h1Response
	strs []string
	// sent is set by h1Transport.RoundTrip: the request went through it (worker.recycle)
	sent bool
	// watch, when set, ends the requests sent with the scratch at its cut instead of a
	// context.AfterFunc each (see cutWatch): conn is the connection of the one in flight,
	// unwatch forgets it and says, as AfterFunc's stop does, whether the cut had not come
	watch   *cutWatch
	conn    atomic.Pointer[h1Conn]
	unwatch func() bool
}

// h1ScratchKey is the context key of a request's *h1Scratch.
type h1ScratchKey struct{}

// header returns an empty header for n lines and the slice that backs the value of each
// name's first line: new ones, or s's emptied.
func (s *h1Scratch) header(n int) (http.Header, []string) {
	if s == nil {
		return make(http.Header, n), make([]string, n)
	}
	h := s.r.resp.Header
	if h == nil {
		h = make(http.Header, n)
	}
	clear(h)
	if cap(s.strs) < n {
		s.strs = make([]string, n)
	}
	strs := s.strs[:n]
	clear(strs)
	return h, strs
}

// statusLine parses line as an HTTP/1.1 status line with a three-digit final status other than
// 204 and 304 (ReadResponse's Status is what follows the version); false for any other.
func statusLine(line string) (status string, code int, ok bool) {
	status, ok = strings.CutPrefix(line, "HTTP/1.1 ")
	if !ok || len(status) < 3 || len(status) > 3 && status[3] != ' ' {
		return "", 0, false
	}
	for i := range 3 {
		c := status[i]
		if c < '0' || c > '9' {
			return "", 0, false
		}
		code = code*10 + int(c-'0')
	}
	if code < 200 || code == http.StatusNoContent || code == http.StatusNotModified || strings.ContainsAny(status, "\r\n") {
		return "", 0, false
	}
	return status, code, true
}

// headerLine splits a header line (its CRLF cut) into its canonical name and its value, as
// textproto's ReadMIMEHeader does for a line that is not folded; false for a line it would
// reject or fold, or that has a space before its colon.
func (c *h1Conn) headerLine(line string) (key, value string, ok bool) {
	name, v, ok := strings.Cut(line, ":")
	if !ok || name == "" || line[0] == ' ' || line[0] == '\t' {
		return "", "", false
	}
	if key, ok = c.canon[name]; !ok {
		if !validFieldName(name) {
			return "", "", false
		}
		key = textproto.CanonicalMIMEHeaderKey(name)
		if c.canon == nil {
			c.canon = make(map[string]string)
		}
		if len(c.canon) < maxCanonicalKeys {
			c.canon[name] = key
		}
	}
	if controlByte(v) >= 0 {
		return "", "", false
	}
	return key, strings.Trim(v, " \t"), true
}

// contentLength parses a Content-Length value of decimal digits only (what ParseUint accepts
// without error for any length up to 15 digits); false for any other.
func contentLength(v string) (int64, bool) {
	if v == "" || len(v) > 15 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// readLength reads the body of a response readHead read, as net/http's body over an
// io.LimitedReader does: io.EOF with the last bytes, io.ErrUnexpectedEOF when the connection
// ends before them, and io.EOF ever after either.
func (b *h1Body) readLength(p []byte) (int, error) {
	if b.srcEOF || b.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.br.Read(p)
	b.left -= int64(n)
	if err == io.EOF {
		b.srcEOF = true
		if b.left > 0 {
			err = io.ErrUnexpectedEOF
		}
	}
	if err == nil && n > 0 && b.left == 0 {
		b.srcEOF, err = true, io.EOF
	}
	return n, err
}
