package engine

import (
	"bufio"
	"net/http"
	"net/textproto"
	"slices"
)

// writeRequest writes req's head on bw byte for byte as net/http's Request.Write does, for the
// requests a load test sends most (no body, HTTP/1.1, a plain host); any other request it
// leaves to Request.Write. Request.Write formats the request line, the Host and the
// User-Agent with fmt.Fprintf and builds a transfer writer per request: five allocations and
// a tenth of the CPU a hit's request costs the generator. keys is the caller's scratch for
// the sorted header names. req's header must have passed checkHeader (h1Transport.RoundTrip
// checks it first): net/http drops an invalid name and replaces CR and LF in a value, which
// writeRequest does not. TestWriteRequest and FuzzWriteRequest hold it to net/http's output.
func writeRequest(bw *bufio.Writer, req *http.Request, keys *[]string) error {
	if !plainRequest(req) {
		return req.Write(bw)
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	ruri := req.URL.RequestURI()
	if !plainHost(host) || hasCTLByte(ruri) {
		return req.Write(bw)
	}
	method := req.Method
	if method == "" {
		method = "GET"
	}
	bw.WriteString(method)
	bw.WriteByte(' ')
	bw.WriteString(ruri)
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(host)
	bw.WriteString("\r\n")
	userAgent := "Go-http-client/1.1" // net/http's default
	if _, ok := req.Header["User-Agent"]; ok {
		userAgent = req.Header.Get("User-Agent")
	}
	if userAgent != "" {
		bw.WriteString("User-Agent: ")
		bw.WriteString(textproto.TrimString(userAgent))
		bw.WriteString("\r\n")
	}
	if method == "POST" || method == "PUT" || method == "PATCH" {
		bw.WriteString("Content-Length: 0\r\n")
	}
	ks := (*keys)[:0]
	for k := range req.Header {
		switch k {
		case "Host", "User-Agent", "Content-Length", "Transfer-Encoding", "Trailer":
		default:
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	for _, k := range ks {
		for _, v := range req.Header[k] {
			bw.WriteString(k)
			bw.WriteString(": ")
			bw.WriteString(textproto.TrimString(v))
			bw.WriteString("\r\n")
		}
	}
	clear(ks)
	*keys = ks[:0]
	_, err := bw.WriteString("\r\n")
	return err
}

// plainRequest says whether writeRequest may write req itself: no body, nothing that changes
// the transfer (Close, a transfer encoding, trailers), and not CONNECT.
func plainRequest(req *http.Request) bool {
	return (req.Body == nil || req.Body == http.NoBody) && req.ContentLength == 0 && !req.Close &&
		len(req.TransferEncoding) == 0 && req.Trailer == nil && req.Method != "CONNECT" &&
		req.URL != nil
}

// plainHost says whether host is written as it is by net/http: ASCII letters, digits, dots,
// hyphens and a port, or a bracketed IPv6 address without a zone.
func plainHost(host string) bool {
	if host == "" {
		return false
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '-' || c == ':' || c == '[' || c == ']') {
			return false
		}
	}
	return true
}

// hasCTLByte says whether s has a control byte, which net/http refuses in a request URI.
func hasCTLByte(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < ' ' || b == 0x7f {
			return true
		}
	}
	return false
}
