package scenarios

import (
	"strconv"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestParseFlowControlErrors(t *testing.T) {
	const head = "variables: {phone: '1'}\nflows:\n  - name: f\n    steps:\n" // steps from line 5
	const match = "      - {name: m, path: /m, extract: {matched: {json: $.matched}}}\n"
	tests := []struct {
		name, src, want, field string
	}{
		{"unknown name in when", head + match + "      - {name: l, path: /l, when: 'matchd == true'}\n",
			`scenario my.yaml:6: when "matchd == true": unknown name "matchd": a condition reads the variables, the values extracted by earlier steps and status; known here: matched, phone, status; did you mean "matched"?`,
			"flows[0].steps[1].when"},
		{"a value extracted later is unknown", head + "      - {name: l, path: /l, when: 'matched'}\n" + match,
			`scenario my.yaml:5: when "matched": unknown name "matched"`, "flows[0].steps[0].when"},
		{"a value the step extracts is unknown to its when", head + "      - {name: m, path: /m, when: 'matched', extract: {matched: {json: $.m}}}\n",
			`scenario my.yaml:5: when "matched": unknown name "matched"`, "flows[0].steps[0].when"},
		{"status compared with a string", head + "      - {name: l, path: /l, when: 'status == \"200\"'}\n",
			`scenario my.yaml:5: when "status == \"200\"": invalid operation: == (mismatched types int and string)`, "flows[0].steps[0].when"},
		{"variable compared with a number", head + "      - {name: l, path: /l, when: 'phone > 3'}\n",
			`scenario my.yaml:5: when "phone > 3": invalid operation: > (mismatched types string and int)`, "flows[0].steps[0].when"},
		{"not a bool", head + "      - {name: l, path: /l, when: 'status + 1'}\n",
			`scenario my.yaml:5: when "status + 1": expected bool, but got int`, "flows[0].steps[0].when"},
		{"syntax", head + "      - {name: l, path: /l, when: 'status =='}\n",
			`scenario my.yaml:5: when "status ==": unexpected token EOF`, "flows[0].steps[0].when"},
		{"error on a later line of a block", head + "      - name: l\n        path: /l\n        when: |\n          status == 200 &&\n          nope\n",
			`scenario my.yaml:9: when "status == 200 &&\nnope\n": unknown name "nope"`, "flows[0].steps[0].when"},
		{"empty when", head + "      - {name: l, path: /l, when: ' '}\n",
			`scenario my.yaml:5: when is empty`, "flows[0].steps[0].when"},
		{"until unknown name", head + "      - {name: w, path: /w, poll: {timeout: 1s, until: 'state == 1'}}\n",
			`scenario my.yaml:5: until "state == 1": unknown name "state"`, "flows[0].steps[0].poll.until"},
		{"poll without until", head + "      - {name: w, path: /w, poll: {timeout: 1s}}\n",
			`scenario my.yaml:5: poll needs until`, "flows[0].steps[0].poll.until"},
		{"poll without timeout", head + "      - {name: w, path: /w, poll: {until: 'status == 200'}}\n",
			`scenario my.yaml:5: poll needs timeout`, "flows[0].steps[0].poll.timeout"},
		{"poll interval over timeout", head + "      - {name: w, path: /w, poll: {interval: 2s, timeout: 1s, until: 'status == 200'}}\n",
			`scenario my.yaml:5: poll interval 2s is longer than its timeout 1s`, "flows[0].steps[0].poll.interval"},
		{"poll unknown field", head + "      - {name: w, path: /w, poll: {every: 1s}}\n",
			`scenario my.yaml:5: unknown field "every", want one of interval, timeout, until`, "flows[0].steps[0].poll.every"},
		{"while without max", head + "      - group: g\n        while: 'status == 200'\n        steps: [{path: /a}]\n",
			`scenario my.yaml:6: group "g": while needs max`, "flows[0].steps[0].while"},
		{"max without while", head + "      - group: g\n        max: 3\n        steps: [{path: /a}]\n",
			`scenario my.yaml:6: group "g": max bounds the passes of while: it needs while`, "flows[0].steps[0].max"},
		{"repeat and while", head + "      - group: g\n        repeat: 2\n        while: 'true'\n        max: 3\n        steps: [{path: /a}]\n",
			`scenario my.yaml:7: group "g": repeat and while are exclusive`, "flows[0].steps[0].while"},
		{"max out of range", head + "      - group: g\n        while: 'true'\n        max: 0\n        steps: [{path: /a}]\n",
			`scenario my.yaml:7: max 0 is out of range, want 1 to 1000000`, "flows[0].steps[0].max"},
		{"repeat not a number", head + "      - group: g\n        repeat: many\n        steps: [{path: /a}]\n",
			`scenario my.yaml:6: repeat "many" is not a whole number`, "flows[0].steps[0].repeat"},
		{"repeat template unknown name", head + "      - group: g\n        repeat: '{{ count }}'\n        steps: [{path: /a}]\n",
			`scenario my.yaml:6: flows[0].steps[0].repeat: "count" is not extracted`, "flows[0].steps[0].repeat"},
		{"group without steps", head + "      - group: g\n        repeat: 2\n",
			`scenario my.yaml:5: group "g" has no steps`, "flows[0].steps[0].steps"},
		{"group without name", head + "      - group: ''\n        steps: [{path: /a}]\n",
			`scenario my.yaml:5: name is blank`, "flows[0].steps[0].group"},
		{"group name twice", head + "      - {group: g, steps: [{path: /a}]}\n      - {group: g, steps: [{path: /b}]}\n",
			`scenario my.yaml:6: group name "g" is used twice in flow "f" (first at line 5)`, "flows[0].steps[1].group"},
		{"step name twice across groups", head + "      - {name: a, path: /a}\n      - {group: g, steps: [{name: a, path: /b}]}\n",
			`scenario my.yaml:6: step name "a" is used twice in flow "f" (first at line 5)`, "flows[0].steps[1].steps[0].name"},
		{"index is a variable", head + "      - {group: g, repeat: 2, index: phone, steps: [{path: /a}]}\n",
			`scenario my.yaml:5: extract phone: "phone" is also defined under variables`, "extract.phone"},
		{"index not a name", head + "      - {group: g, repeat: 2, index: 'a b', steps: [{path: /a}]}\n",
			`scenario my.yaml:5: index "a b" is not a name`, "flows[0].steps[0].index"},
		{"index outside its scope before the group", head + "      - {name: x, path: '/x/{{ i }}'}\n      - {group: g, repeat: 2, index: i, steps: [{path: /a}]}\n",
			`scenario my.yaml:5: flows[0].steps[0].path: "i" is not extracted`, "flows[0].steps[0].path"},
		{"index is an int", head + "      - {group: g, repeat: 2, index: i, steps: [{path: /a, when: 'i == \"0\"'}]}\n",
			`scenario my.yaml:5: when "i == \"0\"": invalid operation: == (mismatched types int and string)`, "flows[0].steps[0].steps[0].when"},
		{"extracting into an index", head + "      - {group: g, repeat: 2, index: i, steps: [{path: /a}]}\n      - {path: /b, extract: {i: status}}\n",
			`scenario my.yaml:6: extract i: "i" is the index of a group`, "flows[0].steps[1].extract.i"},
		{"unknown group field", head + "      - {group: g, times: 2, steps: [{path: /a}]}\n",
			`scenario my.yaml:5: unknown field "times", want one of group, when, repeat, while, max, index, steps`, "flows[0].steps[0].times"},
		{"group of only think times", head + "      - {group: g, steps: [{think: 1s}]}\n",
			`scenario my.yaml:5: flow "f" has only think times`, "flows[0].steps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantParseError(t, tt.src, tt.want, tt.field)
		})
	}
}

