package resultstest

import (
	"testing"

	"github.com/loadtestdev/loadtest/results"
)

// TestFlowResultIsConsistent checks the invariants of the flows contract on the fabricated run,
// so that the tests built on it test against a result the engine could have written.
func TestFlowResultIsConsistent(t *testing.T) {
	r := FlowResult(t, SignupFlows(), 5)
	var iterations, dropped, requests, completed, failed, passes, fails uint64
	for _, s := range r.Timeline {
		iterations += s.Iterations
		dropped += s.DroppedIterations
		requests += s.Requests
	}
	for _, name := range r.FlowNames() {
		f := r.Flows[name]
		if f.Completed+f.Failed != f.Iterations {
			t.Errorf("%s: completed %d + failed %d, want %d iterations", name, f.Completed, f.Failed, f.Iterations)
		}
		for _, step := range f.Steps {
			if r.ByRequest[name+"/"+step] == nil {
				t.Errorf("%s: step %s is not in by_request as %s/%s", name, step, name, step)
			}
		}
		c, fl, err := r.IterationHistograms(name)
		if err != nil {
			t.Fatal(err)
		}
		if uint64(c.TotalCount()) != f.Completed || uint64(fl.TotalCount()) != f.Failed || results.Summarize(c) != f.IterationMS {
			t.Errorf("%s: histograms hold %d and %d iterations, want %d and %d with the summary written", name, c.TotalCount(), fl.TotalCount(), f.Completed, f.Failed)
		}
		completed += f.Completed
		failed += f.Failed
		tot := f.CheckTotals()
		passes += tot.Passes
		fails += tot.Fails
	}
	got := []uint64{iterations, dropped, requests, completed, failed, passes, fails}
	want := []uint64{r.Iterations, r.DroppedIterations, r.Requests, r.IterationsCompleted, r.IterationsFailed, r.Checks.Passes, r.Checks.Fails}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("sum %d (iterations, dropped, requests, completed, failed, passes, fails): got %d, want %d", i, got[i], want[i])
		}
	}
	if r.Iterations != 200 || r.DroppedIterations != 8 || r.Checks.Fails != 4 || r.Checks.Ratio != 716.0/720 {
		t.Errorf("got %d iterations, %d dropped, checks %+v, want 200, 8 and 716/720", r.Iterations, r.DroppedIterations, *r.Checks)
	}
}
