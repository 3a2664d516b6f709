package cluster

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/klauspost/compress/zlib"
	"github.com/loadtestdev/loadtest/results"
)

// An encoded histogram (results.EncodeHistogram) is HdrHistogram's V2 compressed encoding in
// base64: a cookie and the length of a zlib stream, which holds a 40-byte header (cookie,
// payload length, normalizing index offset, significant digits, lowest and highest trackable
// value, integer-to-double ratio) and the payload: the counts in index order as ZigZag
// LEB128 varints, a negative one standing for that many empty buckets. decodeSparse reads
// the payload straight into the populated buckets, with the checks of hdrhistogram.Decode,
// and reuses its buffers and its zlib reader: hdrhistogram.Decode allocates a counts array
// of the whole geometry (17,408 counts) and a zlib reader with its 32 KiB window for every
// histogram, which was most of the coordinator's cost. A histogram of another geometry (not a
// shard of this build's) is decoded by the library and its values placed as a merge into
// results.NewHistogram places them. FuzzDecodeSparse checks it against the library.

// decoders are the reusable buffers and zlib readers of decodeSparse.
var decoders = sync.Pool{New: func() any { return new(histDecoder) }}

// histDecoder holds one decoding's buffers, kept for the next.
type histDecoder struct {
	text, raw, payload []byte
	compressed         bytes.Reader
	zr                 io.ReadCloser
}

// headerSize is the size of the V2 header inside the zlib stream; maxPooledText bounds the
// encoded size whose buffers a decoder keeps for the next.
const (
	headerSize    = 40
	maxPooledText = 1 << 20
)

// decodeSparse decodes an encoded histogram ("" is an empty one) into its populated buckets
// in the geometry of results.NewHistogram, and refuses one with a value that does not fit it.
// The buckets are appended to arena (nil: a slice of their own); the histogram returned
// holds them, and the arena grown by them.
func decodeSparse(enc string, arena []bucket) (sparseHist, []bucket, error) {
	if enc == "" {
		return sparseHist{}, arena, nil
	}
	d := decoders.Get().(*histDecoder)
	from := len(arena)
	arena, standard, err := d.decode(enc, arena)
	if cap(d.text) <= maxPooledText { // a huge histogram's buffers are not kept
		decoders.Put(d)
	}
	if err == nil && !standard {
		arena, err = standardized(enc, arena)
	}
	if err != nil {
		return sparseHist{}, arena[:from], fmt.Errorf("results: decode histogram: %w", err)
	}
	s := sparseHist{buckets: arena[from:len(arena):len(arena)]}
	for _, b := range s.buckets {
		s.total += b.count() // cannot overflow: checked as they were decoded
	}
	return s, arena, nil
}

// decode decodes enc, if it has the standard geometry, into buckets appended to arena
// (standard false otherwise, with nothing decoded).
func (d *histDecoder) decode(enc string, arena []bucket) (_ []bucket, standard bool, err error) {
	d.text = append(d.text[:0], enc...)
	d.raw = growBytes(d.raw, base64.StdEncoding.DecodedLen(len(d.text)))
	n, err := base64.StdEncoding.Decode(d.raw, d.text)
	if err != nil {
		return arena, false, err
	}
	raw := d.raw[:n]
	if len(raw) < 8 {
		return arena, false, fmt.Errorf("encoded histogram too short: got %d bytes, need at least 8", len(raw))
	}
	if cookie := int32(binary.BigEndian.Uint32(raw)) &^ 0xf0; cookie != hdrhistogram.V2CompressedEncodingCookieBase {
		return arena, false, fmt.Errorf("encoding not supported, only V2 is supported: cookie %d", cookie)
	}
	clen := int32(binary.BigEndian.Uint32(raw[4:]))
	if clen < 0 || int(clen) > len(raw)-8 {
		return arena, false, fmt.Errorf("compressed length %d, but %d bytes follow", clen, len(raw)-8)
	}
	if err := d.resetZlib(raw[8 : 8+clen]); err != nil {
		return arena, false, err
	}
	var h [headerSize]byte
	if _, err := io.ReadFull(d.zr, h[:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return arena, false, errors.New("decompressed histogram truncated: no whole header")
		}
		return arena, false, err
	}
	if cookie := int32(binary.BigEndian.Uint32(h[0:])) &^ 0xf0; cookie != hdrhistogram.V2EncodingCookieBase {
		return arena, false, fmt.Errorf("encoding not supported, only V2 is supported: cookie %d", cookie)
	}
	payloadLen := int32(binary.BigEndian.Uint32(h[4:]))
	sig, low, high := int32(binary.BigEndian.Uint32(h[12:])), int64(binary.BigEndian.Uint64(h[16:])), int64(binary.BigEndian.Uint64(h[24:]))
	if sig != results.HistogramSigDigits || low != results.HistogramMinMicros || high != results.HistogramMaxMicros {
		return arena, false, nil
	}
	if payloadLen < 0 || int64(payloadLen) > standardCountsLen*9 { // a varint has at most 9 bytes
		return arena, false, fmt.Errorf("payload length %d out of range", payloadLen)
	}
	d.payload = growBytes(d.payload, int(payloadLen))
	if got, err := io.ReadFull(d.zr, d.payload); err != nil {
		return arena, false, fmt.Errorf("payload of %d bytes, its header says %d: %w", got, payloadLen, err)
	}
	// then the end of the stream, which checks its checksum: trailing data is an error
	var more [1]byte
	if _, err := io.ReadFull(d.zr, more[:]); err != io.EOF {
		if err == nil {
			err = errors.New("more data")
		}
		return arena, false, fmt.Errorf("the stream does not end after the %d bytes of payload its header says: %w", payloadLen, err)
	}
	arena, err = payloadBuckets(d.payload[:payloadLen], arena)
	return arena, true, err
}

