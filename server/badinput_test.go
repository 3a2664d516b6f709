package server

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/loadtestdev/loadtest/server/auth"
)

const sqlMeta = `1' OR '1'='1'; DROP TABLE users; --`

// TestBadInput sends malformed, forged, oversized and injected input: each gets the right 4xx
// with a JSON error, and afterwards the users, swipes and profiles are exactly as before.
func TestBadInput(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) { testBadInput(t, b) })
	}
}

func testBadInput(t *testing.T, b backend) {
	srv, ts := newTestServer(t, b)
	const uid = 5
	tok := token(srv, uid)
	forged := auth.Mint([]byte("not the secret"), uid, time.Now().Add(time.Hour))
	expired := auth.Mint(srv.Secret(), uid, time.Now().Add(-time.Minute))
	other := token(srv, uid+1)
	tampered := strings.Replace(other, "6.", "5.", 1) // claim uid 5 with uid 6's signature
	before := snapshot(t, srv)

	tests := []struct {
		name, method, path, tok string
		body                    any
		want                    int
	}{
		{"malformed json like", "POST", "/api/social/like", tok, `{"sid":`, 400},
		{"malformed json vcode", "POST", "/api/user/vcode", "", `{phone}`, 400},
		{"malformed json profile", "PUT", "/api/user/profile", tok, `[1,2]`, 400},
		{"empty body", "POST", "/api/user/login", "", "", 400},
		{"trailing data", "POST", "/api/social/like", tok, `{"sid":6}{"sid":7}`, 400},
		{"unknown field", "PUT", "/api/user/profile", tok, `{"admin":true}`, 400},
		{"uid not editable", "PUT", "/api/user/profile", tok, `{"uid":1}`, 400},
		{"sid wrong type", "POST", "/api/social/like", tok, `{"sid":"` + sqlMeta + `"}`, 400},
		{"sid missing", "POST", "/api/social/like", tok, `{}`, 400},
		{"swipe self", "POST", "/api/social/like", tok, `{"sid":5}`, 400},
		{"unknown sid", "POST", "/api/social/superlike", tok, `{"sid":999999}`, 404},
		{"unknown uid db", "GET", "/db/users/999999", "", nil, 404},
		{"unknown uid cache", "GET", "/cache/users/999999", "", nil, 404},
		{"unknown user token", "GET", "/api/user/profile", token(srv, 999999), nil, 404},
		{"no token", "GET", "/api/user/profile", "", nil, 401},
		{"bad token", "GET", "/api/social/rcmd", "garbage", nil, 401},
		{"forged token", "POST", "/api/social/like", forged, `{"sid":6}`, 401},
		{"tampered token", "PUT", "/api/user/profile", tampered, `{"age":40}`, 401},
		{"expired token", "GET", "/api/social/friends", expired, nil, 401},
		{"oversized json", "PUT", "/api/user/profile", tok, `{"bio":"` + strings.Repeat("a", jsonBodyLimit) + `"}`, 413},
		{"oversized echo", "POST", "/echo", "", strings.Repeat("a", DefaultMaxBodyBytes+1), 413},
		{"wrong code", "POST", "/api/user/login", "", `{"phone":"5550123","code":"000000"}`, 401},
		{"sql in vcode phone", "POST", "/api/user/vcode", "", map[string]string{"phone": sqlMeta}, 400},
		{"sql in login phone", "POST", "/api/user/login", "", map[string]string{"phone": sqlMeta, "code": "123456"}, 400},
		{"sql in login code", "POST", "/api/user/login", "", map[string]string{"phone": SeedPhone(uid), "code": sqlMeta}, 400},
		{"sql in name", "PUT", "/api/user/profile", tok, map[string]string{"name": sqlMeta}, 400},
		{"sql in gender", "PUT", "/api/user/profile", tok, map[string]string{"gender": sqlMeta}, 400},
		{"sql in pref_gender", "PUT", "/api/user/profile", tok, map[string]string{"pref_gender": sqlMeta}, 400},
		{"sql in token", "GET", "/api/user/profile", sqlMeta, nil, 401},
		{"sql in db uid", "GET", "/db/users/" + url.PathEscape(sqlMeta), "", nil, 400},
		{"sql in cache uid", "GET", "/cache/users/" + url.PathEscape(sqlMeta), "", nil, 400},
		{"sql in delay", "GET", "/delay/" + url.PathEscape(sqlMeta), "", nil, 400},
		{"bad age", "PUT", "/api/user/profile", tok, `{"age":17}`, 400},
		{"min above max", "PUT", "/api/user/profile", tok, `{"min_age":50,"max_age":40}`, 400},
		{"distance zero", "PUT", "/api/user/profile", tok, `{"max_distance_km":0}`, 400},
		{"distance too far", "PUT", "/api/user/profile", tok, `{"max_distance_km":101}`, 400},
		{"lat out of range", "PUT", "/api/user/profile", tok, `{"lat":91}`, 400},
		{"bio too long", "PUT", "/api/user/profile", tok, map[string]string{"bio": strings.Repeat("é", MaxBioRunes+1)}, 400},
		{"bio control char", "PUT", "/api/user/profile", tok, map[string]string{"bio": "a\x00b"}, 400},
		{"empty name", "PUT", "/api/user/profile", tok, map[string]string{"name": ""}, 400},
		{"age as string", "PUT", "/api/user/profile", tok, `{"age":"30"}`, 400},
		{"duplicate key profile", "PUT", "/api/user/profile", tok, `{"age":30,"age":40}`, 400},
		{"duplicate key other case", "PUT", "/api/user/profile", tok, `{"age":30,"Age":40}`, 400},
		{"duplicate key like", "POST", "/api/social/like", tok, `{"sid":6,"sid":7}`, 400},
		{"null profile", "PUT", "/api/user/profile", tok, `null`, 400},
		{"array like", "POST", "/api/social/like", tok, `[{"sid":6}]`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := call(t, ts, tt.method, tt.path, tt.tok, tt.body)
			if code != tt.want {
				t.Fatalf("got status %d (%.200s), want %d", code, body, tt.want)
			}
			var e apiError
			if err := json.Unmarshal(body, &e); err != nil || e.Error == "" {
				t.Errorf("got body %.200q, want {\"error\": \"...\"}", body)
			}
		})
	}
	if after := snapshot(t, srv); after != before {
		t.Errorf("data changed:\n got %+v\nwant %+v", after, before)
	}
}

// dataSnapshot is what bad input must not change.
type dataSnapshot struct {
	users, swipes int
	profile       Profile
}

func snapshot(t *testing.T, srv *Server) dataSnapshot {
	t.Helper()
	st := srv.store.(*sqlStore)
	var s dataSnapshot
	for table, n := range map[string]*int{"users": &s.users, "swipes": &s.swipes} {
		if err := st.w.QueryRow("SELECT COUNT(*) FROM " + st.prefix + table).Scan(n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
	}
	p, err := st.User(t.Context(), 5)
	if err != nil {
		t.Fatal(err)
	}
	s.profile = p
	return s
}
