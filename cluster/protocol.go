// Package cluster coordinates a sharded run over several generators: one shard's process is
// the coordinator, the others join it over HTTP/1.1 with JSON bodies (histograms in the
// results package's compressed base64 encoding), but for the intervals, which are binary
// frames (frame.go). The protocol is join (which run, which
// shard), clock (Cristian's method), ready (wait for the common start instant), interval (the
// figures of each second; the answer can say stop) and result (the shard's final result).
// The coordinator merges what it receives exactly (results.MergeWith), gates the whole run on
// it and survives lost shards; a shard survives a lost coordinator by stopping and keeping its
// own result. RunLocal starts the shard processes of a sharded run on this machine (cluster
// local). Only the CLI and the run session call this package.
package cluster

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// Paths of the protocol, all under one version prefix.
const (
	PathJoin     = "/v1/join"
	PathClock    = "/v1/clock"
	PathReady    = "/v1/ready"
	PathInterval = "/v1/interval"
	PathResult   = "/v1/result"
)

// Bounds of the protocol.
const (
	// maxSmallBody bounds the body of join, ready and clock; maxFiguresBody that of interval
	// and result, which carry histograms (a result of many request names is the largest).
	maxSmallBody   = 64 << 10
	maxFiguresBody = 32 << 20
	// DefaultJoinTimeout bounds the coordinator's wait for every shard, and a shard's for
	// the coordinator.
	DefaultJoinTimeout = 2 * time.Minute
	// DefaultStartDelay is how far after the last join the run starts: time for every shard
	// to hear the instant, and to prepare its engine and host sampling.
	DefaultStartDelay = 2 * time.Second
	// DefaultLostAfter is how long a shard may stay silent before the coordinator counts it
	// lost, and the coordinator before a shard gives up on it.
	DefaultLostAfter = 5 * time.Second
	// ClockSpreadLimit is the spread of clock offsets above which the result warns.
	ClockSpreadLimit = 10 * time.Millisecond
	// clockRounds is how many round trips the clock estimate takes (the one with the
	// smallest round trip is kept).
	clockRounds = 5
)

// Warning codes of a coordinated run's merged result.
const (
	WarnShardLost   = "shard_lost"
	WarnClockSpread = "clock_spread"
	// WarnShardBack: a shard counted lost spoke again (and was told to stop); it counts what
	// that shard sent after, which the merged figures do not hold.
	WarnShardBack = "shard_back_after_lost"
)

// ServerTimeouts bound how long the coordinator's HTTP server waits on a client, so that
// connections that send nothing, send slowly or stay idle do not hold its file descriptors:
// ReadHeader for a request's headers, Read for a whole request (its body included), Idle for
// the next request on a kept-alive connection. A zero field takes its default
// (DefaultServerTimeouts). No write timeout: a ready request is answered at the start.
type ServerTimeouts struct {
	ReadHeader, Read, Idle time.Duration
}

// DefaultServerTimeouts are the coordinator's: a shard sends every quarter second, and its
// largest body (a final result of many request names) well within Read.
var DefaultServerTimeouts = ServerTimeouts{ReadHeader: 10 * time.Second, Read: time.Minute, Idle: time.Minute}

// withDefaults fills the zero fields from DefaultServerTimeouts.
func (t ServerTimeouts) withDefaults() ServerTimeouts {
	d := DefaultServerTimeouts
	if t.ReadHeader > 0 {
		d.ReadHeader = t.ReadHeader
	}
	if t.Read > 0 {
		d.Read = t.Read
	}
	if t.Idle > 0 {
		d.Idle = t.Idle
	}
	return d
}

// TokenHeader carries the cluster token on every request ("Bearer TOKEN").
const TokenHeader = "Authorization"

// ProtocolVersion is the version of the protocol this build speaks (JoinRequest.Protocol):
// 2 since intervals travel as binary frames (frame.go). The coordinator refuses a shard of
// another version when it joins.
const ProtocolVersion = 2

// JoinRequest is a shard's first message: which part of which run it is.
type JoinRequest struct {
	// Protocol is the shard's ProtocolVersion (Join sets it); a shard of a build before
	// version 2 sends none.
	Protocol int `json:"protocol"`
	Index    int `json:"index"`
	Count    int `json:"count"`
	// Scenario names the scenario; Fingerprint is a digest of the scenario and the flags
	// that shape the load, and Describe says them in words (for the refusal's message).
	Scenario    string `json:"scenario"`
	Fingerprint string `json:"fingerprint"`
	Describe    string `json:"describe,omitempty"`
	// Seed is the shard's --seed; SeedSet false when none was given (the shard then takes
	// the coordinator's).
	Seed    int64  `json:"seed"`
	SeedSet bool   `json:"seed_set"`
	Host    string `json:"host,omitempty"`
	// Node is the name of the machine (Kubernetes node) the shard runs on, when it knows it
	// (NodeNameEnv): shards on one node share its CPU and network.
	Node string `json:"node,omitempty"`
}

// NodeNameEnv is the environment variable a shard reads its node's name from (a pod's
// spec.nodeName, through the downward API).
const NodeNameEnv = "LOADTEST_NODE_NAME"

