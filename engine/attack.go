package engine

import (
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// attacker sends the hits of a run of requests. It does what vegeta's Attacker does (the pacer
// says when each hit is due, up to Connections workers send them, started on demand, and each
// hit becomes a vegeta.Result), with fewer hand-offs: vegeta's pacing goroutine hands each hit
// to a worker over a channel, and the worker hands its result to the aggregator over another,
// two goroutine wake-ups per hit beside the network's. Here the worker that is free takes the
// pacing itself (one worker at a time holds it, waiting for the next hit's time), sends the
// hit it paced and records the result into the aggregator under its lock. The CPU profile of
// a 10,000/s run showed those hand-offs, with the scheduler work and allocations they bring,
// among the largest costs after the system calls.
type attacker struct {
	rt        http.RoundTripper  // the engine's client's transport (see send)
	redirects *redirectTransport // nil when no request follows redirects
	tg        *tagger
	pacer     vegeta.Pacer
	du        time.Duration // vegeta's attack duration: no hit is paced once it has elapsed
	agg       *aggregator
	max       int // the most workers

	began time.Time // the attack's start: the pacer's elapsed time counts from it

	// mu is the pacing, held by the worker that waits for the next hit's time
	mu      sync.Mutex
	hits    uint64 // the hits paced so far: the number of the next
	over    bool   // the pacer, the duration or the targeter ended the attack
	workers int

	waiting  atomic.Int32 // workers waiting for the pacing: free to take a hit
	ended    atomic.Bool  // set by end
	stopOnce sync.Once
	stop     chan struct{} // closed by Stop
	wg       sync.WaitGroup
	finished chan struct{} // closed once every worker has returned
}

func newAttacker(client *http.Client, redirects *redirectTransport, tg *tagger, pacer vegeta.Pacer, du time.Duration, agg *aggregator, workers int) *attacker {
	return &attacker{rt: client.Transport, redirects: redirects, tg: tg, pacer: pacer, du: du, agg: agg, max: workers,
		stop: make(chan struct{}), finished: make(chan struct{})}
}

// start begins the attack with initial workers (at most max); it returns at once.
func (a *attacker) start(initial int) {
	// the start is taken after the run's setup, which would otherwise add to every corrected
	// latency; intended send times count from it unless the run has a StartAt
	a.began = time.Now()
	if a.agg.attackBegan.IsZero() {
		a.agg.attackBegan = a.began
	}
	a.mu.Lock()
	a.workers = min(initial, a.max)
	a.wg.Add(a.workers)
	a.mu.Unlock()
	for range min(initial, a.max) {
		go a.work()
	}
	go func() {
		a.wg.Wait()
		close(a.finished)
	}()
}

// Stop sends no more hits, not even one a worker is waiting to send; the requests in flight
// go on.
func (a *attacker) Stop() { a.stopOnce.Do(func() { close(a.stop) }) }

// end paces no more hits: the run's time is over. A hit already paced (due before the end,
// its worker waiting for its time) still leaves.
func (a *attacker) end() { a.ended.Store(true) }

func (a *attacker) stopped() bool {
	select {
	case <-a.stop:
		return true
	default:
		return false
	}
}

// work paces, sends and records hits until the attack is over or stopped.
func (a *attacker) work() {
	defer a.wg.Done()
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	w := &worker{}
	if a.redirects == nil {
		// the worker reads each response into its scratch (a hit's redirects outlive it)
		w.ctx = context.WithValue(context.Background(), h1ScratchKey{}, &w.scratch)
	}
	for {
		seq, ok := a.next(&timer)
		if !ok {
			return
		}
		a.hit(seq, w)
		a.agg.record(&w.res)
		w.recycle()
	}
}

// next waits for the next hit's time and returns its number; false when no more hits are
// to be sent.
func (a *attacker) next(timer **time.Timer) (uint64, bool) {
	a.waiting.Add(1)
	a.mu.Lock()
	a.waiting.Add(-1)
	defer a.mu.Unlock()
	if a.over || a.ended.Load() || a.stopped() {
		return 0, false
	}
	elapsed := time.Since(a.began)
	if a.du > 0 && elapsed > a.du {
		a.over = true
		return 0, false
	}
	wait, stop := a.pacer.Pace(elapsed, a.hits)
	if stop {
		a.over = true
		return 0, false
	}
	if wait > 0 && !a.sleep(timer, wait) {
		return 0, false
	}
	n := a.hits
	a.hits++
	if a.waiting.Load() == 0 && a.workers < a.max {
		// every other worker is busy: the next hit would wait for one
		a.workers++
		a.wg.Add(1)
		go a.work()
	}
	return n, true
}

// shortWait is the longest wait for a hit spent in an uninterruptible sleep (cheaper than a
// timer and a select); a Stop during it takes effect when it ends.
const shortWait = time.Millisecond

// sleep waits for d; false when the attack was stopped meanwhile.
func (a *attacker) sleep(timer **time.Timer, d time.Duration) bool {
	if d <= shortWait {
		time.Sleep(d)
		return !a.stopped()
	}
	if *timer == nil {
		*timer = time.NewTimer(d)
	} else {
		(*timer).Reset(d)
	}
	select {
	case <-(*timer).C:
		return true
	case <-a.stop:
		(*timer).Stop()
		return false
	}
}

// seqKey is the context key of a hit's number, for the redirect transport (which files what a
// hit's redirects measured under it).
type seqKey struct{}

// hit sends hit seq and fills res with what it measured, as vegeta's Attacker.hit does (its
// Result's fields mean the same), reading the response body to its end and keeping none of it.
func (a *attacker) hit(seq uint64, w *worker) {
	res := &w.res
	*res = vegeta.Result{Seq: seq, Timestamp: a.began.Add(time.Since(a.began))}
	var err error
	defer func() {
		res.Latency = time.Since(res.Timestamp)
		if err != nil {
			res.Error = err.Error()
		}
	}()
	tgt := &w.tgt
	*tgt = vegeta.Target{}
	if err = a.tg.target(tgt); err != nil {
		// the targeter ended the attack (vegeta.ErrNoTargets)
		a.mu.Lock()
		a.over = true
		a.mu.Unlock()
		a.Stop()
		return
	}
	res.Method, res.URL = tgt.Method, tgt.URL
	req, err := w.request(tgt)
	if err != nil {
		return
	}
	if a.redirects != nil {
		req = req.WithContext(context.WithValue(req.Context(), seqKey{}, seq))
	}
	w.sent = req
	r, err := send(a.rt, req)
	if err != nil {
		return
	}
	defer func() { _ = r.Body.Close() }() // before the latency is taken, as vegeta does
	if _, err = io.Copy(io.Discard, r.Body); err != nil {
		return
	}
	if req.ContentLength != -1 {
		res.BytesOut = uint64(req.ContentLength)
	}
	if res.Code = uint16(r.StatusCode); res.Code < 200 || res.Code >= 400 {
		res.Error = r.Status
	}
	res.Headers = r.Header
}
