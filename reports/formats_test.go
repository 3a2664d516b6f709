package reports

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/loadtestdev/loadtest/internal/golden"
	"github.com/loadtestdev/loadtest/results"
)

func TestGoldenFormats(t *testing.T) {
	tests := []struct {
		format, golden string
		opts           Options
	}{
		{FormatText, "report.txt", Options{}},
		{FormatMarkdown, "report.md", Options{}},
		{FormatJSON, "report.json", Options{}},
		{FormatJUnit, "report.junit.xml", Options{}},
		{FormatCSV, "report.csv", Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, fixtureResult(t), tt.format, tt.opts); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("testdata", tt.golden), buf.Bytes())
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, compact := range []bool{false, true} {
		var buf bytes.Buffer
		r := fixtureResult(t)
		if err := JSON(&buf, r, compact); err != nil {
			t.Fatal(err)
		}
		if lines := strings.Count(buf.String(), "\n"); compact != (lines == 1) {
			t.Errorf("compact %v: got %d lines", compact, lines)
		}
		back, err := results.Read(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if back.Requests != r.Requests || back.LatencyMS != r.LatencyMS || len(back.Timeline) != len(r.Timeline) {
			t.Errorf("compact %v: got %d requests %+v, want %d %+v", compact, back.Requests, back.LatencyMS, r.Requests, r.LatencyMS)
		}
	}
}

func TestJUnitStructure(t *testing.T) {
	noThresholds := fixtureResult(t)
	noThresholds.Thresholds = nil
	failedRun := fixtureResult(t)
	failedRun.Thresholds, failedRun.Successes, failedRun.SuccessRatio = nil, 0, 0
	tests := []struct {
		name            string
		r               *results.Result
		cases, failures int
		caseName        string
	}{
		{"thresholds", fixtureResult(t), 2, 1, "errors < 1%"},
		{"no thresholds", noThresholds, 1, 0, "run completed: 500 requests, 98.00 % success"},
		{"nothing succeeded", failedRun, 1, 1, "run completed: 500 requests, 0.00 % success"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := JUnit(&buf, tt.r, tt.r); err != nil {
				t.Fatal(err)
			}
			var doc junitSuites
			if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatalf("invalid XML: %v", err)
			}
			if len(doc.Suites) != 2 || doc.Tests != 2*tt.cases || doc.Failures != 2*tt.failures {
				t.Fatalf("got %d suites, %d tests, %d failures, want 2, %d, %d", len(doc.Suites), doc.Tests, doc.Failures, 2*tt.cases, 2*tt.failures)
			}
			s := doc.Suites[0]
			last := s.Cases[len(s.Cases)-1]
			if last.Name != tt.caseName {
				t.Errorf("got case %q, want %q", last.Name, tt.caseName)
			}
			if tt.failures > 0 && (last.Failure == nil || !strings.Contains(last.Failure.Message, "measured") && !strings.Contains(last.Failure.Message, "no request")) {
				t.Errorf("got failure %+v, want one carrying the measured value", last.Failure)
			}
		})
	}
}

func TestCSVTimeline(t *testing.T) {
	var buf bytes.Buffer
	r := fixtureResult(t)
	if err := CSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(r.Timeline)+1 || rows[0][0] != "unix_s" {
		t.Fatalf("got %d rows, header %v, want %d rows", len(rows), rows[0], len(r.Timeline)+1)
	}
	if got, want := rows[5][4], "7"; got != want {
		t.Errorf("errors of the last second: got %s, want %s", got, want)
	}
}

// readHlog reads every interval of an hlog with hdrhistogram-go's reader.
func readHlog(t *testing.T, b []byte) []*hdrhistogram.Histogram {
	t.Helper()
	rd := hdrhistogram.NewHistogramLogReader(bytes.NewReader(b))
	var hs []*hdrhistogram.Histogram
	for {
		h, err := rd.NextIntervalHistogram()
		if err != nil {
			t.Fatal(err)
		}
		if h == nil {
			return hs
		}
		hs = append(hs, h)
	}
}