// JoinResponse admits a shard to the run.
type JoinResponse struct {
	RunID string `json:"run_id"`
	Seed  int64  `json:"seed"`
}

// ClockResponse is the coordinator's clock at the instant it answered.
type ClockResponse struct {
	UnixNano int64 `json:"unix_nano"`
}

// ReadyRequest says that a shard has measured its clock and is ready to start; the answer
// comes when every shard is (StartResponse), or the join timeout is over (an error).
type ReadyRequest struct {
	Index int `json:"index"`
	// OffsetNS is the coordinator's clock minus the shard's, RTTNS the round trip it was
	// measured with.
	OffsetNS int64 `json:"offset_ns"`
	RTTNS    int64 `json:"rtt_ns"`
	// Planned is how many hits this shard is to send (its share of the run).
	Planned uint64 `json:"planned"`
}

// StartResponse is the common start instant, on the coordinator's clock.
type StartResponse struct {
	RunID string    `json:"run_id"`
	Start time.Time `json:"start"`
}

// IntervalRequest is what a shard measured since its last acknowledged interval (Figures,
// nil for a heartbeat when there is nothing new), with its send counters. It travels as the
// JSON head of a binary frame, its histograms after it (frame.go).
type IntervalRequest struct {
	Index int    `json:"index"`
	Seq   uint64 `json:"seq"`
	// Base is the Seq of the interval Figures count from (0: the start of the run); the
	// coordinator applies Figures only when Base is the last interval it applied, so that a
	// resent interval is never counted twice.
	Base uint64 `json:"base"`
	// Figures are the counters, error classes and histograms (overall and per request) of
	// the requests completed since the last acknowledged interval, as a result whose
	// Started..Ended is that span; Figures.Timeline holds them as one second.
	Figures *results.Result `json:"figures,omitempty"`
	Sent    uint64          `json:"sent"`
	// Host is the shard's newest host sample (its generator side), when it has a new one.
	Host *results.Snapshot `json:"host,omitempty"`
}

// IntervalResponse acknowledges an interval; Stop asks the shard to stop at once (the run was
// aborted, interrupted, or failed), Reason says why.
type IntervalResponse struct {
	// Applied is the Seq of the last interval the coordinator applied: the base of the next.
	Applied uint64 `json:"applied"`
	Stop    bool   `json:"stop"`
	Reason  string `json:"reason,omitempty"`
	// Lost says the stop is this shard's alone: the coordinator counted it lost, and merges
	// nothing more of it.
	Lost bool `json:"lost,omitempty"`
}

// ResultRequest is a shard's final result.
type ResultRequest struct {
	Index  int             `json:"index"`
	Result *results.Result `json:"result"`
}

// errorBody is the body of every refusal.
type errorBody struct {
	Error string `json:"error"`
}

// decodeStrict decodes one JSON value from r, at most limit bytes, refusing unknown fields
// and trailing data.
func decodeStrict(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	return decodeStrictFrom(http.MaxBytesReader(w, r.Body, limit), limit, v)
}

// decodeStrictBytes decodes the JSON value b holds, as decodeStrict does.
func decodeStrictBytes(b []byte, v any) error {
	var r bytes.Reader
	r.Reset(b)
	return decodeStrictFrom(&r, int64(len(b)), v)
}

func decodeStrictFrom(body io.Reader, limit int64, v any) error {
	d := strictDecoders.Get().(*strictDecoder)
	d.body = countingReader{r: body}
	err := d.decode(limit, v)
	read := d.body.n
	d.body.r = nil
	if err == nil && read <= maxPooledBody {
		strictDecoders.Put(d)
	}
	return err
}

// strictDecoders are decoders kept from one body to the next: a new json.Decoder grows its
// buffer from 512 bytes, doubling and copying, for every body (about a third of the cost of
// decoding a 23 KB interval). A decoder is kept only after it decoded a whole body and met its
// end, so that nothing of that body is left in it but blanks, and only when the body was
// small enough (maxPooledBody) for its buffer to be worth keeping.
var strictDecoders = sync.Pool{New: func() any {
	d := &strictDecoder{}
	d.dec = json.NewDecoder(&d.body)
	d.dec.DisallowUnknownFields()
	return d
}}

// maxPooledBody bounds the bodies whose decoder is kept.
const maxPooledBody = 1 << 20

// strictDecoder is a json.Decoder that refuses unknown fields, reading body.
type strictDecoder struct {
	body countingReader
	dec  *json.Decoder
}

func (d *strictDecoder) decode(limit int64, v any) error {
	if err := d.dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fmt.Errorf("body larger than %d bytes", limit)
		}
		return fmt.Errorf("bad body: %w", err)
	}
	if _, err := d.dec.Token(); err != io.EOF {
		return errors.New("bad body: data after the JSON value")
	}
	return nil
}

// countingReader reads r and counts the bytes.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// refuse answers with status and an error message.
func refuse(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, errorBody{Error: fmt.Sprintf(format, args...)})
}

// checkToken reports whether the request carries the token (compared in constant time).
func checkToken(r *http.Request, token string) bool {
	got, ok := strings.CutPrefix(r.Header.Get(TokenHeader), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}
