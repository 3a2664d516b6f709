package results

// Fields of a run of a scenario with flows (multi-step journeys). A run of plain requests
// leaves them all empty; its file is unchanged.

// Checks counts the check outcomes of a run (every check of every step sent): the ratio that
// a "checks>99%" threshold reads. Ratio is Passes / (Passes + Fails), 1 with no check run.
type Checks struct {
	Passes uint64  `json:"passes"`
	Fails  uint64  `json:"fails"`
	Ratio  float64 `json:"ratio"`
}

// FlowStats are the figures of one flow of a scenario. Its steps' requests are in the result's
// ByRequest under "FLOW/STEP", in the order Steps gives.
type FlowStats struct {
	// Iterations started; Completed + Failed = Iterations once the run has ended. Dropped are
	// starts that found every session busy (max_sessions) and were not run.
	Iterations uint64 `json:"iterations"`
	Completed  uint64 `json:"completed"`
	Failed     uint64 `json:"failed"`
	Dropped    uint64 `json:"dropped"`
	// Steps are the request steps' names in flow order (think steps have none).
	Steps []string `json:"steps"`
	// IterationMS is the duration of completed iterations, from the intended start to the end
	// of the last step (think time included); FailedIterationMS the same for failed ones.
	IterationMS       Latency `json:"iteration_ms"`
	FailedIterationMS Latency `json:"failed_iteration_ms"`
	// Checks are the flow's checks and extractions, in step order.
	Checks     []CheckStats   `json:"checks,omitempty"`
	Histograms FlowHistograms `json:"histograms"`
	// Skipped counts, per request step, the times a when (the step's or its group's) skipped
	// it: not sent, in no request count.
	Skipped map[string]uint64 `json:"skipped,omitempty"`
	// Polls are the figures of the steps that poll, by step name.
	Polls map[string]*PollStats `json:"polls,omitempty"`
	// LoopsAtMax counts, per while group, the times it stopped at its max passes while its
	// condition still held.
	LoopsAtMax map[string]uint64 `json:"loops_at_max,omitempty"`
}

// PollStats are the figures of one step that polls. Every attempt is one of the step's
// requests in ByRequest; Polls = Succeeded + TimedOut + Failed once the run has ended.
type PollStats struct {
	// Polls started; Succeeded when until held, TimedOut when the timeout passed first (the
	// last attempt fails with class timeout), Failed when an attempt failed (no response, a
	// status, a check).
	Polls     uint64 `json:"polls"`
	Succeeded uint64 `json:"succeeded"`
	TimedOut  uint64 `json:"timed_out"`
	Failed    uint64 `json:"failed"`
	// Attempts is every attempt of every poll; AttemptsMax the most one poll made.
	Attempts    uint64 `json:"attempts"`
	AttemptsMax uint64 `json:"attempts_max"`
	// CompletionMS is the completion time of the polls that succeeded: from the first
	// attempt's intended start to the end of the attempt that saw until hold.
	CompletionMS Latency `json:"completion_ms"`
	// Histogram is CompletionMS's HdrHistogram, encoded like Histograms.
	Histogram string `json:"histogram,omitempty"`
}

// AttemptsMean is the mean number of attempts per poll (0 with no poll).
func (p *PollStats) AttemptsMean() float64 {
	if p.Polls == 0 {
		return 0
	}
	return float64(p.Attempts) / float64(p.Polls)
}

// ErrorClassTimeout is the error class of a poll's last attempt when the poll timed out.
const ErrorClassTimeout = "timeout"

// CheckStats is one check (or extraction) of a step with how often it passed and failed, and
// one sample of a failure: what was seen.
type CheckStats struct {
	Name   string `json:"name"`
	Step   string `json:"step"`
	Passes uint64 `json:"passes"`
	Fails  uint64 `json:"fails"`
	Sample string `json:"sample,omitempty"`
}

// FlowHistograms are a flow's iteration-duration histograms (encoded like Histograms), of
// completed and of failed iterations.
type FlowHistograms struct {
	Iteration       string `json:"iteration"`
	FailedIteration string `json:"failed_iteration,omitempty"`
}

// ErrorClassCheck is the error class of a request failed by a check or an extraction: its
// message names the check and what was seen.
const ErrorClassCheck = "check"