func TestHlogRoundTrip(t *testing.T) {
	r := fixtureResult(t)
	// A run starts mid-second, its timeline at the whole second before: the log's base time
	// must be that whole second, or the reader shifts every interval.
	r.Started = r.Started.Add(250 * time.Millisecond)
	r.Ended = r.Ended.Add(250 * time.Millisecond)
	t.Run("per second", func(t *testing.T) {
		var buf bytes.Buffer
		if err := Hlog(&buf, r, false); err != nil {
			t.Fatal(err)
		}
		hs := readHlog(t, buf.Bytes())
		if len(hs) != len(r.Timeline) {
			t.Fatalf("got %d intervals, want %d", len(hs), len(r.Timeline))
		}
		all := results.NewHistogram()
		for i, h := range hs {
			s := r.Timeline[i]
			got := results.Summarize(h)
			if got.P50 != s.P50MS || got.P90 != s.P90MS || got.P99 != s.P99MS || got.Max != s.MaxMS || uint64(h.TotalCount()) != s.Requests {
				t.Errorf("second %d: got %+v (%d values), want p50 %v p90 %v p99 %v max %v (%d)", i, got, h.TotalCount(), s.P50MS, s.P90MS, s.P99MS, s.MaxMS, s.Requests)
			}
			if h.StartTimeMs() != s.Unix*1000 || h.EndTimeMs() != s.Unix*1000+1000 {
				t.Errorf("second %d: got interval %d..%d ms, want %d..%d", i, h.StartTimeMs(), h.EndTimeMs(), s.Unix*1000, s.Unix*1000+1000)
			}
			all.Merge(h)
		}
		if got := results.Summarize(all); got != r.LatencyMS {
			t.Errorf("all intervals: got %+v, want %+v", got, r.LatencyMS)
		}
	})
	t.Run("whole run", func(t *testing.T) {
		var buf bytes.Buffer
		if err := Hlog(&buf, r, true); err != nil {
			t.Fatal(err)
		}
		hs := readHlog(t, buf.Bytes())
		if len(hs) != 2 {
			t.Fatalf("got %d intervals, want 2", len(hs))
		}
		if got := results.Summarize(hs[0]); got != r.LatencyMS {
			t.Errorf("latency: got %+v, want %+v", got, r.LatencyMS)
		}
		if hs[0].StartTimeMs() != r.Started.UnixMilli() || hs[0].EndTimeMs() != r.Ended.UnixMilli() {
			t.Errorf("interval: got %d..%d ms, want %d..%d", hs[0].StartTimeMs(), hs[0].EndTimeMs(), r.Started.UnixMilli(), r.Ended.UnixMilli())
		}
		if got := results.Summarize(hs[1]); got != r.ServiceTimeMS || hs[1].Tag() != HlogServiceTimeTag {
			t.Errorf("service time (tag %q): got %+v, want %+v", hs[1].Tag(), got, r.ServiceTimeMS)
		}
	})
}

func TestWritePNG(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "charts")
	paths, err := WritePNG(dir, fixtureResult(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != len(chartNames) {
		t.Fatalf("got %d files, want %d", len(paths), len(chartNames))
	}
	for i, p := range paths {
		if filepath.Base(p) != chartNames[i]+".png" {
			t.Errorf("got %s, want %s.png", p, chartNames[i])
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 600 {
			t.Errorf("%s: got %dx%d, want 1200x600", p, b.Dx(), b.Dy())
		}
	}
	if _, err := WritePNG(dir, &results.Result{Schema: results.Schema}); err == nil {
		t.Error("empty result: got no error, want one")
	}
}

func TestCheckFormat(t *testing.T) {
	for _, f := range Formats {
		if err := CheckFormat(f); err != nil {
			t.Errorf("%s: got %v, want nil", f, err)
		}
	}
	err := CheckFormat("pdf")
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "text, json, md, html, junit, csv, hlog, png") {
		t.Errorf("got %v, want ErrFormat listing the formats", err)
	}
	if err := Write(&bytes.Buffer{}, fixtureResult(t), "pdf", Options{}); !errors.Is(err, ErrFormat) {
		t.Errorf("Write pdf: got %v, want ErrFormat", err)
	}
}

func TestParseSpec(t *testing.T) {
	tests := []struct {
		in      string
		want    Spec
		wantErr error
	}{
		{"html=out/report.html", Spec{FormatHTML, "out/report.html"}, nil},
		{"png=charts", Spec{FormatPNG, "charts"}, nil},
		{"md = summary.md", Spec{FormatMarkdown, "summary.md"}, nil},
		{"html", Spec{}, ErrSpec},
		{"=x", Spec{}, ErrSpec},
		{"pdf=x.pdf", Spec{}, ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSpec(tt.in)
			if !errors.Is(err, tt.wantErr) || got != tt.want {
				t.Errorf("got %+v, %v, want %+v, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	r := fixtureResult(t)
	// png goes to WritePNG (TestWritePNG draws the charts; rasterizing is slow under -race):
	// an empty result proves the routing by its error.
	if err := WriteFile(filepath.Join(dir, "png"), &results.Result{Schema: results.Schema}, FormatPNG, Options{}); err == nil || !strings.Contains(err.Error(), "png") {
		t.Errorf("png: got %v, want the png writer's error", err)
	}
	for _, f := range Formats {
		if f == FormatPNG {
			continue
		}
		path := filepath.Join(dir, "sub", "report."+f)
		if err := WriteFile(path, r, f, Options{}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if st.IsDir() || st.Size() == 0 {
			t.Errorf("%s: got dir %v size %d, want a file with the report", f, st.IsDir(), st.Size())
		}
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "sub"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left a temporary file %s", e.Name())
		}
	}
}
