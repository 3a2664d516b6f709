package metrics

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
)

// dashboardFile is the Grafana dashboard of these series (docs/metrics.md).
const dashboardFile = "../docs/grafana/loadtest.json"

// dashboard is the part of a Grafana dashboard's JSON model the test reads.
type dashboard struct {
	UID           string `json:"uid"`
	Title         string `json:"title"`
	SchemaVersion int    `json:"schemaVersion"`
	Templating    struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		ID         int    `json:"id"`
		Type       string `json:"type"`
		Title      string `json:"title"`
		Datasource *struct {
			Type string `json:"type"`
			UID  string `json:"uid"`
		} `json:"datasource"`
		GridPos *struct{ X, Y, W, H int } `json:"gridPos"`
		Targets []struct {
			RefID string `json:"refId"`
			Expr  string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

// grafanaVars are Grafana's variables in an expression: $__rate_interval and the like become a
// duration, the dashboard's own ($scenario, ${request}) a label value, so that PromQL parses.
var (
	grafanaIntervals = regexp.MustCompile(`\$__(rate_interval|interval|range)\b`)
	grafanaVars      = regexp.MustCompile(`\$\{?\w+\}?`)
)

func promQL(expr string) string {
	return grafanaVars.ReplaceAllString(grafanaIntervals.ReplaceAllString(expr, "1m"), "x")
}

// exportedLabels maps each exported series name (histograms with their _bucket, _sum and
// _count) to its labels, as a scrape of the hand-built result shows them.
func exportedLabels(t *testing.T) map[string][]string {
	t.Helper()
	e := New(Options{})
	e.Final(handBuilt(t))
	out := map[string][]string{}
	for _, f := range gather(t, e) {
		var names []string
		for _, l := range f.GetMetric()[0].GetLabel() {
			names = append(names, l.GetName())
		}
		out[f.GetName()] = names
		if f.GetType().String() == "HISTOGRAM" {
			out[f.GetName()+"_bucket"] = append(slices.Clone(names), "le")
			out[f.GetName()+"_sum"] = names
			out[f.GetName()+"_count"] = names
		}
	}
	return out
}

// TestDashboard validates the dashboard's JSON and parses every PromQL expression in it with
// Prometheus' own parser; each series it selects must be one this package exports, and each
// label it matches one of that series' labels.
func TestDashboard(t *testing.T) {
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	if d.UID == "" || d.Title == "" || d.SchemaVersion == 0 {
		t.Errorf("%s: uid %q, title %q, schemaVersion %d: want all three", dashboardFile, d.UID, d.Title, d.SchemaVersion)
	}
	exported := exportedLabels(t)
	p := parser.NewParser(parser.Options{})
	var exprs []string
	for _, v := range d.Templating.List {
		if q, ok := v.Query.(map[string]any); ok && v.Type == "query" {
			// label_values(SELECTOR, LABEL) is Grafana's; its selector is PromQL
			m := regexp.MustCompile(`^label_values\((.*),\s*(\w+)\)$`).FindStringSubmatch(q["query"].(string))
			if m == nil {
				t.Errorf("variable %s: query %q is not label_values(SELECTOR, LABEL)", v.Name, q["query"])
				continue
			}
			exprs = append(exprs, m[1])
		}
	}
	ids := map[int]bool{}
	used := map[string]bool{}
	for _, pn := range d.Panels {
		if ids[pn.ID] {
			t.Errorf("panel %q: id %d is not unique", pn.Title, pn.ID)
		}
		ids[pn.ID] = true
		if pn.GridPos == nil || pn.GridPos.W == 0 || pn.GridPos.H == 0 {
			t.Errorf("panel %q has no gridPos", pn.Title)
		}
		if pn.Type == "row" {
			continue
		}
		if pn.Datasource == nil || pn.Datasource.Type != "prometheus" || pn.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q: datasource %+v, want the prometheus ${datasource} variable", pn.Title, pn.Datasource)
		}
		if len(pn.Targets) == 0 {
			t.Errorf("panel %q has no query", pn.Title)
		}
		for _, tg := range pn.Targets {
			if tg.RefID == "" || tg.Expr == "" {
				t.Errorf("panel %q: a target without refId or expr: %+v", pn.Title, tg)
			}
			exprs = append(exprs, tg.Expr)
		}
	}
	for _, expr := range exprs {
		ast, err := p.ParseExpr(promQL(expr))
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		parser.Inspect(ast, func(n parser.Node, _ []parser.Node) error {
			vs, ok := n.(*parser.VectorSelector)
			if !ok {
				return nil
			}
			labels, ok := exported[vs.Name]
			if !ok {
				t.Errorf("%s: selects %q, which is no exported series", expr, vs.Name)
				return nil
			}
			used[vs.Name] = true
			for _, m := range vs.LabelMatchers {
				if m.Name != "__name__" && !slices.Contains(labels, m.Name) {
					t.Errorf("%s: matches label %q, which %s has not (it has %v)", expr, m.Name, vs.Name, labels)
				}
			}
			return nil
		})
	}
	for _, name := range []string{"loadtest_rate_target", "loadtest_requests_total", "loadtest_request_duration_seconds_bucket", "loadtest_errors_total", "loadtest_checks_total", "loadtest_iteration_duration_seconds_bucket", "loadtest_dropped_iterations_total"} {
		if !used[name] {
			t.Errorf("the dashboard shows no %s", name)
		}
	}
}

// TestDashboardCheckCanFail feeds the dashboard check's pieces a bad expression and a series
// that does not exist, so that a passing TestDashboard means something.
func TestDashboardCheckCanFail(t *testing.T) {
	p := parser.NewParser(parser.Options{})
	if _, err := p.ParseExpr(promQL(`sum(rate(loadtest_requests_total[$__rate_interval])`)); err == nil {
		t.Error("an unbalanced expression parsed")
	}
	if _, ok := exportedLabels(t)["loadtest_request_total"]; ok {
		t.Error("a misspelt series is exported")
	}
	if got := promQL(`x{scenario=~"$scenario",request=~"${request}"}[$__rate_interval]`); got != `x{scenario=~"x",request=~"x"}[1m]` {
		t.Errorf("promQL: got %s", got)
	}
}
