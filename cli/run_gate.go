package cli

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loadtestdev/loadtest/engine"
	"github.com/loadtestdev/loadtest/gate"
	"github.com/loadtestdev/loadtest/results"
	"github.com/loadtestdev/loadtest/scenarios"
)

// warningAborted is the result warning of a run stopped by --abort-on-fail.
const warningAborted = "aborted_on_fail"

// errAbortOnFail is what the gate's OnSecond check returns to stop the engine.
var errAbortOnFail = errors.New("run: stopped by --abort-on-fail")

// runGate is the performance gate of one run: the thresholds from --threshold and the
// scenario's thresholds (unless --no-thresholds), evaluated on the result at the end and,
// with --abort-on-fail, on the partial result once a second.
type runGate struct {
	thresholds  []gate.Threshold
	abortOnFail bool
	// planned is the number of requests the whole run is to send (0 when unknown), the
	// bound gate.Unrecoverable needs.
	planned uint64

	// The --abort-on-fail checker: OnSecond hands it a copy of the figures (snaps, room for
	// one); it renders and evaluates them on its own goroutine, so that the engine's
	// aggregator is not held up while histograms are encoded, and records a lost threshold
	// in found; the next OnSecond stops the run and moves it to abort.
	snaps   chan partialSnap
	checked chan struct{}
	mu      sync.Mutex
	found   *runAbort
	// abort is set when the check stopped the run (on the engine's OnSecond goroutine,
	// which is the one that called engine.Run).
	abort *runAbort
}

// partialSnap is one second's copy of the figures, for the checker.
type partialSnap struct {
	partial  *engine.Partial
	elapsed  time.Duration
	requests uint64
}

// runAbort records why and when --abort-on-fail stopped a run.
type runAbort struct {
	lostAt   time.Duration // the check that found the threshold lost
	requests uint64        // the requests measured then
	lost     []results.ThresholdResult
	stopped  time.Duration // when the run was told to stop
}

