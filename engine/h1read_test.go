package engine

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// readBoth reads raw, through a buffer of size bytes filled once (as exchange's Peek fills
// it), with readHead and with http.ReadResponse, and fails unless readHead either left the
// reader untouched or read what ReadResponse reads: the same response, the same body and
// body error, and the same bytes left after it. It says whether readHead took the response.
func readBoth(t testing.TB, method string, raw []byte, size int) bool {
	t.Helper()
	req, err := http.NewRequest(method, "http://example.com/", nil)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReaderSize(bytes.NewReader(raw), size)
	_, _ = br.Peek(1)
	buffered := br.Buffered()
	c := &h1Conn{br: br}
	r := c.readHead(req)
	if r == nil {
		if br.Buffered() != buffered {
			t.Fatalf("readHead declined %q but consumed %d bytes", raw, buffered-br.Buffered())
		}
		return false
	}
	wr := bufio.NewReaderSize(bytes.NewReader(raw), size)
	want, err := http.ReadResponse(wr, req)
	if err != nil {
		t.Fatalf("readHead read %q, which http.ReadResponse refuses: %v", raw, err)
	}
	got := &r.resp
	type head struct {
		Status                 string
		StatusCode             int
		Proto                  string
		ProtoMajor, ProtoMinor int
		Header                 http.Header
		ContentLength          int64
		TransferEncoding       []string
		Close, Uncompressed    bool
		Trailer                http.Header
		Request                *http.Request
	}
	headOf := func(r *http.Response) head {
		return head{r.Status, r.StatusCode, r.Proto, r.ProtoMajor, r.ProtoMinor, r.Header, r.ContentLength,
			r.TransferEncoding, r.Close, r.Uncompressed, r.Trailer, r.Request}
	}
	if g, w := headOf(got), headOf(want); !reflect.DeepEqual(g, w) {
		t.Fatalf("%q:\ngot  %+v\nwant %+v", raw, g, w)
	}
	r.body.t = &h1Transport{timeout: time.Second, bytesIn: new(atomic.Uint64)}
	gotBody, gotErr := io.ReadAll(got.Body)
	wantBody, wantErr := io.ReadAll(want.Body)
	if !bytes.Equal(gotBody, wantBody) || !sameError(gotErr, wantErr) {
		t.Fatalf("%q: body %q, %v; want %q, %v", raw, gotBody, gotErr, wantBody, wantErr)
	}
	n, gotErr := got.Body.Read(make([]byte, 1))
	_, wantErr = want.Body.Read(make([]byte, 1))
	if n != 0 || !sameError(gotErr, wantErr) {
		t.Fatalf("%q: read after the body: %d, %v; want 0, %v", raw, n, gotErr, wantErr)
	}
	gotRest, _ := io.ReadAll(br)
	wantRest, _ := io.ReadAll(wr)
	if !bytes.Equal(gotRest, wantRest) {
		t.Fatalf("%q: left %q after the response, want %q", raw, gotRest, wantRest)
	}
	return true
}

func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return errors.Is(a, b) || a.Error() == b.Error()
}

