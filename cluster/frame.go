package cluster

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"sync"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/loadtestdev/loadtest/results"
)

// An interval travels as a binary frame rather than as JSON: a 23 KB interval of a shard at
// 10,000 req/s is mostly its ten histograms, and decoding them from JSON strings of base64
// of zlib streams (scanning the text byte by byte, copying it into strings, base64, inflating)
// was about half of the coordinator's CPU. The frame is
//
//	"LTIV", frameVersion (one byte)
//	uvarint n, then n bytes: the IntervalRequest as JSON (strict), its histograms left empty
//	if it has figures: their histograms, each as uvarint n and n bytes of its populated buckets
//	in the geometry of results.NewHistogram, packed (decode.go): the latency, then the service
//	time, of the whole interval and then of each request name in sorted order
//	then, for each timeline second, uvarint n and n bytes: its latency histogram in the
//	results encoding (the coordinator keeps it as it is, for a lost shard's timeline)
//
// and nothing after. Both ends are one build (JoinRequest.Protocol); a body of another
// version, or JSON from an older shard, is refused with a message that says so.
// FuzzIntervalFrame and FuzzHistogramPayload check the parser, TestFrameRoundTrip that a
// frame reads back as the interval sent, its histograms as the library decodes them.

// frameMagic opens every interval frame; frameVersion is the version of its layout.
const (
	frameMagic   = "LTIV"
	frameVersion = 1
	// FrameContentType is the Content-Type of an interval frame.
	FrameContentType = "application/vnd.loadtest.interval"
)

// errJSONInterval is the refusal of an interval sent as JSON (a shard of an older build).
var errJSONInterval = fmt.Errorf("a JSON body: this coordinator takes intervals as binary frames (version %d); run the same loadtest build on every shard", frameVersion)

// appendFrame appends req as a frame to buf. Its figures' histograms are in the results
// encoding, and must fit the geometry of results.NewHistogram.
func appendFrame(buf []byte, req IntervalRequest) ([]byte, error) {
	_, hists, err := frameHeadOf(req)
	if err != nil {
		return buf, err
	}
	payloads := make([][]byte, len(hists))
	for i, enc := range hists {
		if payloads[i], err = histogramPayload(enc); err != nil {
			return buf, fmt.Errorf("histogram %d of the interval: %w", i, err)
		}
	}
	return appendFramePayloads(buf, req, payloads)
}

// appendFramePayloads appends req as a frame to buf, with payloads (in the frame's order) for
// the histograms of its figures: a shard packs them from the histograms it subtracted
// (intervalWithPayloads), without decoding their encoding again.
func appendFramePayloads(buf []byte, req IntervalRequest, payloads [][]byte) ([]byte, error) {
	head, hists, err := frameHeadOf(req)
	if err != nil {
		return buf, err
	}
	if len(payloads) != len(hists) {
		return buf, fmt.Errorf("%d histogram payloads for the %d histograms of the interval", len(payloads), len(hists))
	}
	var timeline []string
	if req.Figures != nil {
		for _, s := range req.Figures.Timeline {
			timeline = append(timeline, s.Latency)
		}
	}
	return appendFrameOf(buf, head, payloads, timeline)
}

// frameHeadOf returns req with its histograms taken out, and them in the frame's order.
func frameHeadOf(req IntervalRequest) (IntervalRequest, []string, error) {
	f := req.Figures
	if f == nil {
		return req, nil, nil
	}
	head := *f
	hists := []string{f.Histograms.Latency, f.Histograms.ServiceTime}
	head.Histograms = results.Histograms{}
	head.ByRequest = make(map[string]*results.RequestStats, len(f.ByRequest))
	for _, name := range slices.Sorted(maps.Keys(f.ByRequest)) {
		rs := f.ByRequest[name]
		if rs == nil {
			return req, nil, fmt.Errorf("request %s: no figures", name)
		}
		c := *rs
		hists = append(hists, rs.Histograms.Latency, rs.Histograms.ServiceTime)
		c.Histograms = results.Histograms{}
		head.ByRequest[name] = &c
	}
	head.Timeline = slices.Clone(f.Timeline)
	for i := range head.Timeline {
		head.Timeline[i].Latency = ""
	}
	req.Figures = &head
	return req, hists, nil
}

// appendFrameOf appends the frame of head (with no histograms) followed by the payloads of its
// histograms and the latency histograms of its timeline seconds.
func appendFrameOf(buf []byte, head IntervalRequest, payloads [][]byte, timeline []string) ([]byte, error) {
	j, err := json.Marshal(head)
	if err != nil {
		return buf, err
	}
	buf = append(buf, frameMagic...)
	buf = append(buf, frameVersion)
	buf = binary.AppendUvarint(buf, uint64(len(j)))
	buf = append(buf, j...)
	for _, p := range payloads {
		buf = binary.AppendUvarint(buf, uint64(len(p)))
		buf = append(buf, p...)
	}
	for _, t := range timeline {
		buf = binary.AppendUvarint(buf, uint64(len(t)))
		buf = append(buf, t...)
	}
	return buf, nil
}

