package results

import (
	"fmt"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram bounds shared by every latency histogram loadtest records: 1 µs to 60 s with 3
// significant digits, values in microseconds.
const (
	HistogramMinMicros = 1
	HistogramMaxMicros = int64(60 * time.Second / time.Microsecond)
	HistogramSigDigits = 3
)

// NewHistogram returns an empty latency histogram with loadtest's standard bounds.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(HistogramMinMicros, HistogramMaxMicros, HistogramSigDigits)
}

// RecordDuration records d into h, clamped to the histogram's range so that no value is lost.
func RecordDuration(h *hdrhistogram.Histogram, d time.Duration) {
	us := int64(d / time.Microsecond)
	if us < HistogramMinMicros {
		us = HistogramMinMicros
	}
	if us > HistogramMaxMicros {
		us = HistogramMaxMicros
	}
	_ = h.RecordValue(us) // cannot fail: us is within the bounds
}

// Summarize returns the millisecond summary of a microsecond histogram.
func Summarize(h *hdrhistogram.Histogram) Latency {
	if h == nil || h.TotalCount() == 0 {
		return Latency{}
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return Latency{
		Min:    ms(h.Min()),
		Mean:   h.Mean() / 1000,
		StdDev: h.StdDev() / 1000,
		P50:    ms(h.ValueAtQuantile(50)),
		P90:    ms(h.ValueAtQuantile(90)),
		P95:    ms(h.ValueAtQuantile(95)),
		P99:    ms(h.ValueAtQuantile(99)),
		P999:   ms(h.ValueAtQuantile(99.9)),
		P9999:  ms(h.ValueAtQuantile(99.99)),
		Max:    ms(h.Max()),
	}
}

// EncodeHistogram returns h in HdrHistogram's compressed V2 encoding (base64).
func EncodeHistogram(h *hdrhistogram.Histogram) (string, error) {
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("results: encode histogram: %w", err)
	}
	return string(b), nil
}

// DecodeHistogram parses an encoded histogram; the empty string gives an empty histogram.
func DecodeHistogram(s string) (*hdrhistogram.Histogram, error) {
	if s == "" {
		return NewHistogram(), nil
	}
	h, err := hdrhistogram.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("results: decode histogram: %w", err)
	}
	return h, nil
}
