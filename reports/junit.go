package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/loadtestdev/loadtest/results"
)

// JUnit XML, as CI systems read it (the Jenkins/Ant schema that GitHub, GitLab and Jenkins
// understand): a <testsuites> root, one <testsuite> per result, one <testcase> per threshold.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	TimeS    string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	TimeS      string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	TimeS     string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// JUnit writes results as JUnit XML: one testsuite per result and one testcase per threshold,
// a failed threshold as a failure carrying the measured value, and in a run with flows one
// testcase per check, failed when the check failed at least once, and one per polling step,
// failed when a poll timed out or failed. A result without thresholds
// gets one testcase saying the run completed, with its success ratio; it fails when no
// request succeeded.
func JUnit(w io.Writer, rs ...*results.Result) error {
	doc := junitSuites{Name: "loadtest"}
	total := 0.0
	for _, r := range rs {
		s := junitSuiteOf(r)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		total += r.DurationS
		doc.Suites = append(doc.Suites, s)
	}
	doc.TimeS = fmt.Sprintf("%.3f", total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("reports: junit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("reports: junit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("reports: junit: %w", err)
	}
	return nil
}

// junitSuiteOf is the testsuite of one result.
func junitSuiteOf(r *results.Result) junitSuite {
	s := junitSuite{
		Name:  "loadtest " + r.Scenario,
		TimeS: fmt.Sprintf("%.3f", r.DurationS),
		Properties: []junitProperty{
			{"scenario", r.Scenario}, {"target", r.Target},
			{"requests", fmt.Sprint(r.Requests)}, {"success_ratio", fmt.Sprintf("%.4f", r.SuccessRatio)},
			{"rate", fmt.Sprintf("%.2f req/s", r.Rate)}, {"latency_p99", formatMS(r.LatencyMS.P99)},
		},
		SystemOut: junitSummary(r),
	}
	if !r.Started.IsZero() {
		s.Timestamp = r.Started.UTC().Format("2006-01-02T15:04:05")
	}
	if len(r.Sources) > 0 {
		s.Properties = append(s.Properties, junitProperty{"sources", strings.Join(r.Sources, ", ")})
	}
	if r.HasFlows() {
		s.Properties = append(s.Properties, junitProperty{"iterations", fmt.Sprint(r.Iterations)},
			junitProperty{"iteration_rate", fmt.Sprintf("%.2f iterations/s", r.IterationRate())},
			junitProperty{"iterations_failed", fmt.Sprint(r.IterationsFailed)}, junitProperty{"dropped_iterations", fmt.Sprint(r.DroppedIterations)})
		if r.Checks != nil {
			s.Properties = append(s.Properties, junitProperty{"checks_ratio", fmt.Sprintf("%.4f", r.Checks.Ratio)})
		}
	}
	class := "loadtest." + r.Scenario
	for _, th := range r.Thresholds {
		c := junitCase{Name: th.Expression, Classname: class + ".thresholds", TimeS: "0"}
		if !th.Passed {
			c.Failure = &junitFailure{
				Type:    "threshold",
				Message: junitThresholdMessage(th),
				Text:    fmt.Sprintf("threshold: %s\nmeasured: %s\nsource: %s\n", th.Expression, formatMeasured(th), th.Source),
			}
			s.Failures++
		}
		s.Cases = append(s.Cases, c)
	}
	s.Cases = append(s.Cases, junitCheckCases(r, class)...)
	s.Cases = append(s.Cases, junitPollCases(r, class)...)
	for _, c := range s.Cases {
		if c.Failure != nil && (c.Failure.Type == "check" || c.Failure.Type == "poll") {
			s.Failures++
		}
	}
	if len(r.Thresholds) == 0 {
		c := junitCase{
			Name:      fmt.Sprintf("run completed: %s requests, %s success", formatCount(r.Requests), formatPercent(r.SuccessRatio)),
			Classname: class, TimeS: fmt.Sprintf("%.3f", r.DurationS),
		}
		if r.Successes == 0 {
			c.Failure = &junitFailure{Type: "run", Message: fmt.Sprintf("no request succeeded (%s)", r.NoSuccess())}
			s.Failures++
		}
		s.Cases = append(s.Cases, c)
	}
	s.Tests = len(s.Cases)
	return s
}

// junitCheckCases are one testcase per check of every flow (classname
// loadtest.SCENARIO.checks.FLOW, name "STEP: CHECK"), failing when the check failed at least
// once, with how often and the sample of what was seen.
func junitCheckCases(r *results.Result, class string) []junitCase {
	var cases []junitCase
	for _, flow := range r.FlowNames() {
		for _, c := range r.Flows[flow].Checks {
			jc := junitCase{Name: c.Step + ": " + c.Name, Classname: class + ".checks." + flow, TimeS: "0"}
			if c.Fails > 0 {
				jc.Failure = &junitFailure{
					Type:    "check",
					Message: fmt.Sprintf("check %q of %s/%s failed %s of %s times", c.Name, flow, c.Step, formatCount(c.Fails), formatCount(c.Passes+c.Fails)),
					Text:    fmt.Sprintf("flow: %s\nstep: %s\ncheck: %s\npasses: %d\nfails: %d\nsample: %s\n", flow, c.Step, c.Name, c.Passes, c.Fails, c.Sample),
				}
			}
			cases = append(cases, jc)
		}
	}
	return cases
}

// junitSummary is the headline of a result, shown by CI systems as the suite's output.
func junitSummary(r *results.Result) string {
	rate := fmt.Sprintf("rate %s (asked %s)", formatRate(r.Rate), rateAsked(r))
	if r.HasFlows() {
		rate = fmt.Sprintf("request rate %s, %s iterations at %s (asked %s)", formatRate(r.Rate), formatCount(r.Iterations),
			formatIterationRate(r.IterationRate()), rateAsked(r))
	}
	return fmt.Sprintf("%s requests in %s, %s, throughput %s, success %s, latency p50 %s p99 %s max %s",
		formatCount(r.Requests), formatSeconds(r.DurationS), rate, formatRate(r.Throughput),
		formatPercent(r.SuccessRatio), formatMS(r.LatencyMS.P50), formatMS(r.LatencyMS.P99), formatMS(r.LatencyMS.Max))
}

// junitThresholdMessage says why a threshold failed: its measured value, or that there was no
// data; a default threshold is named as such.
func junitThresholdMessage(th results.ThresholdResult) string {
	what := "threshold"
	if th.Source == "default" {
		what = "default threshold"
	}
	if th.NoData {
		return fmt.Sprintf("%s %s failed: no data (nothing was measured)", what, th.Expression)
	}
	return fmt.Sprintf("%s %s failed: measured %s", what, th.Expression, formatMeasured(th))
}
