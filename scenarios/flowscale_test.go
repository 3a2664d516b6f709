package scenarios

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// bigFlow is a scenario with one flow of n steps, each extracting a value the next one uses
// (a long HAR import has this shape).
func bigFlow(n int) string {
	var b strings.Builder
	b.WriteString("target: http://127.0.0.1:8080\nflows:\n  - name: big\n    steps:\n")
	for i := 0; i < n; i++ {
		path := "/echo"
		if i > 0 {
			path = fmt.Sprintf("/echo?v={{ v%d }}", i-1)
		}
		fmt.Fprintf(&b, "      - name: s%d\n        path: %s\n        extract: {v%d: {header: X-V}}\n        check: [{status: 200}]\n", i, path, i)
	}
	return b.String()
}

// compileBytes is what parsing and compiling src allocates.
func compileBytes(t *testing.T, src string) uint64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	sc, err := Parse("big.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.FlowPlan(PlanOptions{}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestFlowCompileLinear: compiling a flow allocates in proportion to its steps. Doubling the
// steps of a linear compile doubles its allocations; a quadratic one quadruples them.
func TestFlowCompileLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles flows of thousands of steps")
	}
	small, large := compileBytes(t, bigFlow(1000)), compileBytes(t, bigFlow(4000))
	if ratio := float64(large) / float64(small); ratio > 6 {
		t.Errorf("a flow of 4000 steps allocates %.1fx one of 1000 (%d vs %d bytes), want about 4x (linear), not 16x", ratio, large, small)
	}
}
