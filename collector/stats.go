package collector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// StatsPath is where the reference server serves its snapshot.
const StatsPath = "/stats"

// StatsHandler serves GET /stats: a Snapshot of this host and of the calling process (in the
// given role, with its goroutines) as JSON. CPU percentages cover the time since the previous
// request, or a short fresh window for the first request or one long after the previous.
func StatsHandler(role string) http.Handler {
	probe := NewProbe(Watch{PID: int32(os.Getpid()), Role: role})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed: use GET"})
			return
		}
		snap, err := probe.Take(r.Context())
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, snap)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// StatsURL is the /stats URL of a target given by its base URL ("http://host:8080/api" gives
// "http://host:8080/api/stats"); query and fragment are dropped.
func StatsURL(target string) (string, error) {
	u, err := url.Parse(target)
	if err != nil {
		return "", fmt.Errorf("collector: target %q: %w", target, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("collector: target %q: want an http:// or https:// URL with a host", target)
	}
	u.Path = strings.TrimRight(u.Path, "/") + StatsPath
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	return u.String(), nil
}

// ErrNoStats means the target answered but does not serve a loadtest snapshot at /stats.
var ErrNoStats = errors.New("collector: target does not serve /stats")

// FetchStats gets one Snapshot from a /stats URL, sending userAgent as its User-Agent (a run
// sends the one its load requests carry, "loadtest/VERSION"). A target that answers with
// anything but what StatsHandler serves (a 404, a redirect, HTML, another JSON document)
// gives an error wrapping ErrNoStats. A nil client follows no redirect.
func FetchStats(ctx context.Context, client *http.Client, statsURL, userAgent string) (results.Snapshot, error) {
	if client == nil {
		client = noRedirectClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, statsURL, nil)
	if err != nil {
		return results.Snapshot{}, fmt.Errorf("collector: GET %s: %w", statsURL, err)
	}
	req.Header.Set("Accept", "application/json")
	if userAgent != "" {
		req.Header.Set("User-Agent", userAgent)
	}
	resp, err := client.Do(req)
	if err != nil {
		return results.Snapshot{}, fmt.Errorf("collector: GET %s: %w", statsURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return results.Snapshot{}, fmt.Errorf("collector: GET %s: %w", statsURL, err)
	}
	if resp.StatusCode != http.StatusOK {
		return results.Snapshot{}, fmt.Errorf("%w: GET %s: %s", ErrNoStats, statsURL, resp.Status)
	}
	return parseSnapshot(statsURL, resp.Header.Get("Content-Type"), body)
}

// parseSnapshot reads the answer of a /stats URL as StatsHandler writes it: a JSON snapshot
// with its time and the host's cores.
func parseSnapshot(statsURL, contentType string, body []byte) (results.Snapshot, error) {
	var snap results.Snapshot
	if !strings.HasPrefix(contentType, "application/json") {
		return snap, fmt.Errorf("%w: GET %s: the answer is %q, not a loadtest snapshot", ErrNoStats, statsURL, contentType)
	}
	if err := json.Unmarshal(body, &snap); err != nil || snap.Time.IsZero() || snap.NumCPU <= 0 {
		return results.Snapshot{}, fmt.Errorf("%w: GET %s: the answer is not a loadtest snapshot", ErrNoStats, statsURL)
	}
	return snap, nil
}

// noRedirectClient polls /stats when no client is given: a redirect is an answer that is not
// a snapshot, not a request to send elsewhere.
var noRedirectClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// StatsPoller records the snapshots a remote target serves at GET /stats: at once, every
// interval, and one last time when its context ends. The first request is a probe: a target
// that does not answer it with a snapshot, as the bundled server does (a 404, another answer,
// no answer at all), is not asked again, gives no samples and no error, and Note says why.
type StatsPoller struct {
	client    *http.Client
	url       string
	userAgent string
	interval  time.Duration

	ready     chan struct{}
	readyOnce sync.Once

	mu      sync.Mutex
	samples []results.Snapshot
	note    string
}

var _ Source = (*StatsPoller)(nil)

// NewStatsPoller polls statsURL (see StatsURL) every interval (DefaultInterval if 0) with
// client (one that follows no redirect if nil), sending userAgent as the User-Agent.
func NewStatsPoller(client *http.Client, statsURL, userAgent string, interval time.Duration) *StatsPoller {
	if interval <= 0 {
		interval = DefaultInterval
	}
	return &StatsPoller{client: client, url: statsURL, userAgent: userAgent, interval: interval, ready: make(chan struct{})}
}

// Run probes the target, then, when it served a snapshot, polls until ctx ends, polls one
// last time and returns. It stops early, with a Note, when the target answers a poll with
// anything but a snapshot. It always returns nil: a target's statistics are an extra, never
// a reason to fail a run.
func (p *StatsPoller) Run(ctx context.Context) error {
	defer p.markReady()
	supported := p.probe(ctx)
	p.markReady()
	if !supported {
		return nil
	}
	ticker := time.NewTicker(p.interval)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			if !p.poll(ctx) {
				return nil
			}
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalSampleTimeout)
			p.poll(final)
			cancel()
			return nil
		}
	}
}

