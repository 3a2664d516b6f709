package results

// Probe is the outcome of `loadtest probe`: the highest rate that met the SLOs, and whether
// the search converged on the server's limit.
type Probe struct {
	SLOs []string `json:"slos"`
	// SustainableRate is the highest rate that met every SLO (0 when none did).
	SustainableRate float64 `json:"sustainable_rate"`
	// Converged is true when the search ended with the highest passing rate and the lowest
	// rate the server failed at within Precision of each other.
	Converged bool `json:"converged"`
	// Stop says why the search ended: one of the ProbeStop values.
	Stop string `json:"stop,omitempty"`
	// Bracket is [highest passed, lowest failed]: where the server's limit lies.
	Bracket *ProbeBracket `json:"bracket,omitempty"`
	// Precision is the precision asked (a share, 0.05 for 5%); PrecisionReached the one
	// reached, (lowest failed − highest passed) / lowest failed, absent when no step failed
	// or none passed.
	Precision        float64 `json:"precision,omitempty"`
	PrecisionReached float64 `json:"precision_reached,omitempty"`
	// GeneratorLimit is the lowest rate at which a step failed because of the load generator,
	// not the server (0 if none): the search went no higher than it.
	GeneratorLimit float64     `json:"generator_limit,omitempty"`
	Steps          []ProbeStep `json:"steps"`
}

// Why a probe's search ended (Probe.Stop).
const (
	// ProbeConverged: the bracket is within the precision.
	ProbeConverged = "converged"
	// ProbeMaxSteps: --max-steps ran out before the bracket was within the precision.
	ProbeMaxSteps = "max_steps"
	// ProbeMaxRate: every step passed up to --max; the server's limit is above it.
	ProbeMaxRate = "max_rate"
	// ProbeGenerator: the load generator could not send a rate the server might hold; the
	// server's limit is above what this generator measured.
	ProbeGenerator = "generator"
	// ProbeInterrupted: the probe was stopped (Ctrl-C) or a step failed to run.
	ProbeInterrupted = "interrupted"
	// ProbeNonePassed: no step met the SLOs, down to the lowest rate tried.
	ProbeNonePassed = "none_passed"
)

// ProbeBracket is where a probe places the server's limit: it held HighestPassed and failed
// at LowestFailed (0 when no step failed because of the server).
type ProbeBracket struct {
	HighestPassed float64 `json:"highest_passed"`
	LowestFailed  float64 `json:"lowest_failed,omitempty"`
}

// ProbeStep is one constant-rate step of a probe, with what a run records: its counts,
// status codes, errors, warnings and the host samples of both sides.
type ProbeStep struct {
	RateAsked  float64 `json:"rate_asked"`
	Rate       float64 `json:"rate"`
	Throughput float64 `json:"throughput"`
	P99MS      float64 `json:"p99_ms"`
	ErrorRatio float64 `json:"error_ratio"`
	Passed     bool    `json:"passed"`
	Breached   string  `json:"breached,omitempty"`
	// FailedBy is "generator" for a failed step that the load generator limited (its CPU,
	// its file descriptors or its timer, see Result.GeneratorLimited): such a step does not
	// count as the server's limit. "server" for any other failed step.
	FailedBy string `json:"failed_by,omitempty"`

	DurationS   float64           `json:"duration_s,omitempty"`
	Planned     uint64            `json:"planned,omitempty"`
	Sent        uint64            `json:"sent,omitempty"`
	Requests    uint64            `json:"requests"`
	Successes   uint64            `json:"successes"`
	StatusCodes map[string]uint64 `json:"status_codes,omitempty"`
	Errors      []ErrorCount      `json:"errors,omitempty"`
	Warnings    []Warning         `json:"warnings,omitempty"`
	Host        *Host             `json:"host,omitempty"`
	Interrupted bool              `json:"interrupted,omitempty"`
}

// Who failed a probe step (ProbeStep.FailedBy).
const (
	FailedByServer    = "server"
	FailedByGenerator = "generator"
)