// readHeadCases are responses readHead reads (fast) and responses it leaves to
// http.ReadResponse.
var readHeadCases = []struct {
	name, method, raw string
	fast              bool
}{
	{"plain", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain; charset=utf-8\r\nDate: Sat, 05 Dec 2026 02:58:14 GMT\r\n\r\nok", true},
	{"empty body", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
	{"post", "POST", "HTTP/1.1 201 Created\r\nContent-Length: 3\r\nLocation: /x\r\n\r\nabc", true},
	{"error status", "GET", "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nRetry-After: 1\r\n\r\nbusy", true},
	{"no reason", "GET", "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx", true},
	{"odd reason", "GET", "HTTP/1.1 299 \x01weird \xff\r\nContent-Length: 1\r\n\r\nx", true},
	{"lower-case names", "GET", "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nx-request-id: abc\r\nX-ALL-UPPER: 1\r\n\r\nok", true},
	{"repeated header", "GET", "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nContent-Length: 2\r\nset-cookie: b=2\r\nSet-Cookie: c=3\r\n\r\nok", true},
	{"spaces around values", "GET", "HTTP/1.1 200 OK\r\nContent-Length:  2 \t\r\nX-A:\tv w  \r\nX-Empty:\r\nX-Blank:   \r\n\r\nok", true},
	{"obs-text value", "GET", "HTTP/1.1 200 OK\r\nX-A: caf\xc3\xa9\r\nContent-Length: 2\r\n\r\nok", true},
	{"connection close", "GET", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbye", true},
	{"connection close upper-case", "GET", "HTTP/1.1 200 OK\r\nconnection: CLOSE\r\nContent-Length: 3\r\n\r\nbye", true},
	{"connection keep-alive", "GET", "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", true},
	{"leading zeros", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 002\r\n\r\nok", true},
	{"body cut short", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true},
	{"pipelined", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
	{"body longer than the buffer", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + strings.Repeat("b", 100), true},

	{"head request", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", false},
	{"chunked", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", false},
	{"no length", "GET", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close", false},
	{"http/1.0", "GET", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false},
	{"no content", "GET", "HTTP/1.1 204 No Content\r\nContent-Length: 2\r\n\r\n", false},
	{"not modified", "GET", "HTTP/1.1 304 Not Modified\r\n\r\n", false},
	{"interim", "GET", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false},
	{"two lengths", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", false},
	{"conflicting lengths", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", false},
	{"signed length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok", false},
	{"empty length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\nok", false},
	{"pragma", "GET", "HTTP/1.1 200 OK\r\nPragma: no-cache\r\nContent-Length: 2\r\n\r\nok", false},
	{"trailer", "GET", "HTTP/1.1 200 OK\r\nTrailer: X-A\r\nContent-Length: 2\r\n\r\nok", false},
	{"connection list", "GET", "HTTP/1.1 200 OK\r\nConnection: close, upgrade\r\nContent-Length: 2\r\n\r\nok", false},
	{"folded line", "GET", "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\nok", false},
	{"leading space", "GET", "HTTP/1.1 200 OK\r\n X-A: a\r\nContent-Length: 2\r\n\r\nok", false},
	{"bare LF", "GET", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", false},
	{"bare LF in a header", "GET", "HTTP/1.1 200 OK\r\nX-A: a\nContent-Length: 2\r\n\r\nok", false},
	{"bare LF ends the head", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\nX-A: b\r\n\r\nok", false},
	{"CR in a value", "GET", "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 2\r\n\r\nok", false},
	{"space before colon", "GET", "HTTP/1.1 200 OK\r\nX-A : a\r\nContent-Length: 2\r\n\r\nok", false},
	{"no colon", "GET", "HTTP/1.1 200 OK\r\nX-A\r\nContent-Length: 2\r\n\r\nok", false},
	{"empty name", "GET", "HTTP/1.1 200 OK\r\n: a\r\nContent-Length: 2\r\n\r\nok", false},
	{"control byte", "GET", "HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 2\r\n\r\nok", false},
	{"non-token name", "GET", "HTTP/1.1 200 OK\r\nX\xc3\xa9: a\r\nContent-Length: 2\r\n\r\nok", false},
	{"long status", "GET", "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok", false},
	{"short status", "GET", "HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\nok", false},
	{"two spaces", "GET", "HTTP/1.1  200 OK\r\nContent-Length: 2\r\n\r\nok", false},
	{"garbage", "GET", "SSH-2.0-OpenSSH\r\n\r\n", false},
	{"head not complete", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", false},
	{"head beyond the buffer", "GET", "HTTP/1.1 200 OK\r\nX-Long: " + strings.Repeat("v", 5000) + "\r\nContent-Length: 2\r\n\r\nok", false},
}

func TestReadHead(t *testing.T) {
	for _, tc := range readHeadCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := readBoth(t, tc.method, []byte(tc.raw), 4096); got != tc.fast {
				t.Errorf("readHead took it: got %v, want %v", got, tc.fast)
			}
			// the head split over smaller buffers (the 16 bytes are bufio's least)
			for _, size := range []int{16, 40, 64} {
				readBoth(t, tc.method, []byte(tc.raw), size)
			}
		})
	}
}

// TestReadHeadCachesNames checks that a connection's cache of canonical names is bounded and
// that names past the bound are still canonicalized.
func TestReadHeadCachesNames(t *testing.T) {
	var raw strings.Builder
	raw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n")
	for i := range 2 * maxCanonicalKeys {
		raw.WriteString("x-h" + strings.Repeat("a", i) + ": v\r\n")
	}
	raw.WriteString("\r\n")
	if !readBoth(t, "GET", []byte(raw.String()), 8192) {
		t.Fatal("readHead declined the response")
	}
	c := &h1Conn{br: bufio.NewReaderSize(strings.NewReader(raw.String()), 8192)}
	_, _ = c.br.Peek(1)
	r := c.readHead(&http.Request{Method: "GET"})
	if r == nil {
		t.Fatal("readHead declined the response")
	}
	if got := len(c.canon); got != maxCanonicalKeys {
		t.Errorf("cached names: got %d, want %d", got, maxCanonicalKeys)
	}
	if got := len(r.resp.Header); got != 2*maxCanonicalKeys+1 {
		t.Errorf("header names: got %d, want %d", got, 2*maxCanonicalKeys+1)
	}
}

func FuzzReadHead(f *testing.F) {
	for _, tc := range readHeadCases {
		f.Add([]byte(tc.raw), tc.method == "HEAD", uint16(4096))
	}
	f.Fuzz(func(t *testing.T, raw []byte, head bool, size uint16) {
		method := "GET"
		if head {
			method = "HEAD"
		}
		readBoth(t, method, raw, 16+int(size%8192))
	})
}

// TestReadHeadScratch checks that responses read into a worker's scratch hold their own
// header only, and the same ones as http.ReadResponse reads.
func TestReadHeadScratch(t *testing.T) {
	var s h1Scratch
	ctx := context.WithValue(context.Background(), h1ScratchKey{}, &s)
	req, err := http.NewRequestWithContext(ctx, "GET", "http://example.com/", nil)
	if err != nil {
		t.Fatal(err)
	}
	responses := []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: 1\r\nX-B: 2\r\nX-B: 3\r\nX-C: 4\r\n\r\nok",
		"HTTP/1.1 404 Not Found\r\nX-D: 5\r\nContent-Length: 1\r\n\r\nx",
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-A: 6\r\nX-E: 7\r\nX-F: 8\r\nX-G: 9\r\nX-H: 10\r\n\r\n",
	}
	br := bufio.NewReaderSize(strings.NewReader(strings.Join(responses, "")), 4096)
	c := &h1Conn{br: br}
	for i, raw := range responses {
		_, _ = br.Peek(1)
		r := c.readHead(req)
		if r == nil {
			t.Fatalf("response %d: readHead declined it", i)
		}
		if r != &s.r {
			t.Fatalf("response %d: not read into the scratch", i)
		}
		want, err := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), req)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(r.resp.Header, want.Header) || r.resp.StatusCode != want.StatusCode {
			t.Errorf("response %d: got %d %v, want %d %v", i, r.resp.StatusCode, r.resp.Header, want.StatusCode, want.Header)
		}
		r.body.t = &h1Transport{timeout: time.Second, bytesIn: new(atomic.Uint64)}
		if _, err := io.Copy(io.Discard, r.resp.Body); err != nil {
			t.Fatal(err)
		}
	}
}