// probe sends the first request and reports whether the target served a snapshot. Whatever
// else it answered, or its not answering, ends the polling for the run.
func (p *StatsPoller) probe(ctx context.Context) bool {
	snap, err := p.fetch(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.note = err.Error() + " (not asked again during this run)"
		return false
	}
	p.samples = append(p.samples, snap)
	return true
}

// poll takes one sample from a target that served the probe and reports whether polling
// should go on: a target that stops serving /stats is not asked again; one that does not
// answer (for a while) is.
func (p *StatsPoller) poll(ctx context.Context) bool {
	snap, err := p.fetch(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case err == nil:
		p.samples = append(p.samples, snap)
		p.note = ""
		return true
	case errors.Is(err, ErrNoStats):
		p.note = err.Error()
		return false
	default: // not answering (any more): keep trying quietly
		if ctx.Err() == nil {
			p.note = err.Error()
		}
		return true
	}
}

func (p *StatsPoller) fetch(ctx context.Context) (results.Snapshot, error) {
	rctx, cancel := context.WithTimeout(ctx, max(2*p.interval, 2*time.Second))
	defer cancel()
	return FetchStats(rctx, p.client, p.url, p.userAgent)
}

func (p *StatsPoller) markReady() { p.readyOnce.Do(func() { close(p.ready) }) }

// Ready is closed once the first poll has been answered or has failed.
func (p *StatsPoller) Ready() <-chan struct{} { return p.ready }

// Samples returns a copy of the snapshots received so far, oldest first.
func (p *StatsPoller) Samples() []results.Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]results.Snapshot(nil), p.samples...)
}

// Note says why the last poll gave no sample ("" after a successful one), for a run to report
// once (e.g. "target does not serve /stats: ... 404 Not Found").
func (p *StatsPoller) Note() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.note
}

// PollStats polls the /stats of target (a base URL) every interval until ctx ends, sending
// userAgent, and returns the snapshots received: none for a target that does not serve /stats
// or does not answer the first request.
func PollStats(ctx context.Context, target, userAgent string, interval time.Duration) ([]results.Snapshot, error) {
	statsURL, err := StatsURL(target)
	if err != nil {
		return nil, err
	}
	p := NewStatsPoller(nil, statsURL, userAgent, interval)
	_ = p.Run(ctx)
	return p.Samples(), nil
}

// SameHost reports whether two snapshots come from the same machine: by host ID when both
// have one, else by hostname. A target on the generator's host shares its CPU, so host idle
// then says nothing about the generator alone.
func SameHost(a, b results.Snapshot) bool {
	if a.HostID != "" && b.HostID != "" {
		return a.HostID == b.HostID
	}
	return a.Hostname != "" && a.Hostname == b.Hostname
}
