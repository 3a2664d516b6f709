package scenarios

import (
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBodies: each way of writing a body sends the bytes and the Content-Type its kind says.
func TestBodies(t *testing.T) {
	tests := []struct {
		name, src, wantBody, wantType string
	}{
		{"json text gets a type", `variables: {id: "7"}
requests: [{name: r, method: POST, path: /x, body: '{"id": {{ id }}}'}]`, `{"id": 7}`, "application/json"},
		{"json list text gets a type", `requests: [{name: r, method: POST, path: /x, body: '[1, 2]'}]`, `[1, 2]`, "application/json"},
		{"a whole template gets none", `variables: {p: "{}"}
requests: [{name: r, method: POST, path: /x, body: '{{ p }}'}]`, `{}`, ""},
		{"plain text gets none", `requests: [{name: r, method: POST, path: /x, body: 'a=1'}]`, `a=1`, ""},
		{"a written type wins", `requests: [{name: r, method: POST, path: /x, headers: {content-type: text/plain}, body: '{"a": 1}'}]`, `{"a": 1}`, "text/plain"},
		{"a scenario type wins", `headers: {Content-Type: application/vnd.x+json}
requests: [{name: r, method: POST, path: /x, json: {a: 1}}]`, `{"a":1}`, "application/vnd.x+json"},
		{"form", `variables: {phone: "+1 555&0", code: "{{ pad 6 12 }}"}
requests: [{name: r, method: POST, path: /x, form: {phone: "{{ phone }}", code: "{{ code }}", "a b": "x y"}}]`,
			"phone=%2B1+555%260&code=000012&a+b=x+y", "application/x-www-form-urlencoded"},
		{"json mapping", `variables: {name: "Bob \"B\" \\ \n"}
requests: [{name: r, method: POST, path: /x, json: {user: "{{ name }}!", n: 3, f: 1.5, ok: true, none: ~, tags: [a, "{{ upper name }}"]}}]`,
			`{"user":"Bob \"B\" \\ \n!","n":3,"f":1.5,"ok":true,"none":null,"tags":["a","BOB \"B\" \\ \n"]}`, "application/json"},
		{"functions", `variables: {u: "Ab"}
requests: [{name: r, method: POST, path: /x, body: '{{ lower u }} {{ u | upper }} {{ base64 u }} {{ u | base64url }} {{ pad 4 -5 }} {{ u | pad 3 | lower }} {{ "a b" | upper | urlencode }}'}]`,
			"ab AB QWI= QWI -005 0ab A+B", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, tgt := next(t, mustPlan(t, tt.src, PlanOptions{}))
			if string(tgt.Body) != tt.wantBody {
				t.Errorf("body: got %s, want %s", tgt.Body, tt.wantBody)
			}
			if got := tgt.Header.Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type: got %q, want %q", got, tt.wantType)
			}
			if tt.wantType == "application/json" && !json.Valid(tgt.Body) {
				t.Errorf("body %s is not valid JSON", tgt.Body)
			}
			if strings.HasPrefix(tt.wantType, "application/x-www") {
				if _, err := url.ParseQuery(string(tgt.Body)); err != nil {
					t.Errorf("form body %s: %v", tgt.Body, err)
				}
			}
		})
	}
}

// TestMultipartBody: fields are rendered, files read from the scenario's directory, and the
// whole parses as multipart/form-data.
func TestMultipartBody(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "photo.png"), []byte("\x89PNG\r\n--bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := `variables: {who: "alice"}
requests: [{name: up, method: POST, path: /up, multipart: {fields: {user: "{{ who }}", note: "a \"b\""}, files: {avatar: photo.png}}}]`
	path := filepath.Join(dir, "s.yaml")
	sc, err := Parse(path, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := sc.Plan(PlanOptions{Target: testTarget})
	if err != nil {
		t.Fatal(err)
	}
	_, tgt := next(t, p)
	mt, params, err := mime.ParseMediaType(tgt.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		t.Fatalf("Content-Type %q: %v", tgt.Header.Get("Content-Type"), err)
	}
	form, err := multipart.NewReader(strings.NewReader(string(tgt.Body)), params["boundary"]).ReadForm(1 << 20)
	if err != nil {
		t.Fatalf("body does not parse as multipart: %v\n%s", err, tgt.Body)
	}
	if got := form.Value["user"]; len(got) != 1 || got[0] != "alice" {
		t.Errorf("user: got %q, want alice", got)
	}
	if got := form.Value["note"]; len(got) != 1 || got[0] != `a "b"` {
		t.Errorf("note: got %q, want a \"b\"", got)
	}
	files := form.File["avatar"]
	if len(files) != 1 || files[0].Filename != "photo.png" || files[0].Header.Get("Content-Type") != "image/png" {
		t.Fatalf("avatar: got %+v", files)
	}
	f, _ := files[0].Open()
	data, _ := io.ReadAll(f)
	if string(data) != "\x89PNG\r\n--bytes" {
		t.Errorf("avatar content: got %q", data)
	}
}

func TestBodyErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"two bodies", "requests: [{path: /x, body: a, form: {a: b}}]", "test.yaml:1: body and form are exclusive: a request has at most one of body, form, multipart, json"},
		{"two bodies in a step", "flows: [{name: f, steps: [{path: /x, json: {a: 1},\n  multipart: {fields: {a: b}}}]}]", "test.yaml:2: json and multipart are exclusive"},
		{"form not a mapping", "requests: [{path: /x, form: a=b}]", "form must be a mapping of field names to values"},
		{"json scalar", "requests: [{path: /x, json: 3}]", "json must be a mapping or a list"},
		{"json infinity", "requests: [{path: /x, json: {a: .inf}}]", `json: ".inf" is not a value JSON can carry`},
		{"missing file", "requests: [{path: /x,\n  multipart: {files: {f: nothere.bin}}}]", "test.yaml:2: multipart file nothere.bin: cannot read nothere.bin: no such file or directory"},
		{"unknown variable in form", "requests: [{path: /x, form: {a: '{{ nope }}'}}]", `requests[0].form.a: unknown function or variable "nope"`},
		{"multipart field", "requests: [{path: /x, multipart: {parts: {}}}]", `unknown field "parts", want one of fields, files`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
