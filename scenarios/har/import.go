package har

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Options tune Import.
type Options struct {
	// Name is the scenario's and the flow's name (default "imported").
	Name string
	// IncludeHosts are the hosts (host or host:port) whose requests become steps; empty: the
	// host of the first request that is not a static asset.
	IncludeHosts []string
	// Exclude are path patterns (path.Match; 'static/*' drops everything under /static/).
	Exclude []string
	// IncludeStatic keeps stylesheets, scripts, images, fonts and media.
	IncludeStatic bool
	// NoThink drops the think times taken from the gaps between recorded requests.
	NoThink bool
	// MinThink is the shortest gap that becomes a think time (default 100ms): shorter gaps
	// are the page's own work, not a user's pause.
	MinThink time.Duration
	// KeepSecrets writes Authorization values, cookies and passwords as recorded instead of
	// variables to fill in.
	KeepSecrets bool
}

// DefaultMinThink is Options.MinThink's default.
const DefaultMinThink = 100 * time.Millisecond

// Import is an imported scenario with an account of what the importer did.
type Import struct {
	// YAML is the scenario file.
	YAML []byte
	// Target is the recorded origin (scheme://host) the scenario's target is set to.
	Target string
	Steps  int
	// Followed counts the recorded requests to a redirect's Location that a step follows
	// instead of sending them as steps of their own.
	Followed int
	// Sent are the requests one iteration sends, "METHOD /path" in recorded order, the
	// redirects the steps follow included.
	Sent []string
	// Dropped counts the recorded requests left out, by reason.
	Dropped map[string]int
	// Correlations are the values taken from a response and sent back by later requests.
	Correlations []Correlation
	// Hardcoded are values that look like tokens or ids the server issued but that no earlier
	// response holds: they stay as recorded, and may break a second run.
	Hardcoded []Hardcoded
	// Secrets are the recorded secrets turned into variables (or kept, with KeepSecrets).
	Secrets []Secret
}

// Correlation is one extracted variable: where it comes from and where it is used.
type Correlation struct {
	Variable string
	Step     string
	Source   string // e.g. "json $.token", "header Location", "cookie sid"
	UsedIn   []string
}

// Hardcoded is a value left as recorded, with where a request sends it.
type Hardcoded struct {
	Step, Where, Value string
	// Why says why it was not correlated; "" when no earlier response returned it.
	Why string
}

// Secret is a recorded secret with the variable that replaces it.
type Secret struct {
	Variable, Step, Where string
	Kept                  bool
}

// step is one request of the flow being built.
type step struct {
	name, method string
	pathTmpl     string
	headers      [][2]string
	body         string
	status       int
	follow       int           // redirects followed
	think        time.Duration // before this step
	extract      []extraction

	respBody    string
	respHeaders []nameValue
	setCookies  []nameValue
}

// Read imports a HAR file; name names it in errors.
func Read(name string, r io.Reader, o Options) (*Import, error) {
	f, err := read(name, r)
	if err != nil {
		return nil, err
	}
	if o.Name == "" {
		o.Name = "imported"
	}
	if o.MinThink <= 0 {
		o.MinThink = DefaultMinThink
	}
	kept, dropped, err := selectEntries(f, o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	kept = followRedirects(kept)
	b := newBuilder(o, kept)
	b.build()
	y, err := b.yaml()
	if err != nil {
		return nil, err
	}
	im := &Import{YAML: y, Target: b.target, Steps: len(b.steps), Dropped: dropped,
		Correlations: b.correlations(), Hardcoded: b.hardcoded, Secrets: b.secrets}
	for _, e := range kept {
		im.Sent = append(im.Sent, e.sent()...)
		im.Followed += len(e.followed)
	}
	return im, nil
}

// stepName names a step after the last path segment that is not a number (the resource),
// made unique with the method and then a counter.
func stepName(method, p string, taken map[string]bool) string {
	base := "root"
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for i := len(segs) - 1; i >= 0; i-- {
		if s := variableName(segs[i]); s != "" && !(hasDigit(segs[i]) && len(segs[i]) > 3) && !looksLikeToken(segs[i]) {
			base = strings.ReplaceAll(s, "_", "-")
			break
		}
	}
	name := base
	if taken[name] {
		name = strings.ToLower(method) + "-" + base
	}
	for n := 2; taken[name]; n++ {
		name = base + "-" + strconv.Itoa(n)
	}
	taken[name] = true
	return name
}

// droppedHeaders are request headers the engine sets itself or that only describe the
// browser; Cookie is handled by the iteration's cookie jar.
var droppedHeaders = map[string]bool{
	"host": true, "connection": true, "content-length": true, "accept-encoding": true,
	"accept-language": true, "user-agent": true, "referer": true, "origin": true, "cookie": true,
	"upgrade-insecure-requests": true, "priority": true, "pragma": true, "cache-control": true,
	"dnt": true, "te": true, "keep-alive": true, "if-none-match": true, "if-modified-since": true,
}

func keptHeader(name string) bool {
	l := strings.ToLower(name)
	return !droppedHeaders[l] && !strings.HasPrefix(l, "sec-") && !strings.HasPrefix(l, ":")
}

// thinkBefore is the pause between the end of the previous entry and the start of e, rounded
// to 10 ms; 0 when shorter than min.
func thinkBefore(prev, e entry, min time.Duration) time.Duration {
	end := prev.StartedDateTime.Add(time.Duration(prev.Time * float64(time.Millisecond)))
	gap := e.StartedDateTime.Sub(end)
	if gap < min {
		return 0
	}
	return gap.Round(10 * time.Millisecond)
}

func methodOrGet(m string) string {
	if m == "" {
		return http.MethodGet
	}
	return strings.ToUpper(m)
}