// newRunGate parses the thresholds of a run and checks that every scoped one names a request
// of the scenario: all before any load is sent. Errors are bad input; every malformed
// expression is reported, each naming where it came from.
func newRunGate(o *runOptions, sc *scenarios.Scenario) (*runGate, error) {
	fromScenario := sc.Thresholds
	if o.NoThresholds {
		fromScenario = nil
	}
	var errs []error
	for _, e := range o.Thresholds {
		if _, err := gate.Parse(e); err != nil {
			errs = append(errs, fmt.Errorf("--threshold: %w", err))
		}
	}
	for i, e := range fromScenario {
		if _, err := gate.Parse(e); err != nil {
			errs = append(errs, fmt.Errorf("scenario %s: thresholds[%d]: %w", sc.Source, i, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	ths, err := gate.ParseAll(o.Thresholds, fromScenario) // now only duplicates can fail
	if err != nil {
		return nil, fmt.Errorf("run: %w (drop one, or use --no-thresholds to ignore the scenario's)", err)
	}
	if err := gate.CheckRequests(ths, requestNames(sc)); err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	if o.AbortOnFail && len(ths) == 0 {
		return nil, errors.New("run: --abort-on-fail needs thresholds: give --threshold EXPR or use a scenario with thresholds")
	}
	return &runGate{thresholds: ths, abortOnFail: o.AbortOnFail}, nil
}

// requestNames lists the scenario's request names in order, once each: the names a threshold
// may be scoped to (the same as the compiled plan's).
func requestNames(sc *scenarios.Scenario) []string {
	var names []string
	seen := map[string]bool{}
	for _, r := range sc.Requests {
		if !seen[r.Name] {
			seen[r.Name] = true
			names = append(names, r.Name)
		}
	}
	return names
}

// watch wraps the run's OnSecond callback: with --abort-on-fail it also has the thresholds
// evaluated on the partial result every second, and stops the run at the next second after a
// check finds one that can no longer pass. Call stopWatch when the run is over.
func (g *runGate) watch(eo *engine.Options) {
	if !g.abortOnFail {
		return
	}
	g.planned = eo.PlannedRequests()
	g.snaps, g.checked = make(chan partialSnap, 1), make(chan struct{})
	go g.checkLoop()
	next := eo.OnSecond
	eo.OnSecond = func(p engine.Progress) error {
		if next != nil {
			if err := next(p); err != nil {
				return err
			}
		}
		g.mu.Lock()
		found := g.found
		g.mu.Unlock()
		if found != nil {
			found.stopped = p.Elapsed
			g.abort = found
			return errAbortOnFail
		}
		if p.Partial != nil && p.Requests > 0 && len(g.snaps) == 0 { // else the checker is still busy
			g.snaps <- partialSnap{partial: p.Partial(), elapsed: p.Elapsed, requests: p.Requests}
		}
		return nil
	}
}

// checkLoop evaluates the partial results OnSecond hands over until one has a threshold that
// can no longer pass, or the run is over.
func (g *runGate) checkLoop() {
	defer close(g.checked)
	for s := range g.snaps {
		r, err := s.partial.Result()
		if err != nil {
			continue // the final result reports the histogram error; no reason to stop here
		}
		if lost := gate.Unrecoverable(r, g.thresholds, g.planned); len(lost) > 0 {
			g.mu.Lock()
			g.found = &runAbort{lostAt: s.elapsed, requests: s.requests, lost: lost}
			g.mu.Unlock()
			return
		}
	}
}

// withoutAbort removes the gate's own stop (errAbortOnFail) from the error engine.Run
// returned, keeping any other (engine.Run joins them).
func withoutAbort(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var rest []error
		for _, e := range j.Unwrap() {
			if !errors.Is(e, errAbortOnFail) {
				rest = append(rest, e)
			}
		}
		return errors.Join(rest...)
	}
	if errors.Is(err, errAbortOnFail) {
		return nil
	}
	return err
}

// stopWatch ends the checker after the run.
func (g *runGate) stopWatch() {
	if g.snaps == nil {
		return
	}
	close(g.snaps)
	<-g.checked
}

// evaluate records the thresholds, measured on the final result, in r (so the summary, the
// result file and the reports show them), and the early stop as a warning.
func (g *runGate) evaluate(r *results.Result) {
	if len(g.thresholds) == 0 {
		return
	}
	r.Thresholds = gate.Evaluate(r, g.thresholds)
	if g.abort == nil {
		return
	}
	r.Warnings = append(r.Warnings, results.Warning{
		Code:    warningAborted,
		Message: "stopped by --abort-on-fail: " + g.abort.String(),
		Values: map[string]float64{
			"lost_at_s":        g.abort.lostAt.Seconds(),
			"stopped_at_s":     g.abort.stopped.Seconds(),
			"requests":         float64(g.abort.requests),
			"planned_requests": float64(g.planned),
		},
	})
}

// String says which thresholds were lost and when.
func (a *runAbort) String() string {
	return fmt.Sprintf("%s could no longer pass after %s (%d requests measured); the run stopped at %s",
		describeThresholds(a.lost), a.lostAt.Round(100*time.Millisecond), a.requests, a.stopped.Round(100*time.Millisecond))
}

// verdict is the exit error of a run's gate: 99 when a threshold was breached or the run was
// stopped by --abort-on-fail, nil when every threshold passed or there were none.
func (g *runGate) verdict(r *results.Result) error {
	var breached []results.ThresholdResult
	for _, tr := range r.Thresholds {
		if !tr.Passed {
			breached = append(breached, tr)
		}
	}
	switch {
	case g.abort != nil:
		return &ExitError{Code: ExitThresholds, Err: fmt.Errorf("stopped by --abort-on-fail: %s; %d of %d thresholds breached at the end",
			g.abort, len(breached), len(r.Thresholds))}
	case len(breached) > 0:
		return &ExitError{Code: ExitThresholds, Err: fmt.Errorf("%d of %d thresholds breached: %s",
			len(breached), len(r.Thresholds), describeThresholds(breached))}
	}
	return nil
}

// breachedNote is appended to the message of an interrupted run that has thresholds.
func breachedNote(r *results.Result) string {
	if len(r.Thresholds) == 0 {
		return ""
	}
	n := 0
	for _, tr := range r.Thresholds {
		if !tr.Passed {
			n++
		}
	}
	return fmt.Sprintf("; on it %d of %d thresholds breached", n, len(r.Thresholds))
}

// describeThresholds lists evaluated thresholds with their measured values:
// "p99<1us (measured 0.41 ms), errors<1% (measured 100 %)".
func describeThresholds(trs []results.ThresholdResult) string {
	parts := make([]string, len(trs))
	for i, tr := range trs {
		v := strconv.FormatFloat(tr.Measured, 'f', -1, 64)
		if math.Abs(tr.Measured) >= 0.01 || tr.Measured == 0 {
			v = strconv.FormatFloat(math.Round(tr.Measured*100)/100, 'f', -1, 64)
		}
		if tr.Unit != "" {
			v += " " + tr.Unit
		}
		parts[i] = fmt.Sprintf("%s (measured %s)", tr.Expression, v)
	}
	return strings.Join(parts, ", ")
}
