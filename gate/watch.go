package gate

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// WarningAborted is the result warning of a run stopped by --abort-on-fail.
const WarningAborted = "aborted_on_fail"

// ErrAbortOnFail is what Watcher.Observe returns to stop a run whose thresholds can no longer
// pass.
var ErrAbortOnFail = errors.New("gate: stopped by --abort-on-fail")

// Partial is a copy of a run's figures at one instant (engine.Partial implements it); Result
// renders it, on any goroutine.
type Partial interface {
	Result() (*results.Result, error)
}

// Tick is one second of a run as the watcher sees it: the time elapsed since the run began
// (from the run's clock, so tests pass it in), the requests measured, and Partial, which
// copies the figures; the watcher calls it during Observe only, and only when its checker is
// free to evaluate the copy.
type Tick struct {
	Elapsed  time.Duration
	Requests uint64
	Partial  func() Partial
}

// Watcher is the live gate of one run (--abort-on-fail, k6's threshold loop): it evaluates the
// thresholds on the run's partial figures once a second, on a goroutine of its own so that
// the run's aggregator is not held up while histograms are encoded, and stops the run at the
// next second after a check finds one that can no longer pass (Unrecoverable). Call Stop when
// the run is over, then Evaluate and Verdict.
type Watcher struct {
	thresholds []Threshold
	// planned bounds the requests the run will send (engine.Options.PlannedRequests: the
	// engine stops at its duration, so the run never sends more), 0 when unknown.
	planned uint64

	snaps   chan snapshot
	checked chan struct{}
	pending sync.WaitGroup // snapshots handed to the checker and not yet evaluated
	mu      sync.Mutex
	found   *Abort
	// abort is set by Observe (on the run's goroutine) when it stopped the run.
	abort *Abort
}

// snapshot is one second's copy of the figures, for the checker.
type snapshot struct {
	partial  Partial
	elapsed  time.Duration
	requests uint64
}

// Abort records why and when --abort-on-fail stopped a run.
type Abort struct {
	LostAt   time.Duration // the check that found the threshold lost
	Requests uint64        // the requests measured then
	Lost     []results.ThresholdResult
	Stopped  time.Duration // when the run was told to stop
}

// NewWatcher starts the checker of ths for a run of planned requests (0 when unknown).
func NewWatcher(ths []Threshold, planned uint64) *Watcher {
	w := &Watcher{thresholds: ths, planned: planned, snaps: make(chan snapshot, 1), checked: make(chan struct{})}
	go w.checkLoop()
	return w
}

// Observe is called once a second with the run's state. It returns ErrAbortOnFail once an
// earlier check found a threshold that can no longer pass (the run then stops); otherwise it
// hands a copy of the figures to the checker unless the checker is still busy.
func (w *Watcher) Observe(t Tick) error {
	if w.abort != nil {
		return ErrAbortOnFail
	}
	w.mu.Lock()
	found := w.found
	w.mu.Unlock()
	if found != nil {
		found.Stopped = t.Elapsed
		w.abort = found
		return ErrAbortOnFail
	}
	if t.Partial != nil && t.Requests > 0 && len(w.snaps) == 0 { // else the checker is still busy
		w.pending.Add(1)
		w.snaps <- snapshot{partial: t.Partial(), elapsed: t.Elapsed, requests: t.Requests}
	}
	return nil
}

// checkLoop evaluates the snapshots Observe hands over until one has a threshold that can no
// longer pass, or the run is over.
func (w *Watcher) checkLoop() {
	defer close(w.checked)
	for s := range w.snaps {
		if w.check(s) {
			w.pending.Done()
			break
		}
		w.pending.Done()
	}
	for range w.snaps { // found: the run stops at the next Observe; drop what comes meanwhile
		w.pending.Done()
	}
}

func (w *Watcher) check(s snapshot) (lost bool) {
	r, err := s.partial.Result()
	if err != nil {
		return false // the final result reports the histogram error; no reason to stop here
	}
	ths := Unrecoverable(r, w.thresholds, w.planned)
	if len(ths) == 0 {
		return false
	}
	w.mu.Lock()
	w.found = &Abort{LostAt: s.elapsed, Requests: s.requests, Lost: ths}
	w.mu.Unlock()
	return true
}

