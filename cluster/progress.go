package cluster

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/loadtestdev/loadtest/engine"
)

// DefaultProgressEvery is how often a coordinator writes a progress line (ProgressLog).
const DefaultProgressEvery = 5 * time.Second

// ProgressLine is one line of the coordinator's progress log: the merged figures of the run
// so far and how many shards are still reporting.
type ProgressLine struct {
	// Elapsed since the common start, and the run's planned Duration (0: unbounded).
	Elapsed, Duration time.Duration
	Requests, Errors  uint64
	// RatePerSec and P99MS are the last second's, over the shards that reported it.
	RatePerSec, P99MS float64
	// Alive is the number of shards not counted lost, of Shards.
	Alive, Shards int
}

// WriteProgressLine writes l as one line, for a log that is not a terminal (a pod's log,
// which `loadtest cluster run` relays; a CI log):
//
//	progress 10s/1m0s requests=600 rate=60.0/s p99=1.52ms errors=0 shards=3/3
//
// Every field is KEY=VALUE after the time, so a line can be read by eye and by a script.
func WriteProgressLine(w io.Writer, l ProgressLine) error {
	total := "unbounded"
	if l.Duration > 0 {
		total = l.Duration.Round(time.Second).String()
	}
	_, err := fmt.Fprintf(w, "progress %s/%s requests=%d rate=%s/s p99=%sms errors=%d shards=%d/%d\n",
		l.Elapsed.Round(time.Second), total, l.Requests, strconv.FormatFloat(l.RatePerSec, 'f', 1, 64),
		strconv.FormatFloat(l.P99MS, 'f', 2, 64), l.Errors, l.Alive, l.Shards)
	return err
}

// progressLog writes a progress line every few seconds of a run.
type progressLog struct {
	w     io.Writer
	every time.Duration
	next  time.Duration // elapsed time of the next line
}

// observe writes a line when pr's elapsed time reached the next multiple of every.
func (p *progressLog) observe(pr engine.Progress, alive, shards int) {
	if p == nil || pr.Elapsed < p.next {
		return
	}
	for p.next <= pr.Elapsed {
		p.next += p.every
	}
	_ = WriteProgressLine(p.w, ProgressLine{Elapsed: pr.Elapsed, Duration: pr.Duration, Requests: pr.Requests,
		Errors: pr.Errors, RatePerSec: pr.RatePerSec, P99MS: pr.P99MS, Alive: alive, Shards: shards})
}