func TestParseFlowControl(t *testing.T) {
	src := `flows:
  - name: f
    steps:
      - name: submit
        method: POST
        path: /tasks
        extract: {id: {json: $.id}}
      - name: wait
        path: /tasks/{{ id }}
        extract: {state: {json: $.status}}
        poll: {interval: 200ms, timeout: 10s, until: 'state == "done"'}
      - group: feed
        while: 'cursor != ""'
        max: 20
        steps:
          - name: page
            path: /feed?cursor={{ cursor }}
            extract: {cursor: {json: $.next_cursor}}
      - group: cart
        repeat: '{{ randInt 1 5 }}'
        index: i
        when: 'status == 200'
        steps:
          - {name: add, path: '/cart/{{ i }}', when: 'i > 0'}
          - {think: 1ms}
      - {name: after, path: /after}
`
	sc, err := Parse("my.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	steps := sc.Flows[0].Steps
	kinds := make([]string, len(steps))
	for i, st := range steps {
		switch {
		case st.Group != nil:
			kinds[i] = "group " + st.Group.Name + ":" + string(rune('0'+st.Group.Len))
		case st.Think != nil:
			kinds[i] = "think"
		default:
			kinds[i] = st.Name
		}
	}
	if got, want := strings.Join(kinds, ","), "submit,wait,group feed:1,page,group cart:2,add,think,after"; got != want {
		t.Errorf("got steps %s, want %s", got, want)
	}
	if p := steps[1].Poll; p == nil || p.Interval != 200*time.Millisecond || p.Timeout != 10*time.Second || p.Until.Source != `state == "done"` {
		t.Errorf("got poll %+v", p)
	}
	if g := steps[2].Group; g.While == nil || g.Max != 20 || !g.Loops() {
		t.Errorf("got feed %+v", g)
	}
	if g := steps[4].Group; g.RepeatTemplate != "{{ randInt 1 5 }}" || g.Index != "i" || steps[4].When == nil {
		t.Errorf("got cart %+v", g)
	}
	for _, tt := range []struct{ got, want string }{
		{DescribeControl(&steps[1]), `, poll every 200ms until state == "done" (timeout 10s)`},
		{DescribeControl(&steps[5]), ", when i > 0"},
		{DescribeControl(&steps[0]), ""},
		{DescribeGroup(&steps[2]), `while cursor != "" (max 20), 1 step(s)`},
		{DescribeGroup(&steps[4]), "when status == 200, repeat {{ randInt 1 5 }}, index i, 2 step(s)"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if got := sc.RequestNames(); strings.Join(got, ",") != "f/submit,f/wait,f/page,f/add,f/after" {
		t.Errorf("got request names %q", got)
	}
}

// TestIterationNext walks a plan's control flow without a server: the steps Next hands out,
// with the values a test "extracts", and the steps it skips.
func TestIterationNext(t *testing.T) {
	src := `flows:
  - name: f
    steps:
      - name: a
        path: /a
        extract: {n: {json: $.n}}
      - group: g
        repeat: 2
        index: i
        steps:
          - {name: b, path: /b, when: 'n > 1'}
          - {name: c, path: /c, when: 'i == 1'}
      - group: w
        while: 'more != false'
        max: 5
        steps:
          - {name: d, path: /d, extract: {more: {json: $.more}}}
`
	sc, err := Parse("my.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fp, err := sc.FlowPlan(PlanOptions{Target: testTarget, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	names := fp.Names()
	for _, tt := range []struct {
		name          string
		bodies        map[string][]string // the answers of each step, in order
		want, skipped string
	}{
		{"n 2, three pages", map[string][]string{"a": {`{"n": 2}`}, "d": {`{"more": true}`, `{"more": true}`, `{"more": false}`}},
			"a b b c d d d", "f/c"},
		{"n 1, one page", map[string][]string{"a": {`{"n": 1}`}, "d": {`{"more": false}`}},
			"a c d", "f/b f/c f/b"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			it := fp.NewIteration()
			if _, err := it.Start(0); err != nil {
				t.Fatal(err)
			}
			var got, skipped []string
			seen := map[string]int{}
			for moves := 0; moves < 100; moves++ {
				i, err := it.Next()
				for _, s := range it.Skipped() {
					skipped = append(skipped, names[s])
				}
				if err != nil {
					t.Fatal(err)
				}
				if i < 0 {
					break
				}
				var tgt = newTarget()
				name, err := it.Request(i, tgt)
				if err != nil {
					t.Fatal(err)
				}
				step := strings.TrimPrefix(names[name], "f/")
				got = append(got, step)
				body := "{}"
				if b := tt.bodies[step]; seen[step] < len(b) {
					body = b[seen[step]]
				}
				seen[step]++
				it.Answered(200)
				it.Verify(i, &Response{Status: 200, Body: []byte(body)})
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("got steps %s, want %s", g, tt.want)
			}
			if g := strings.Join(skipped, " "); g != tt.skipped {
				t.Errorf("got skipped %s, want %s", g, tt.skipped)
			}
		})
	}
}

func newTarget() *vegeta.Target { return &vegeta.Target{} }

func TestMostRequestSteps(t *testing.T) {
	for _, tt := range []struct {
		name, steps string
		want        int
	}{
		{"straight", "      - {path: /a}\n      - {think: 1s}\n      - {path: /b}\n", 2},
		{"repeat and while", "      - {path: /a}\n      - group: g\n        repeat: 3\n        steps:\n          - {path: /b}\n          - group: w\n            while: 'true'\n            max: 4\n            steps: [{path: /c}]\n      - {path: /d}\n", 1 + 3*(1+4) + 1},
		{"when counts as sent", "      - {path: /a, when: 'status == 200'}\n", 1},
		{"a rendered repeat is unbounded", "      - group: g\n        repeat: '{{ randInt 1 3 }}'\n        steps: [{path: /b}]\n", 0},
		{"a poll is unbounded", "      - {path: /a, poll: {timeout: 1s, until: 'status == 200'}}\n", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Parse("my.yaml", []byte("flows:\n  - name: f\n    steps:\n"+tt.steps))
			if err != nil {
				t.Fatal(err)
			}
			fp, err := sc.FlowPlan(PlanOptions{Target: testTarget, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			if got := fp.MostRequestSteps(); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

// TestLoopValuesStayBounded sets two values on each of 20,000 passes of a loop: the values'
// buffer keeps what they hold now, not every pass's text (20,000 × 2 KiB would be 40 MB).
func TestLoopValuesStayBounded(t *testing.T) {
	src := `flows:
  - name: f
    steps:
      - group: g
        while: 'true'
        max: 20000
        index: i
        steps:
          - {name: a, path: '/a/{{ i }}', extract: {x: {json: $.x}, y: {json: $.y}}}
`
	sc, err := Parse("my.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fp, err := sc.FlowPlan(PlanOptions{Target: testTarget, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	it := fp.NewIteration()
	if _, err := it.Start(0); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("v", 1024)
	passes, last := 0, -1
	var outcomes []Outcome
	for {
		i, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if i < 0 {
			break
		}
		passes++
		body := `{"x": "` + big + strconv.Itoa(passes) + `", "y": "` + big + `"}`
		outcomes, last = it.Verify(i, &Response{Status: 200, Body: []byte(body)}), i
	}
	if passes != 20000 || it.StoppedAtMax() != "g" {
		t.Fatalf("got %d passes (stopped at max: %q), want 20000 and g", passes, it.StoppedAtMax())
	}
	if got := cap(it.h.vbuf); got > 1<<20 {
		t.Errorf("the values' buffer grew to %d bytes, want under 1 MiB", got)
	}
	if got := it.Extracted(last, outcomes); len(got) != 2 || got[0].Value != big+"20000" || got[1].Value != big {
		t.Errorf("the last values are not the last pass's")
	}
	tgt := newTarget()
	if _, err := it.Request(last, tgt); err != nil || !strings.HasSuffix(tgt.URL, "/a/19999") {
		t.Errorf("the index renders %q (%v), want /a/19999", tgt.URL, err)
	}
}

// BenchmarkConditions is the cost of a step's when and a poll's until over extracted values:
// one Next (evaluating a when) and one Until per op.
func BenchmarkConditions(b *testing.B) {
	src := `flows:
  - name: f
    steps:
      - {name: a, path: /a, extract: {state: {json: $.status}, n: {json: $.n}}}
      - {name: b, path: /b, when: 'n > 1 && state != "failed"', poll: {timeout: 1s, until: 'state == "done"'}}
`
	sc, err := Parse("my.yaml", []byte(src))
	if err != nil {
		b.Fatal(err)
	}
	fp, err := sc.FlowPlan(PlanOptions{Target: testTarget, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	it := fp.NewIteration()
	if _, err := it.Start(0); err != nil {
		b.Fatal(err)
	}
	i, _ := it.Next()
	it.Verify(i, &Response{Status: 200, Body: []byte(`{"status": "done", "n": 2}`)})
	b.ReportAllocs()
	for b.Loop() {
		it.pc = 1
		j, err := it.Next()
		if err != nil || j != 1 {
			b.Fatal(j, err)
		}
		if ok, err := it.Until(j); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
