package scenarios

import (
	"reflect"
	"strings"
	"testing"
)

// TestFollowRedirects: a request's follow_redirects overrides the scenario's; the plan reports
// it per request name, and the run's hosts.
func TestFollowRedirects(t *testing.T) {
	src := "follow_redirects: 2\nrequests:\n  - {name: a, path: /a}\n  - {name: b, path: /b, follow_redirects: 0}\n  - {name: c, path: 'http://127.0.0.1:8081/c', follow_redirects: 5}\n"
	p := mustPlan(t, src, PlanOptions{})
	if got, want := p.FollowRedirects(), []int{2, 0, 5}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got, want := p.Origins(), []string{testTarget, "http://127.0.0.1:8081"}; !reflect.DeepEqual(got, want) {
		t.Errorf("origins %v, want %v", got, want)
	}
	flows := "flows:\n  - name: f\n    steps:\n      - {name: s, path: /a, follow_redirects: 3}\n      - {name: t, path: /b}\n"
	sc, err := Parse("f.yaml", []byte(flows))
	if err != nil {
		t.Fatal(err)
	}
	fp, err := sc.FlowPlan(PlanOptions{Target: testTarget})
	if err != nil {
		t.Fatal(err)
	}
	it := fp.NewIteration()
	if _, err := it.Start(0); err != nil {
		t.Fatal(err)
	}
	if it.FollowRedirects(0) != 3 || it.FollowRedirects(1) != 0 {
		t.Errorf("steps follow %d and %d, want 3 and 0", it.FollowRedirects(0), it.FollowRedirects(1))
	}
}

func TestFollowRedirectsOutOfRange(t *testing.T) {
	for _, src := range []string{
		"follow_redirects: 31\nrequests: [{path: /a}]\n",
		"requests: [{path: /a, follow_redirects: -1}]\n",
	} {
		_, err := Parse("r.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), "want 0 to 30") {
			t.Errorf("%q: got %v, want an error saying 0 to 30", src, err)
		}
	}
}
