package har

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/internal/golden"
	"github.com/loadtestdev/loadtest/scenarios"
)

// rec is one recorded exchange for a test HAR.
type rec struct {
	method, url string
	reqHeaders  map[string]string
	reqCookies  map[string]string
	body        string
	status      int
	respHeaders map[string]string
	respCookies map[string]string
	respMIME    string
	resp        string
	at          time.Duration // start, from the first entry
	took        time.Duration
	kind        string // _resourceType
}

// harOf builds a HAR file of the exchanges.
func harOf(t *testing.T, recs ...rec) string {
	t.Helper()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var f file
	for _, r := range recs {
		e := entry{StartedDateTime: t0.Add(r.at), Time: float64(r.took) / float64(time.Millisecond), ResourceType: r.kind}
		e.Request.Method, e.Request.URL = r.method, r.url
		for k, v := range r.reqHeaders {
			e.Request.Headers = append(e.Request.Headers, nameValue{k, v})
		}
		for k, v := range r.reqCookies {
			e.Request.Cookies = append(e.Request.Cookies, nameValue{k, v})
		}
		if r.body != "" {
			e.Request.PostData = &struct {
				MimeType string `json:"mimeType"`
				Text     string `json:"text"`
			}{MimeType: r.reqHeaders["Content-Type"], Text: r.body}
		}
		e.Response.Status = r.status
		for k, v := range r.respHeaders {
			e.Response.Headers = append(e.Response.Headers, nameValue{k, v})
		}
		for k, v := range r.respCookies {
			e.Response.Cookies = append(e.Response.Cookies, nameValue{k, v})
		}
		e.Response.Content.MimeType, e.Response.Content.Text = r.respMIME, r.resp
		f.Log.Entries = append(f.Log.Entries, e)
	}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func importString(t *testing.T, har string, o Options) *Import {
	t.Helper()
	im, err := Read("test.har", strings.NewReader(har), o)
	if err != nil {
		t.Fatal(err)
	}
	return im
}

const api = "http://127.0.0.1:9/api"

func TestCorrelation(t *testing.T) {
	login := rec{method: "POST", url: api + "/login", reqHeaders: map[string]string{"Content-Type": "application/json"},
		body: `{"user":"ann","password":"hunter22"}`, status: 200, respMIME: "application/json",
		resp: `{"token":"tok-8f2c1a9b77","uid":1234,"items":[{"id":7},{"id":8}]}`}
	tests := []struct {
		name      string
		recs      []rec
		opts      Options
		want      []string // substrings of the YAML
		notWant   []string
		corr      []string // "variable=source"
		hardcoded int
		secrets   []string
	}{
		{
			name: "json token in a bearer header, id in path, small id in a body",
			recs: []rec{login,
				{method: "GET", url: api + "/users/1234/items", reqHeaders: map[string]string{"Authorization": "Bearer tok-8f2c1a9b77"}, status: 200, at: time.Second},
				{method: "POST", url: api + "/pick", reqHeaders: map[string]string{"Content-Type": "application/json", "Authorization": "Bearer tok-8f2c1a9b77"}, body: `{"item_id":7}`, status: 200, at: 2 * time.Second},
			},
			want: []string{`Authorization: 'Bearer {{ login_token }}'`, `path: '/api/users/{{ uid }}/items'`, `body: '{"item_id":{{ item_id }}}'`,
				`password: 'CHANGE-ME'`, `"password":"{{ password }}"`, "json: '$.token'", "json: '$.items[0].id'", "think: 1s"},
			notWant: []string{"hunter22"},
			corr:    []string{"login_token=json $.token", "uid=json $.uid", "item_id=json $.items[0].id"},
			secrets: []string{"password"},
		},
		{
			name: "keep secrets writes them as recorded",
			recs: []rec{login},
			opts: Options{KeepSecrets: true},
			want: []string{`password: 'hunter22'`},
		},
		{
			name: "location header, and a cookie the jar carries",
			recs: []rec{
				{method: "POST", url: api + "/orders", status: 201, respHeaders: map[string]string{"Location": "/api/orders/9f8e7d6c5b"}, respCookies: map[string]string{"sid": "s3ss10n-abcdef"}},
				{method: "GET", url: "http://127.0.0.1:9/api/orders/9f8e7d6c5b", reqCookies: map[string]string{"sid": "s3ss10n-abcdef"}, reqHeaders: map[string]string{"Cookie": "sid=s3ss10n-abcdef", "X-Csrf": "s3ss10n-abcdef"}, status: 200, at: 50 * time.Millisecond},
			},
			want:      []string{"cookie: 'sid'", `X-Csrf: '{{ sid }}'`, `path: '/api/orders/9f8e7d6c5b'`},
			notWant:   []string{"Cookie:", "think:", "{{ location }}", "follow_redirects"},
			corr:      []string{"sid=cookie sid"},
			hardcoded: 1, // a 201's Location as a later path: no whole-path template, reported
		},
		{
			name: "a redirect the browser followed is followed by the step, the chain's last status checked",
			recs: []rec{
				{method: "POST", url: "http://127.0.0.1:9/login", reqHeaders: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: "user=ann", status: 302, respHeaders: map[string]string{"Location": "/next?ticket=T-8f2c1a9b77e1"}},
				{method: "GET", url: "http://127.0.0.1:9/next?ticket=T-8f2c1a9b77e1", status: 301, respHeaders: map[string]string{"Location": "http://127.0.0.1:9/home"}},
				{method: "GET", url: "http://127.0.0.1:9/home", status: 200, respMIME: "application/json", resp: `{"uid":"u-77aa19x"}`},
				{method: "GET", url: "http://127.0.0.1:9/users/u-77aa19x", status: 302, respHeaders: map[string]string{"Location": "http://192.0.2.1/elsewhere"}},
			},
			want:    []string{"follow_redirects: 2", "- status: 200", "json: '$.uid'", "path: '/users/{{ uid }}'", "- status: 302"},
			notWant: []string{"T-8f2c1a9b77e1", "/next", "/home", "{{ location }}"},
			corr:    []string{"uid=json $.uid"},
		},
		{
			name: "regex over an html body",
			recs: []rec{
				{method: "GET", url: "http://127.0.0.1:9/form", status: 200, respMIME: "text/html", resp: `<form><input type="hidden" name="csrf" value="c5rf-77aa19x"></form>`},
				{method: "POST", url: "http://127.0.0.1:9/form", reqHeaders: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: "csrf=c5rf-77aa19x&q=hello", status: 303, at: 2 * time.Second},
			},
			want: []string{"regex:", `body: 'csrf={{ csrf | urlencode }}&q=hello'`},
			corr: []string{"csrf=regex"},
		},
		{
			name: "an authorization and a cookie nobody issued are secrets; a token-like value stays and is reported",
			recs: []rec{
				{method: "GET", url: api + "/me?session=0a1b2c3d4e5f60718293", reqHeaders: map[string]string{"Authorization": "Basic YWxhZGRpbjpvcGVuc2VzYW1l"}, reqCookies: map[string]string{"pref": "dark"}, status: 200},
			},
			want:      []string{`Authorization: 'Basic {{ authorization }}'`, `Cookie: 'pref={{ cookie_pref }}'`, "session=0a1b2c3d4e5f60718293"},
			notWant:   []string{"YWxhZGRpbjpvcGVuc2VzYW1l", "dark"},
			hardcoded: 1,
			secrets:   []string{"authorization", "cookie_pref"},
		},
		{
			name: "static assets and other hosts are dropped, --no-think",
			recs: []rec{
				{method: "GET", url: "http://127.0.0.1:9/", status: 200, respMIME: "text/html", resp: "<html></html>"},
				{method: "GET", url: "http://127.0.0.1:9/static/app.js", status: 200, respMIME: "application/javascript", kind: "script", at: time.Second},
				{method: "GET", url: "http://127.0.0.1:9/logo.png", status: 200, at: time.Second},
				{method: "GET", url: "http://192.0.2.1/collect", status: 204, at: time.Second},
				{method: "GET", url: "http://127.0.0.1:9/api/x", status: 200, at: 3 * time.Second},
			},
			opts:    Options{NoThink: true},
			want:    []string{"path: '/api/x'", "path: '/'"},
			notWant: []string{"app.js", "logo.png", "collect", "think:"},
		},
		{
			name: "--exclude and --include-host",
			recs: []rec{
				{method: "GET", url: "http://192.0.2.1/a", status: 200},
				{method: "GET", url: "http://127.0.0.1:9/health", status: 200},
				{method: "GET", url: "http://127.0.0.1:9/api/y", status: 200},
			},
			opts:    Options{IncludeHosts: []string{"127.0.0.1"}, Exclude: []string{"health"}},
			want:    []string{"path: '/api/y'", "target: http://127.0.0.1:9"},
			notWant: []string{"/a'", "health"},
		},
		{
			name: "a second included host is written as an absolute URL",
			recs: []rec{
				{method: "GET", url: "http://127.0.0.1:9/a", status: 200},
				{method: "POST", url: "http://127.0.0.1:10/token", status: 200},
			},
			opts: Options{IncludeHosts: []string{"127.0.0.1:9", "127.0.0.1:10"}},
			want: []string{"target: http://127.0.0.1:9", "path: '/a'", "path: 'http://127.0.0.1:10/token'"},
		},
		{
			name: "template braces in recorded text are escaped",
			recs: []rec{{method: "POST", url: api + "/t", reqHeaders: map[string]string{"Content-Type": "text/plain"}, body: "a {{ b }}", status: 200}},
			want: []string{`body: 'a {{ "{{" }} b }}'`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			im := importString(t, harOf(t, tt.recs...), tt.opts)
			y := string(im.YAML)
			if _, err := scenarios.Parse("import.yaml", im.YAML); err != nil {
				t.Errorf("the import does not parse: %v\n%s", err, y)
			}
			for _, w := range tt.want {
				if !strings.Contains(y, w) {
					t.Errorf("YAML lacks %q:\n%s", w, y)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(y, w) {
					t.Errorf("YAML has %q:\n%s", w, y)
				}
			}
			for _, c := range tt.corr {
				v, src, _ := strings.Cut(c, "=")
				found := false
				for _, got := range im.Correlations {
					found = found || (got.Variable == v && strings.HasPrefix(got.Source, src))
				}
				if !found {
					t.Errorf("got correlations %+v, want %s from %s", im.Correlations, v, src)
				}
			}
			if len(im.Hardcoded) != tt.hardcoded {
				t.Errorf("got hard-coded %+v, want %d", im.Hardcoded, tt.hardcoded)
			}
			var secrets []string
			for _, s := range im.Secrets {
				secrets = append(secrets, s.Variable)
			}
			if strings.Join(secrets, ",") != strings.Join(tt.secrets, ",") && !(len(tt.secrets) == 0 && tt.opts.KeepSecrets) {
				t.Errorf("got secrets %v, want %v", secrets, tt.secrets)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct{ name, har, want string }{
		{"not json", "nope", "not a HAR file"},
		{"no entries", `{"log":{"entries":[]}}`, "log.entries is empty"},
		{"entry without url", `{"log":{"entries":[{"request":{"method":"GET"}}]}}`, "log.entries[0]: request without method or url"},
		{"nothing left", `{"log":{"entries":[{"request":{"method":"GET","url":"http://127.0.0.1:9/a.css"},"response":{"status":200}}]}}`, "no request left to import (dropped: 1 static asset)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read("x.har", strings.NewReader(tt.har), Options{})
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want ErrInvalid containing %q", err, tt.want)
			}
		})
	}
}

// TestRecordedSession imports the HAR that Chromium recorded of the reference server's /app
// page (test/browser/record-har.mjs): the golden file is the scenario it writes.
func TestRecordedSession(t *testing.T) {
	data, err := os.ReadFile("testdata/swiper-app.har")
	if err != nil {
		t.Fatal(err)
	}
	im := importString(t, string(data), Options{Name: "swiper-app"})
	golden.Assert(t, "testdata/swiper-app.yaml", im.YAML)
	want := map[string]string{"code": "json $.code", "login_token": "json $.token", "sid": "json $.users[0].uid"}
	for _, c := range im.Correlations {
		delete(want, c.Variable)
	}
	if len(want) > 0 {
		t.Errorf("not correlated: %v (got %+v)", want, im.Correlations)
	}
	if strings.Contains(string(im.YAML), "Bearer 1") {
		t.Errorf("a recorded token was written verbatim:\n%s", im.YAML)
	}
}

func FuzzRead(f *testing.F) {
	if data, err := os.ReadFile("testdata/swiper-app.har"); err == nil {
		f.Add(string(data))
	}
	f.Add(`{"log":{"entries":[{"request":{"method":"GET","url":"http://127.0.0.1:9/x?a=1&b"},"response":{"status":200,"content":{"text":"{\"a\":[1,{\"b\":\"xyzw\"}]}"}}}]}}`)
	f.Add(`{"log":{"entries":[{"request":{"method":"POST","url":"http://127.0.0.1:9/%zz","postData":{"text":"a=%zz&b={{"}},"response":{}}]}}`)
	f.Fuzz(func(t *testing.T, s string) {
		im, err := Read("fuzz.har", strings.NewReader(s), Options{})
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error not ErrInvalid: %v", err)
			}
			return
		}
		if len(im.YAML) == 0 || im.Steps == 0 {
			t.Fatalf("empty import without error")
		}
		if _, err := scenarios.Parse("fuzz.yaml", im.YAML); err != nil {
			t.Fatalf("the import does not parse: %v\n%s", err, im.YAML)
		}
	})
}