// resetZlib points the zlib reader at a new stream.
func (d *histDecoder) resetZlib(stream []byte) error {
	d.compressed.Reset(stream)
	if d.zr == nil {
		zr, err := zlib.NewReader(&d.compressed)
		if err != nil {
			return err
		}
		d.zr = zr
		return nil
	}
	return d.zr.(zlib.Resetter).Reset(&d.compressed, nil)
}

// payloadBuckets reads a V2 payload of the standard geometry, appending its populated
// buckets to arena.
func payloadBuckets(payload []byte, arena []bucket) ([]bucket, error) {
	var index, total int64
	for pos := 0; pos < len(payload); {
		var count int64
		if c := payload[pos]; c < 0x80 { // one byte: most counts of a second's histogram
			count = int64(c>>1) ^ -int64(c&1)
			pos++
		} else {
			var n int
			var err error
			if count, n, err = zigZag(payload[pos:]); err != nil {
				return arena, err
			}
			pos += n
		}
		if count < 0 {
			zeros := -count // <= 0 only for MinInt64, whose negation overflows
			if zeros <= 0 || zeros > standardCountsLen-index {
				return arena, fmt.Errorf("corrupt histogram payload: a run of %d empty buckets at index %d overflows %d", zeros, index, standardCountsLen)
			}
			index += zeros
			continue
		}
		if index >= standardCountsLen {
			return arena, fmt.Errorf("corrupt histogram payload: index %d overflows %d", index, standardCountsLen)
		}
		if count > math.MaxInt64-total {
			return arena, fmt.Errorf("corrupt histogram payload: counts add up past %d at index %d", int64(math.MaxInt64), index)
		}
		if count > 0 {
			arena = appendBucket(arena, int32(index), count)
			total += count
		}
		index++
	}
	return arena, nil
}

// zigZag reads one ZigZag LEB128 varint of at most 9 bytes (the ninth holds 8 bits), as
// HdrHistogram writes them, and returns it with its length.
func zigZag(buf []byte) (int64, int, error) {
	var v uint64
	for i := range 9 {
		if i >= len(buf) {
			return 0, 0, fmt.Errorf("truncated varint: %d bytes", len(buf))
		}
		if i == 8 {
			v |= uint64(buf[i]) << 56
			return int64(v>>1) ^ -int64(v&1), 9, nil
		}
		v |= uint64(buf[i]&0x7f) << (7 * i)
		if buf[i]&0x80 == 0 {
			return int64(v>>1) ^ -int64(v&1), i + 1, nil
		}
	}
	panic("unreachable")
}

// standardized decodes a histogram of another geometry with the library and places its
// values as a merge into results.NewHistogram does, refusing it when one does not fit; its
// buckets are appended to arena.
func standardized(enc string, arena []bucket) ([]bucket, error) {
	d, err := results.DecodeHistogram(enc)
	if err != nil {
		return arena, err
	}
	h := results.NewHistogram()
	if dropped := h.Merge(d); dropped > 0 {
		return arena, fmt.Errorf("%d values out of range", dropped)
	}
	for i, n := range h.Export().Counts {
		if n > 0 {
			arena = appendBucket(arena, int32(i), n)
		}
	}
	return arena, nil
}

// growBytes returns b resized to n bytes, reallocated only when it is too small.
func growBytes(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}
