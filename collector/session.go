package collector

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/loadtestdev/loadtest/internal/target"
	"github.com/loadtestdev/loadtest/results"
)

// DefaultReadyWait bounds how long StartSession waits for the first samples (the "before"
// ones) before it lets the run start anyway.
const DefaultReadyWait = 3 * time.Second

// SessionOptions say what the sampling session of one run samples.
type SessionOptions struct {
	// Target is the run's base URL; when the run did not start the server (ServerPID 0) its
	// GET /stats is polled for the server side, unless NoServerStats.
	Target string
	// OtherHosts are the run's hosts besides the target's (scheme://host:port: a scenario's
	// named hosts and absolute URLs). Their server side is not sampled; the server side's
	// origin says so, and one on this machine counts as a target on the generator's host.
	OtherHosts []string
	// NoServerStats turns the /stats poll off: not a single request is sent to it.
	NoServerStats bool
	// UserAgent is the User-Agent of the /stats requests: the one the run's load requests
	// carry ("loadtest/VERSION").
	UserAgent string
	// ServerPID is the pid of the server the run started, 0 if none.
	ServerPID int
	// Interval is how often both sides are sampled.
	Interval time.Duration
	// ReadyWait bounds the wait for the first samples (default DefaultReadyWait).
	ReadyWait time.Duration
	// Client polls /stats (default one that follows no redirect, see NewStatsPoller).
	Client *http.Client
}

// Session samples both sides of a run: this host with the loadtest process (and the server
// process when the run started it), and the target's GET /stats when the run did not start the
// server (see StatsPoller: one probe request decides whether it is polled).
type Session struct {
	opts   SessionOptions
	cancel context.CancelFunc
	wg     sync.WaitGroup
	local  *Sampler
	remote *StatsPoller // nil when the run started the server
}

// StartSession starts sampling and returns once the first samples are in, ReadyWait has
// passed, or ctx is done (an interrupted start-up is not held up). Sampling goes on after ctx
// ends, so that the "after" sample is taken, until Finish is called.
func StartSession(ctx context.Context, o SessionOptions) *Session {
	if o.ReadyWait <= 0 {
		o.ReadyWait = DefaultReadyWait
	}
	s := &Session{opts: o}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	watch := []Watch{Self()}
	if o.ServerPID > 0 {
		watch = append(watch, Watch{PID: int32(o.ServerPID), Role: results.RoleServer})
	}
	s.local = NewSampler(SamplerOptions{Interval: o.Interval, Watch: watch})
	sources := []Source{s.local}
	if o.ServerPID == 0 && !o.NoServerStats {
		if statsURL, err := StatsURL(o.Target); err == nil {
			s.remote = NewStatsPoller(o.Client, statsURL, o.UserAgent, o.Interval)
			sources = append(sources, s.remote)
		}
	}
	for _, src := range sources {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			_ = src.Run(sctx)
		}()
	}
	timeout := time.NewTimer(o.ReadyWait)
	defer timeout.Stop()
	for _, src := range sources {
		select {
		case <-src.Ready():
		case <-timeout.C:
			return s
		case <-ctx.Done():
			return s
		}
	}
	return s
}

// EngineFigures are what the engine measured that the saturation rules need: its connection
// cap and the most requests it had in flight at once, and the requests that failed for want
// of a file descriptor.
type EngineFigures struct {
	ConnectionCap int
	// Sessions says the cap is a run of flows' max_sessions (a start that finds every session
	// busy is dropped, not delayed), not --connections.
	Sessions     bool
	PeakInFlight int
	FDErrors     uint64
	// BehindSchedule is true when the engine sent hits late.
	BehindSchedule bool
}

// HostReport is what a session found: each side's samples (each with only its own process),
// where the server side came from, the saturation warnings, and a note for the user when the
// server side could not be sampled.
type HostReport struct {
	Generator []results.Snapshot
	// Server is nil when the server side was not sampled; ServerOrigin is "pid N" or the
	// /stats URL, and ServerSameHost says whether it runs on the generator's host.
	Server         []results.Snapshot
	ServerOrigin   string
	ServerSameHost bool
	Warnings       []results.Warning
	Note           string
}

// Finish takes the last samples, stops the samplers and assesses both sides with the engine's
// figures.
func (s *Session) Finish(eng EngineFigures) HostReport {
	s.cancel()
	s.wg.Wait()
	local := s.local.Samples()
	rep := HostReport{Generator: onlyRole(local, results.RoleGenerator)}
	a := Assessment{Generator: rep.Generator, FDErrors: eng.FDErrors, ConnectionCap: eng.ConnectionCap, PeakConnections: eng.PeakInFlight,
		BehindSchedule: eng.BehindSchedule, Sessions: eng.Sessions}
	switch {
	case s.opts.ServerPID > 0:
		rep.Server, rep.ServerOrigin, rep.ServerSameHost = onlyRole(local, results.RoleServer), fmt.Sprintf("pid %d", s.opts.ServerPID)+s.otherHostsNote(), true
	case s.remote != nil && len(s.remote.Samples()) > 0:
		remote := s.remote.Samples()
		statsURL, _ := StatsURL(s.opts.Target)
		rep.Server, rep.ServerOrigin = remote, statsURL+s.otherHostsNote()
		rep.ServerSameHost = LoopbackTarget(s.opts.Target) || (len(local) > 0 && SameHost(local[0], remote[0]))
	default:
		if s.remote != nil && s.remote.Note() != "" {
			rep.Note = "the server side is not sampled: " + s.remote.Note()
		}
	}
	a.Server = rep.Server
	a.TargetOnSameHost = rep.ServerSameHost || (rep.Server == nil && LoopbackTarget(s.opts.Target)) || s.otherHostHere()
	rep.Warnings = Warnings(a)
	return rep
}

// otherHostsNote says, after the server side's origin, that it is the target's alone when
// the run has other hosts.
func (s *Session) otherHostsNote() string {
	if len(s.opts.OtherHosts) == 0 {
		return ""
	}
	return " (the target; not sampled: " + strings.Join(s.opts.OtherHosts, ", ") + ")"
}

// otherHostHere reports whether one of the run's other hosts is on this machine: it shares
// the generator's CPU, as a local target does.
func (s *Session) otherHostHere() bool {
	for _, h := range s.opts.OtherHosts {
		if LoopbackTarget(h) {
			return true
		}
	}
	return false
}

// onlyRole returns copies of the samples keeping only the processes in role, so that each
// side's series shows its own process.
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

// LoopbackTarget reports whether the target URL names this machine: a loopback host
// (target.IsLoopback), the unspecified address, a name under .localhost, or this host's name.
func LoopbackTarget(base string) bool {
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
