package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/loadtestdev/loadtest/capacity"
)

// QueueReport is a solved M/M/c queue with the target its server count was chosen for:
// MaxWait or MaxWaitProbability when one was given, neither when the count was.
type QueueReport struct {
	Metrics            capacity.QueueMetrics
	MaxWait            time.Duration
	MaxWaitProbability float64
}

// target describes the target the server count was chosen for; "" for a given count.
func (r QueueReport) target() string {
	switch {
	case r.MaxWait > 0:
		return "mean wait ≤ " + r.MaxWait.String()
	case r.MaxWaitProbability > 0:
		return "P(wait) ≤ " + formatShare(r.MaxWaitProbability)
	}
	return ""
}

// WriteQueue writes a queue's figures as a text or Markdown table, or as JSON.
func WriteQueue(w io.Writer, format string, r QueueReport) error {
	switch format {
	case FormatJSON:
		return writeQueueJSON(w, r)
	case FormatText, FormatMarkdown:
		e := &errWriter{w: w}
		if format == FormatMarkdown {
			e.printf("## M/M/c queue\n\n")
		} else {
			e.printf("M/M/c queue (Erlang C)\n")
		}
		e.table([]string{"quantity", "value", "note"}, queueRows(r), "lrl", format == FormatMarkdown)
		return e.err
	}
	return fmt.Errorf("%w %q for a queue (allowed: text, json, md)", ErrFormat, format)
}

func queueRows(r QueueReport) [][]string {
	m := r.Metrics
	servers := []string{"servers", strconv.Itoa(m.Servers), "given"}
	if t := r.target(); t != "" {
		servers[2] = "the fewest with " + t
	}
	return [][]string{
		{"arrival rate", formatNumber(m.ArrivalRate), "req/s"},
		{"service time", formatTimeS(m.ServiceTime), "mean, S"},
		{"offered load", formatNumber(m.OfferedLoad), "erlangs, A = λS"},
		servers,
		{"utilisation", formatShare(m.Utilization), "ρ = A / c"},
		{"P(wait)", fixed(m.WaitProbability, 6), "Erlang C"},
		{"mean wait", formatTimeS(m.MeanWait), "Wq = C·S / (c − A)"},
		{"p90 wait", formatTimeS(m.WaitPercentile(0.90)), ""},
		{"p99 wait", formatTimeS(m.WaitPercentile(0.99)), ""},
		{"response time", formatTimeS(m.MeanResponse), "mean, R = Wq + S"},
		{"queue length", formatNumber(m.MeanQueueLength), "mean waiting, Lq = λ·Wq"},
		{"in system", formatNumber(m.MeanInSystem), "mean, L = λ·R"},
	}
}

type queueJSON struct {
	ArrivalRate     float64 `json:"arrival_rate"`
	ServiceTimeS    float64 `json:"service_time_s"`
	Servers         int     `json:"servers"`
	Target          string  `json:"target,omitempty"`
	OfferedLoad     float64 `json:"offered_load_erlangs"`
	Utilization     float64 `json:"utilization"`
	WaitProbability float64 `json:"wait_probability"`
	MeanWaitS       float64 `json:"mean_wait_s"`
	P90WaitS        float64 `json:"p90_wait_s"`
	P99WaitS        float64 `json:"p99_wait_s"`
	MeanResponseS   float64 `json:"mean_response_s"`
	MeanQueueLength float64 `json:"mean_queue_length"`
	MeanInSystem    float64 `json:"mean_in_system"`
}

func writeQueueJSON(w io.Writer, r QueueReport) error {
	m := r.Metrics
	doc := queueJSON{ArrivalRate: m.ArrivalRate, ServiceTimeS: m.ServiceTime, Servers: m.Servers, Target: r.target(),
		OfferedLoad: m.OfferedLoad, Utilization: m.Utilization, WaitProbability: m.WaitProbability,
		MeanWaitS: m.MeanWait, P90WaitS: m.WaitPercentile(0.9), P99WaitS: m.WaitPercentile(0.99),
		MeanResponseS: m.MeanResponse, MeanQueueLength: m.MeanQueueLength, MeanInSystem: m.MeanInSystem}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
