package results

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// FuzzRead feeds Read arbitrary bytes: it must never panic, every error must wrap ErrInvalid,
// and a result it accepts must write and read back, and have histograms that decode.
func FuzzRead(f *testing.F) {
	r, _ := knownResult(f, "echo", 0, 2, 5, time.Millisecond)
	var good bytes.Buffer
	if err := Write(&good, r); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes())
	f.Add(bytes.Replace(good.Bytes(), []byte(`"latency": "HIST`), []byte(`"latency": "HISX`), 1))
	f.Add(bytes.Replace(good.Bytes(), []byte(`"latency_hist": "HIST`), []byte(`"latency_hist": "HISTFAAA`), 1))
	f.Add([]byte(`{"schema":"loadtest.result/v1","histograms":{"latency":"` + corruptHistogram + `"}}`))
	f.Add([]byte(`{"schema":"loadtest.result/v1","by_request":{"a":null},"timeline":[{}]}`))
	f.Add([]byte(`{"schema":"loadtest.result/v1","iterations":3,"checks":{"passes":2,"fails":1,"ratio":0.66},"flows":{"f":{"iterations":3,"steps":["a"],"checks":[{"name":"status 200","step":"a","passes":2,"fails":1}],"histograms":{"iteration":"` + corruptHistogram + `"}},"g":null},"timeline":[{"iterations":1,"dropped_iterations":2}]}`))
	f.Add([]byte(`{"schema":"loadtest.result/v1","flows":{"f":{"histograms":{"failed_iteration":"HISTx"}}}}`))
	f.Add([]byte(`{"schema":"loadtest.result/v1","skipped":2,"flows":{"f":{"iterations":1,"skipped":{"a":2},"loops_at_max":{"g":1},"polls":{"w":{"polls":2,"succeeded":1,"timed_out":1,"attempts":5,"attempts_max":4,"histogram":"` + corruptHistogram + `"},"v":null}}}}`))
	f.Add([]byte(`{"schema":"loadtest.result/v1","flows":{"f":{"polls":{"v":null,"w":{"polls":1}}}}}`))
	f.Add([]byte(`{"schema":"k6"}`))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Read(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want an error wrapping ErrInvalid", err)
			}
			return
		}
		if _, err := DecodeHistogram(r.Histograms.Latency); err != nil {
			t.Fatalf("Read accepted a latency histogram that does not decode: %v", err)
		}
		if _, _, err := r.IterationHistograms(""); err != nil {
			t.Fatalf("Read accepted a flow histogram that does not decode: %v", err)
		}
		for _, name := range r.FlowNames() {
			for step, p := range r.Flows[name].Polls {
				if p == nil {
					t.Fatalf("Read kept a null poll %s/%s", name, step)
				}
				if _, err := DecodeHistogram(p.Histogram); err != nil {
					t.Fatalf("Read accepted a completion histogram that does not decode: %v", err)
				}
			}
		}
		var buf bytes.Buffer
		if err := Write(&buf, r); err != nil {
			t.Fatalf("write back: %v", err)
		}
		if _, err := Read(&buf); err != nil {
			t.Fatalf("read back what Read accepted and Write wrote: %v", err)
		}
	})
}