// Stop ends the checker after the run.
func (w *Watcher) Stop() {
	close(w.snaps)
	<-w.checked
}

// Aborted returns the record of the early stop, nil when the watcher did not stop the run.
func (w *Watcher) Aborted() *Abort { return w.abort }

// Planned is the request count the watcher's rule counted on.
func (w *Watcher) Planned() uint64 { return w.planned }

// RecordThresholds evaluates ths on the final result r and records them in it (so the summary,
// the result file and the reports show them), and abort (nil if none) as the warning
// aborted_on_fail, with the planned request count the early-abort rule counted on.
func RecordThresholds(r *results.Result, ths []Threshold, abort *Abort, planned uint64) {
	if len(ths) == 0 {
		return
	}
	r.Thresholds = Evaluate(r, ths)
	if abort == nil {
		return
	}
	r.Warnings = append(r.Warnings, results.Warning{
		Code:    WarningAborted,
		Message: "stopped by --abort-on-fail: " + abort.String(),
		Values: map[string]float64{
			"lost_at_s":        abort.LostAt.Seconds(),
			"stopped_at_s":     abort.Stopped.Seconds(),
			"requests":         float64(abort.Requests),
			"planned_requests": float64(planned),
		},
	})
}

// String says which thresholds were lost and when.
func (a *Abort) String() string {
	return fmt.Sprintf("%s could no longer pass after %s (%d requests measured); the run stopped at %s",
		DescribeThresholds(a.Lost), a.LostAt.Round(100*time.Millisecond), a.Requests, a.Stopped.Round(100*time.Millisecond))
}

// BreachError is the verdict of a run that did not pass its gate: a threshold was breached at
// the end, or the run was stopped by --abort-on-fail (Aborted not nil).
type BreachError struct {
	Aborted  *Abort
	Breached []results.ThresholdResult
	Total    int
}

func (e *BreachError) Error() string {
	if e.Aborted != nil {
		return fmt.Sprintf("stopped by --abort-on-fail: %s; %d of %d thresholds breached at the end", e.Aborted, len(e.Breached), e.Total)
	}
	return fmt.Sprintf("%d of %d thresholds breached: %s", len(e.Breached), e.Total, DescribeThresholds(e.Breached))
}

// Verdict is the gate's verdict on a result whose thresholds were evaluated: a *BreachError
// when a threshold was breached or abort is not nil, nil when every threshold passed or there
// were none.
func Verdict(r *results.Result, abort *Abort) error {
	breached := r.Breached()
	if abort == nil && len(breached) == 0 {
		return nil
	}
	return &BreachError{Aborted: abort, Breached: breached, Total: len(r.Thresholds)}
}

// DescribeThresholds lists evaluated thresholds with their measured values, and where they
// are defaults says so: "p99<1us (measured 0.41 ms), errors<1% (default, measured 100 %)",
// "checks>99% (default, no data)".
func DescribeThresholds(trs []results.ThresholdResult) string {
	parts := make([]string, len(trs))
	for i, tr := range trs {
		prefix := ""
		if tr.Source == SourceDefault {
			prefix = "default, "
		}
		if tr.NoData {
			parts[i] = fmt.Sprintf("%s (%sno data: nothing was measured)", tr.Expression, prefix)
			continue
		}
		v := strconv.FormatFloat(tr.Measured, 'f', -1, 64)
		if math.Abs(tr.Measured) >= 0.01 || tr.Measured == 0 {
			v = strconv.FormatFloat(math.Round(tr.Measured*100)/100, 'f', -1, 64)
		}
		if tr.Unit != "" {
			v += " " + tr.Unit
		}
		parts[i] = fmt.Sprintf("%s (%smeasured %s)", tr.Expression, prefix, v)
	}
	return strings.Join(parts, ", ")
}
