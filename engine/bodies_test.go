package engine

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// djangoServer is a local stand-in for a Django login: the GET of the login page sets a
// csrftoken cookie and puts the same token in the form; the POST must be a form
// (application/x-www-form-urlencoded) carrying that token and the credentials, and answers
// with a session cookie and a redirect; the profile and the JSON API need the session.
type djangoServer struct {
	mu       sync.Mutex
	problems []string
	logins   int
	created  int
	next     atomic.Int64
}

func (d *djangoServer) fail(format string, a ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.problems = append(d.problems, fmt.Sprintf(format, a...))
}

func (d *djangoServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/accounts/login/" && r.Method == http.MethodGet:
		token := fmt.Sprintf("tok%08dX", d.next.Add(1))
		http.SetCookie(w, &http.Cookie{Name: "csrftoken", Value: token, Path: "/"})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="%s">
<input name="username"><input name="password" type="password"></form>`, token)
	case r.URL.Path == "/accounts/login/" && r.Method == http.MethodPost:
		d.login(w, r)
	case r.URL.Path == "/accounts/profile/":
		if c, err := r.Cookie("sessionid"); err != nil || c.Value != "sess-alice" {
			http.Redirect(w, r, "/accounts/login/", http.StatusFound)
			return
		}
		_, _ = io.WriteString(w, `<p>Hello <span id="user">alice</span></p>`)
	case r.URL.Path == "/api/items/":
		d.createItem(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (d *djangoServer) login(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		d.fail("login Content-Type %q, want application/x-www-form-urlencoded", ct)
	}
	if err := r.ParseForm(); err != nil {
		d.fail("login form: %v", err)
	}
	cookie, err := r.Cookie("csrftoken")
	if err != nil || r.PostForm.Get("csrfmiddlewaretoken") != cookie.Value {
		d.fail("csrfmiddlewaretoken %q does not match the csrftoken cookie (%v)", r.PostForm.Get("csrfmiddlewaretoken"), err)
		http.Error(w, "CSRF verification failed", http.StatusForbidden)
		return
	}
	if u, p := r.PostForm.Get("username"), r.PostForm.Get("password"); u != "alice" || p != "s3cret&x=1 é" {
		d.fail("credentials %q %q, want alice and s3cret&x=1 é", u, p)
		http.Error(w, "bad credentials", http.StatusOK) // Django re-renders the form with 200
		return
	}
	d.mu.Lock()
	d.logins++
	d.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "sessionid", Value: "sess-alice", Path: "/"})
	http.Redirect(w, r, "/accounts/profile/", http.StatusFound)
}

func (d *djangoServer) createItem(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		d.fail("api Content-Type %q, want application/json", r.Header.Get("Content-Type"))
		http.Error(w, "unsupported media type", http.StatusUnsupportedMediaType)
		return
	}
	var item struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	}
	if err := json.NewDecoder(r.Body).Decode(&item); err != nil || item.Name != `alice's "pen"` || item.Count != 2 {
		d.fail("api body %+v (%v), want alice's \"pen\" and 2", item, err)
	}
	if c, err := r.Cookie("csrftoken"); err != nil || r.Header.Get("X-CSRFToken") != c.Value {
		d.fail("X-CSRFToken %q does not match the cookie", r.Header.Get("X-CSRFToken"))
	}
	d.mu.Lock()
	d.created++
	d.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
}

// TestFlowDjangoFormLogin: a CSRF token extracted from the login form goes back in a form:
// body with the credentials (sent as application/x-www-form-urlencoded, values escaped), the
// session cookie carries the login, and a JSON body gets application/json.
func TestFlowDjangoFormLogin(t *testing.T) {
	t.Parallel()
	d := &djangoServer{}
	cs := newCountingServer(t, d.ServeHTTP)
	src := `variables: {user: alice, password: "s3cret&x=1 é"}
flows:
  - name: login
    steps:
      - name: form
        path: /accounts/login/
        extract:
          csrf: {regex: 'name="csrfmiddlewaretoken" value="([^"]+)"'}
      - name: submit
        method: POST
        path: /accounts/login/
        form: {csrfmiddlewaretoken: "{{ csrf }}", username: "{{ user }}", password: "{{ password }}"}
        check: [{status: 302}, {header: Location, equals: /accounts/profile/}]
      - name: profile
        path: /accounts/profile/
        check: [{status: 200}, {body_contains: '<span id="user">alice</span>'}]
      - name: create
        method: POST
        path: /api/items/
        headers: {X-CSRFToken: "{{ csrf }}"}
        json: {name: "{{ user }}'s \"pen\"", count: 2}
        check: [{status: 201}]
`
	r := runFlowYAML(t, src, cs.URL, Options{RatePerSec: 50, Duration: 30 * time.Second, MaxRequests: 8, MaxSessions: 4})
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.problems) > 0 {
		t.Fatalf("the server saw:\n%s", strings.Join(d.problems, "\n"))
	}
	if r.IterationsCompleted != 8 || r.Checks.Fails != 0 || d.logins != 8 || d.created != 8 {
		t.Errorf("got %d iterations completed, checks %+v, %d logins, %d items; want 8, no failure, 8 and 8",
			r.IterationsCompleted, r.Checks, d.logins, d.created)
	}
}
