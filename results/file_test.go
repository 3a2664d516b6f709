package results

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeResultFile writes r (after edit, if any) to a file in a temporary directory.
func writeResultFile(t *testing.T, r *Result) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	return writeBytes(t, buf.Bytes())
}

func writeBytes(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// corruptHistogram is a histogram encoding whose cookie is right but whose payload is not
// a zlib stream.
const corruptHistogram = "HISTFAAAACl4nJNpmSzMwMDAwQABTFCaEUoz2v+HCjCwM4GE2RkY2JiY2JiaGBkYGBgZ"

func TestReadFile(t *testing.T) {
	good, _ := knownResult(t, "echo", 0, 2, 10, time.Millisecond)
	edited := func(edit func(*Result)) string {
		r, _ := knownResult(t, "echo", 0, 2, 10, time.Millisecond)
		edit(r)
		return writeResultFile(t, r)
	}
	for _, c := range []struct {
		name    string
		path    string
		want    []string // in the message
		invalid bool     // wraps ErrInvalid
	}{
		{name: "missing file", path: filepath.Join(t.TempDir(), "nope.json"), want: []string{"nope.json: no such file"}},
		{name: "empty file", path: writeBytes(t, nil), want: []string{"not valid JSON: the file is empty"}, invalid: true},
		{name: "cut short", path: writeBytes(t, []byte("{\n\"schema\": \"loadtest.result/v1\",\n")), want: []string{"line 3: not valid JSON: the file ends before the result does"}, invalid: true},
		{name: "not JSON", path: writeBytes(t, []byte("{\n\"schema\": x\n}")), want: []string{"line 2: not valid JSON", "invalid character 'x'"}, invalid: true},
		{name: "wrong type", path: writeBytes(t, []byte("{\n\"schema\": \"loadtest.result/v1\",\n\"requests\": \"ten\"}")), want: []string{"line 3: field requests: got a JSON string, want uint64"}, invalid: true},
		{name: "another schema", path: writeBytes(t, []byte(`{"schema":"k6/summary"}`)), want: []string{`not a loadtest.result/v1 file (schema "k6/summary")`}, invalid: true},
		{name: "corrupt latency histogram", path: edited(func(r *Result) { r.Histograms.Latency = corruptHistogram }), want: []string{"histograms.latency: corrupt histogram"}, invalid: true},
		{name: "corrupt service time histogram", path: edited(func(r *Result) { r.Histograms.ServiceTime = "not base64 !" }), want: []string{"histograms.service_time: corrupt histogram"}, invalid: true},
		{name: "corrupt request histogram", path: edited(func(r *Result) { r.ByRequest["get"].Histograms.Latency = corruptHistogram }), want: []string{`by_request["get"].histograms.latency: corrupt histogram`}, invalid: true},
		{name: "corrupt request service time", path: edited(func(r *Result) { r.ByRequest["get"].Histograms.ServiceTime = "x" }), want: []string{`by_request["get"].histograms.service_time: corrupt histogram`}, invalid: true},
		{name: "corrupt second", path: edited(func(r *Result) { r.Timeline[1].Latency = corruptHistogram }), want: []string{"timeline[1].latency_hist: corrupt histogram"}, invalid: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := ReadFile(c.path)
			if err == nil {
				t.Fatalf("got result %+v, want an error", r)
			}
			var fe *FileError
			if !errors.As(err, &fe) || fe.Path != c.path {
				t.Errorf("got %T %v, want a *FileError for %s", err, err, c.path)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "result file "+c.path+": ") {
				t.Errorf("got %q, want it to start with the file's name", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("got %q, want %q in it", msg, w)
				}
			}
			if got := errors.Is(err, ErrInvalid); got != c.invalid {
				t.Errorf("errors.Is(err, ErrInvalid): got %v, want %v", got, c.invalid)
			}
		})
	}
	t.Run("missing file is fs.ErrNotExist", func(t *testing.T) {
		if _, err := ReadFile(filepath.Join(t.TempDir(), "nope.json")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("got %v, want an error wrapping fs.ErrNotExist", err)
		}
	})
	t.Run("good file", func(t *testing.T) {
		r, err := ReadFile(writeResultFile(t, good))
		if err != nil {
			t.Fatal(err)
		}
		if r.Requests != good.Requests || len(r.Timeline) != len(good.Timeline) || r.Histograms != good.Histograms {
			t.Errorf("got %d requests, %d seconds, want %d, %d and the same histograms", r.Requests, len(r.Timeline), good.Requests, len(good.Timeline))
		}
	})
	t.Run("another schema is ErrSchema", func(t *testing.T) {
		if _, err := Read(strings.NewReader(`{"schema":"x"}`)); !errors.Is(err, ErrSchema) || !errors.Is(err, ErrInvalid) {
			t.Errorf("got %v, want an error wrapping ErrSchema and ErrInvalid", err)
		}
	})
}
