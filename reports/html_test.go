package reports

import (
	"bytes"
	"context"
	"html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/results"
)

// chartNames are the charts the fixture result must produce.
var chartNames = []string{"latency", "requests", "percentiles", "cpu", "load"}

// remoteRef matches anything that would make a browser fetch: an http(s) or protocol-relative
// URL in an attribute or CSS url(), a script or a stylesheet link, an @import.
var remoteRef = regexp.MustCompile(`(?i)((src|href|action|poster|data)\s*=\s*["']?\s*(https?:)?//)|url\(\s*["']?\s*(https?:)?//|<script|<link|@import`)

// withoutResultText removes from page the strings that come from the result's own data (the
// target URL, error samples, host origins), which the page shows as text.
func withoutResultText(page string, r *results.Result) string {
	texts := []string{r.Target}
	for _, e := range r.Errors {
		texts = append(texts, truncate(e.Message, 300), errorBody(e))
	}
	for _, lh := range hostSections(r) {
		for _, s := range []*results.HostSeries{lh.Host.Generator, lh.Host.Server} {
			if s != nil {
				texts = append(texts, s.Origin)
			}
		}
	}
	for _, t := range texts {
		page = strings.ReplaceAll(page, html.EscapeString(t), "")
		page = strings.ReplaceAll(page, t, "")
	}
	return page
}

func TestHTMLSelfContained(t *testing.T) {
	r := fixtureResult(t)
	var buf bytes.Buffer
	if err := HTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if m := remoteRef.FindString(page); m != "" {
		t.Errorf("got a remote reference %q, want none", m)
	}
	if rest := withoutResultText(page, r); strings.Contains(rest, "http:") || strings.Contains(rest, "https:") {
		i := strings.Index(rest, "http")
		t.Errorf("got a URL outside the result's own text: %q", rest[max(0, i-80):min(len(rest), i+80)])
	}
	for _, name := range chartNames {
		if !strings.Contains(page, `id="chart-`+name+`"`) {
			t.Errorf("got no chart %q", name)
		}
	}
	for _, want := range []string{"Latency", "Per request", "Status codes", "Errors", "Host", "Thresholds", "generator_saturated", "FAIL"} {
		if !strings.Contains(page, want) {
			t.Errorf("got no %q in the page", want)
		}
	}
	if dir := os.Getenv("LOADTEST_REPORTS_OUT"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "report.html"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestHTMLInChromium opens the HTML report in headless chromium: the page loads, every chart
// is in the rendered DOM with paths and text, and a screenshot is not blank.
func TestHTMLInChromium(t *testing.T) {
	bin := os.Getenv("LOADTEST_TEST_CHROMIUM")
	if bin == "" {
		t.Skip("LOADTEST_TEST_CHROMIUM is not set (the path of a chromium binary); .ci/run sets it")
	}
	dir := t.TempDir()
	r := fixtureResult(t)
	page := filepath.Join(dir, "report.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := HTML(f, r); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	dom := runChromium(t, bin, dir, "--dump-dom", "file://"+page)
	if !strings.Contains(dom, "loadtest: echo") || !strings.Contains(dom, "</html>") {
		t.Fatalf("the page did not load: got DOM of %d bytes:\n%.500s", len(dom), dom)
	}
	for _, name := range chartNames {
		svg := regexp.MustCompile(`(?s)<svg[^>]*id="chart-` + name + `".*?</svg>`).FindString(dom)
		paths, texts := strings.Count(svg, "<path"), strings.Count(svg, "<text")
		if paths < 10 || texts < 5 {
			t.Errorf("chart %s: got %d paths and %d texts in the rendered DOM, want a drawn chart", name, paths, texts)
		}
	}
	if m := remoteRef.FindString(dom); m != "" {
		t.Errorf("rendered DOM: got a remote reference %q, want none", m)
	}
	shot := filepath.Join(dir, "report.png")
	runChromium(t, bin, dir, "--screenshot="+shot, "--window-size=1200,3000", "--hide-scrollbars", "file://"+page)
	checkScreenshot(t, shot)
	if out := os.Getenv("LOADTEST_REPORTS_OUT"); out != "" {
		b, _ := os.ReadFile(shot)
		_ = os.WriteFile(filepath.Join(out, "report-screenshot.png"), b, 0o644)
	}
}

// runChromium runs headless chromium with no network services and a private profile, with
// a bounded time, and returns its standard output.
func runChromium(t *testing.T, bin, dir string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
		"--user-data-dir=" + filepath.Join(dir, "profile")}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\nstderr:\n%s", args, err, stderr.String())
	}
	return stdout.String()
}

// checkScreenshot asserts the screenshot decodes and is not one flat colour.
func checkScreenshot(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	b := img.Bounds()
	colours := map[[3]uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 12, g >> 12, bl >> 12}] = true
		}
	}
	if len(colours) < 8 {
		t.Errorf("screenshot: got %d distinct colours, want a drawn page", len(colours))
	}
}