// histogramPayload returns the packed buckets (decode.go) of the encoded histogram enc ("" is
// an empty one, with none) in the standard geometry.
func histogramPayload(enc string) ([]byte, error) {
	if enc == "" {
		return nil, nil
	}
	h, err := results.DecodeHistogram(enc)
	if err != nil {
		return nil, err
	}
	if !standardGeometry(h) {
		std := results.NewHistogram()
		if dropped := std.Merge(h); dropped > 0 {
			return nil, fmt.Errorf("%d values out of range", dropped)
		}
		h = std
	}
	return appendPacked(nil, h.Export().Counts), nil
}

// readFrame reads an interval frame from r (at most limit bytes) into req, and returns the
// histograms of its figures decoded (nil without figures). A body that is not a whole frame
// of this version, or whose head is not a strict IntervalRequest, is an error of the body;
// a histogram that does not decode is figuresErr, with req read: the coordinator refuses
// the interval only when it would apply it, as for any other bad figures.
func readFrame(w http.ResponseWriter, r *http.Request, limit int64, req *IntervalRequest) (_ *decodedInterval, figuresErr, err error) {
	b := frameBuffers.Get().(*bytes.Buffer)
	defer func() {
		if b.Cap() <= maxPooledBody {
			b.Reset()
			frameBuffers.Put(b)
		}
	}()
	if _, err := b.ReadFrom(http.MaxBytesReader(w, r.Body, limit)); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, nil, fmt.Errorf("body larger than %d bytes", limit)
		}
		return nil, nil, fmt.Errorf("bad body: %w", err)
	}
	return parseFrame(b.Bytes(), req)
}

// frameBuffers hold the bodies of intervals, kept for the next.
var frameBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// parseFrame parses frame into req and decodes its histograms (readFrame). Nothing of the
// decoded interval refers to frame.
func parseFrame(frame []byte, req *IntervalRequest) (_ *decodedInterval, figuresErr, err error) {
	head, rest, err := frameHead(frame)
	if err != nil {
		return nil, nil, err
	}
	if err := decodeStrictBytes(head, req); err != nil {
		return nil, nil, err
	}
	f := req.Figures
	if f != nil && !headless(f) {
		return nil, nil, errors.New("bad body: histograms in the frame's JSON head: they travel after it")
	}
	if f == nil {
		if len(rest) > 0 {
			return nil, nil, fmt.Errorf("bad body: %d bytes after a frame without figures", len(rest))
		}
		return nil, nil, nil
	}
	names := slices.Sorted(maps.Keys(f.ByRequest))
	payloads := make([][]byte, 0, 2+2*len(names))
	for range 2 + 2*len(names) {
		var p []byte
		if p, rest, err = frameField(rest); err != nil {
			return nil, nil, fmt.Errorf("bad body: histogram %d of %d: %w", len(payloads), cap(payloads), err)
		}
		payloads = append(payloads, p)
	}
	for i := range f.Timeline {
		var text []byte
		if text, rest, err = frameField(rest); err != nil {
			return nil, nil, fmt.Errorf("bad body: timeline second %d: %w", i, err)
		}
		f.Timeline[i].Latency = string(text)
	}
	if len(rest) > 0 {
		return nil, nil, fmt.Errorf("bad body: %d bytes after the frame", len(rest))
	}
	d, err := decodeInterval(f, names, payloads)
	return d, err, nil
}

// headless reports whether f, an interval's figures read from a frame's head, holds no
// histogram: they are in the frame after the head.
func headless(f *results.Result) bool {
	if f.Histograms != (results.Histograms{}) {
		return false
	}
	for _, rs := range f.ByRequest {
		if rs != nil && rs.Histograms != (results.Histograms{}) {
			return false
		}
	}
	for _, s := range f.Timeline {
		if s.Latency != "" {
			return false
		}
	}
	return true
}

// frameHead checks the frame's magic and version and splits off its JSON head.
func frameHead(frame []byte) (head, rest []byte, _ error) {
	switch {
	case len(frame) > 0 && frame[0] == '{':
		return nil, nil, errJSONInterval
	case len(frame) < len(frameMagic)+1 || string(frame[:len(frameMagic)]) != frameMagic:
		return nil, nil, errors.New("bad body: not an interval frame")
	case frame[len(frameMagic)] != frameVersion:
		return nil, nil, fmt.Errorf("interval frame of version %d, this coordinator reads version %d: run the same loadtest build on every shard",
			frame[len(frameMagic)], frameVersion)
	}
	head, rest, err := frameField(frame[len(frameMagic)+1:])
	if err != nil {
		return nil, nil, fmt.Errorf("bad body: head: %w", err)
	}
	return head, rest, nil
}

// frameField splits one length-prefixed field off buf.
func frameField(buf []byte) (field, rest []byte, _ error) {
	n, k := binary.Uvarint(buf)
	switch {
	case k == 0:
		return nil, nil, io.ErrUnexpectedEOF
	case k < 0:
		return nil, nil, errors.New("length overflows")
	case n > uint64(len(buf)-k):
		return nil, nil, fmt.Errorf("length %d, but %d bytes follow", n, len(buf)-k)
	}
	return buf[k : k+int(n)], buf[k+int(n):], nil
}

// standardGeometry reports whether h has the geometry of results.NewHistogram.
func standardGeometry(h *hdrhistogram.Histogram) bool {
	return h.LowestTrackableValue() == results.HistogramMinMicros && h.HighestTrackableValue() == results.HistogramMaxMicros &&
		h.SignificantFigures() == results.HistogramSigDigits
}
