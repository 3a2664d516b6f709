package engine

import (
	"slices"
	"sync"
	"time"
)

// maxTimerSlack bounds the measured timer resolution that corrected latencies forgive.
const maxTimerSlack = 2 * time.Millisecond

var (
	timerSlackOnce sync.Once
	timerSlack     time.Duration
)

// TimerSlack returns how late this process's timers fire: the median overshoot of a few short
// sleeps, at most maxTimerSlack. vegeta's pacer sleeps until each hit is due, so a hit cannot
// leave earlier than the timer lets it; where the runtime's timers have millisecond resolution
// (some kernels and VMs) every hit would otherwise look up to a millisecond late. The corrected
// latency forgives that much lag and counts all lag beyond it, so a stalled target or busy
// workers still show in full, less at most this slack.
func TimerSlack() time.Duration {
	timerSlackOnce.Do(func() {
		const probes, nap = 7, 50 * time.Microsecond
		over := make([]time.Duration, probes)
		for i := range over {
			t := time.Now()
			time.Sleep(nap)
			over[i] = time.Since(t) - nap
		}
		slices.Sort(over)
		timerSlack = min(max(over[probes/2], 0), maxTimerSlack)
	})
	return timerSlack
}

// correctedLatency is the latency of a hit measured from its intended send time, forgiving
// up to slack of sending lag: service + max(0, lag − slack), where lag = sent − intended.
func correctedLatency(service, lag, slack time.Duration) time.Duration {
	if lag <= slack {
		return service
	}
	return service + lag - slack
}
