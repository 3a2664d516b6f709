package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/loadtestdev/loadtest/collector"
	"github.com/loadtestdev/loadtest/internal/target"
	"github.com/loadtestdev/loadtest/results"
)

// hostReadyWait bounds how long a run waits for the first host samples (the "before" ones)
// before it starts the attack anyway.
const hostReadyWait = 3 * time.Second

// hostSampling samples both sides of a run: this host with the loadtest process (and the
// server process when the run started it), and the target's GET /stats when the run did not
// start the server.
type hostSampling struct {
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	local     *collector.Sampler
	remote    *collector.StatsPoller // nil when the run started the server
	serverPID int
	target    string
}

// startHostSampling starts sampling every interval and returns once the first samples are in
// (or hostReadyWait has passed). serverPID is the pid of the server the run started, 0 if none.
// Sampling goes on after ctx ends (so the "after" sample is taken) until finish is called.
func startHostSampling(ctx context.Context, target string, serverPID int, interval time.Duration) *hostSampling {
	hs := &hostSampling{serverPID: serverPID, target: target}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	hs.cancel = cancel
	watch := []collector.Watch{collector.Self()}
	if serverPID > 0 {
		watch = append(watch, collector.Watch{PID: int32(serverPID), Role: results.RoleServer})
	}
	hs.local = collector.NewSampler(collector.SamplerOptions{Interval: interval, Watch: watch})
	sources := []collector.Source{hs.local}
	if serverPID == 0 {
		if statsURL, err := collector.StatsURL(target); err == nil {
			hs.remote = collector.NewStatsPoller(nil, statsURL, interval)
			sources = append(sources, hs.remote)
		}
	}
	timeout := time.NewTimer(hostReadyWait)
	defer timeout.Stop()
	for _, src := range sources {
		hs.wg.Add(1)
		go func() {
			defer hs.wg.Done()
			_ = src.Run(sctx)
		}()
	}
	for _, src := range sources {
		select {
		case <-src.Ready():
		case <-timeout.C:
			return hs
		}
	}
	return hs
}

// finish takes the last samples, waits for the samplers to stop, and records the host section
// and the saturation warnings in r (when r is not nil). A note on a target without /stats goes
// to errOut.
func (hs *hostSampling) finish(r *results.Result, errOut io.Writer) {
	hs.cancel()
	hs.wg.Wait()
	if r == nil {
		return
	}
	local := hs.local.Samples()
	host := &results.Host{Generator: results.NewHostSeries("local", true, onlyRole(local, results.RoleGenerator))}
	a := collector.Assessment{Generator: host.Generator.Samples, FDErrors: fdErrors(r)}
	switch {
	case hs.serverPID > 0:
		host.Server = results.NewHostSeries(fmt.Sprintf("pid %d", hs.serverPID), true, onlyRole(local, results.RoleServer))
		a.Server, a.TargetOnSameHost = host.Server.Samples, true
	case hs.remote != nil && len(hs.remote.Samples()) > 0:
		remote := hs.remote.Samples()
		same := loopbackTarget(hs.target) || (len(local) > 0 && collector.SameHost(local[0], remote[0]))
		statsURL, _ := collector.StatsURL(hs.target)
		host.Server = results.NewHostSeries(statsURL, same, remote)
		a.Server, a.TargetOnSameHost = remote, same
	default:
		a.TargetOnSameHost = loopbackTarget(hs.target)
		if hs.remote != nil && hs.remote.Note() != "" {
			fmt.Fprintf(errOut, "note: the server side is not sampled: %s\n", hs.remote.Note())
		}
	}
	r.Host = host
	r.Warnings = append(r.Warnings, collector.Warnings(a)...)
}

// onlyRole returns copies of the samples keeping only the processes in role, so that each side's
// series shows its own process.
func onlyRole(samples []results.Snapshot, role string) []results.Snapshot {
	out := make([]results.Snapshot, len(samples))
	for i, s := range samples {
		s.Processes = nil
		for _, p := range samples[i].Processes {
			if p.Role == role {
				s.Processes = append(s.Processes, p)
			}
		}
		out[i] = s
	}
	return out
}

// fdErrors counts the failed requests whose error says the generator ran out of file
// descriptors.
func fdErrors(r *results.Result) uint64 {
	var n uint64
	for _, e := range r.Errors {
		if strings.Contains(e.Message, "too many open files") {
			n += e.Count
		}
	}
	return n
}

// loopbackTarget reports whether the target URL names this machine: a loopback host
// (target.IsLoopback), the unspecified address, a name under .localhost, or this host's name.
func loopbackTarget(base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if target.IsLoopback(h) {
		return true
	}
	if ip := net.ParseIP(h); ip != nil {
		return ip.IsUnspecified()
	}
	name, _ := os.Hostname()
	return strings.HasSuffix(h, ".localhost") || (name != "" && strings.EqualFold(h, name))
}
