package server

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func TestEndpoints(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			srv, ts := newTestServer(t, b)
			t.Run("tiers", func(t *testing.T) { testTiers(t, ts) })
			t.Run("login", func(t *testing.T) { testLogin(t, ts) })
			t.Run("profile", func(t *testing.T) { testProfile(t, srv, ts) })
			t.Run("social", func(t *testing.T) { testSocial(t, srv, ts) })
		})
	}
}

func testTiers(t *testing.T, ts *httptest.Server) {
	big := bytes.Repeat([]byte("x"), DefaultMaxBodyBytes+1)
	tests := []struct {
		name, method, path string
		body               any
		wantCode           int
		wantBody           string // exact, or "" to skip
	}{
		{"echo get", "GET", "/echo", nil, 200, "ok"},
		{"echo head", "HEAD", "/echo", nil, 200, ""},
		{"echo post", "POST", "/echo", "hello\x00world", 200, "hello\x00world"},
		{"echo post at limit", "POST", "/echo", big[:DefaultMaxBodyBytes], 200, string(big[:DefaultMaxBodyBytes])},
		{"echo post oversized", "POST", "/echo", big, 413, ""},
		{"delay", "GET", "/delay/20ms", nil, 200, "ok"},
		{"delay zero", "GET", "/delay/0s", nil, 200, "ok"},
		{"delay too long", "GET", "/delay/11s", nil, 400, ""},
		{"delay negative", "GET", "/delay/-1s", nil, 400, ""},
		{"delay garbage", "GET", "/delay/soon", nil, 400, ""},
		{"status 418", "GET", "/status/418", nil, 418, "I'm a teapot\n"},
		{"status 503", "GET", "/status/503", nil, 503, "Service Unavailable\n"},
		{"status 204", "GET", "/status/204", nil, 204, ""},
		{"status 99", "GET", "/status/99", nil, 400, ""},
		{"status garbage", "GET", "/status/ok", nil, 400, ""},
		{"cache miss", "GET", "/cache/users/999999", nil, 404, ""},
		{"cache bad uid", "GET", "/cache/users/abc", nil, 400, ""},
		{"db miss", "GET", "/db/users/999999", nil, 404, ""},
		{"db bad uid", "GET", "/db/users/0", nil, 400, ""},
		{"healthz", "GET", "/healthz", nil, 200, ""},
		{"metrics", "GET", "/metrics", nil, 200, ""},
		{"no route", "GET", "/nope", nil, 404, ""},
		{"wrong method", "DELETE", "/echo", nil, 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := call(t, ts, tt.method, tt.path, "", tt.body)
			if code != tt.wantCode {
				t.Fatalf("got status %d (%.200s), want %d", code, body, tt.wantCode)
			}
			if tt.wantBody != "" && string(body) != tt.wantBody {
				t.Errorf("got body %.200q, want %.200q", body, tt.wantBody)
			}
			apiError := code >= 400 && !strings.HasPrefix(tt.path, "/status/")
			if apiError {
				if !bytes.Contains(body, []byte(`"error":`)) {
					t.Errorf("got error body %q, want {\"error\": ...}", body)
				}
			}
		})
	}
	for _, uid := range []int64{1, 17, testUsers} {
		want := SeedProfile(uid)
		for _, tier := range []string{"cache", "db"} {
			var got Profile
			mustJSON(t, ts, "GET", fmt.Sprintf("/%s/users/%d", tier, uid), "", nil, 200, &got)
			if got != want {
				t.Errorf("%s user %d: got %+v, want %+v", tier, uid, got, want)
			}
		}
	}
}

type loginResponse struct {
	UID     int64  `json:"uid"`
	Token   string `json:"token"`
	NewUser bool   `json:"new_user"`
}

// login asks for a code and logs in with it.
func login(t *testing.T, ts *httptest.Server, phone string) loginResponse {
	t.Helper()
	var vc struct {
		Code string `json:"code"`
	}
	mustJSON(t, ts, "POST", "/api/user/vcode", "", map[string]string{"phone": phone}, 200, &vc)
	var lr loginResponse
	mustJSON(t, ts, "POST", "/api/user/login", "", map[string]string{"phone": phone, "code": vc.Code}, 200, &lr)
	return lr
}

func testLogin(t *testing.T, ts *httptest.Server) {
	seeded := login(t, ts, SeedPhone(7))
	if seeded.UID != 7 || seeded.NewUser {
		t.Errorf("seeded login: got uid %d new %v, want uid 7 new false", seeded.UID, seeded.NewUser)
	}
	first := login(t, ts, "+8613800138000")
	if first.UID <= testUsers || !first.NewUser {
		t.Errorf("first login: got uid %d new %v, want uid > %d new true", first.UID, first.NewUser, testUsers)
	}
	again := login(t, ts, "+8613800138000")
	if again.UID != first.UID || again.NewUser {
		t.Errorf("second login: got uid %d new %v, want uid %d new false", again.UID, again.NewUser, first.UID)
	}
	var me Profile
	mustJSON(t, ts, "GET", "/api/user/profile", again.Token, nil, 200, &me)
	if me.UID != first.UID || me.Validate() != nil {
		t.Errorf("new user's profile: got %+v (%v), want uid %d and valid", me, me.Validate(), first.UID)
	}
	// A code works once.
	var vc struct {
		Code string `json:"code"`
	}
	mustJSON(t, ts, "POST", "/api/user/vcode", "", map[string]string{"phone": "5550001"}, 200, &vc)
	mustJSON(t, ts, "POST", "/api/user/login", "", map[string]string{"phone": "5550001", "code": vc.Code}, 200, nil)
	mustJSON(t, ts, "POST", "/api/user/login", "", map[string]string{"phone": "5550001", "code": vc.Code}, 401, nil)
}

func testProfile(t *testing.T, srv *Server, ts *httptest.Server) {
	const uid = 11
	tok := token(srv, uid)
	var got Profile
	mustJSON(t, ts, "GET", "/api/user/profile", tok, nil, 200, &got)
	if got != SeedProfile(uid) {
		t.Fatalf("got %+v, want %+v", got, SeedProfile(uid))
	}
	bio := `x'); DROP TABLE users; -- "quoted" \ 100%`
	patch := map[string]any{"age": 33, "min_age": 30, "max_age": 40, "bio": bio, "name": "Anne-Marie O'Neil", "pref_gender": "any"}
	var updated Profile
	mustJSON(t, ts, "PUT", "/api/user/profile", tok, patch, 200, &updated)
	want := SeedProfile(uid)
	want.Age, want.MinAge, want.MaxAge, want.Bio, want.Name, want.PrefGender = 33, 30, 40, bio, "Anne-Marie O'Neil", "any"
	if updated != want {
		t.Errorf("PUT: got %+v, want %+v", updated, want)
	}
	// The write invalidated the cache: the cache tier misses until a read fills it again.
	mustJSON(t, ts, "GET", fmt.Sprintf("/cache/users/%d", uid), "", nil, 404, nil)
	for _, path := range []string{"/api/user/profile", fmt.Sprintf("/db/users/%d", uid), fmt.Sprintf("/cache/users/%d", uid)} {
		var p Profile
		mustJSON(t, ts, "GET", path, tok, nil, 200, &p)
		if p != want {
			t.Errorf("GET %s after PUT: got %+v, want %+v", path, p, want)
		}
	}
}

func testSocial(t *testing.T, srv *Server, ts *httptest.Server) {
	const a, b, c = 21, 22, 23
	ta, tb := token(srv, a), token(srv, b)
	// Make a's filters wide so that recommendations are plentiful.
	mustJSON(t, ts, "PUT", "/api/user/profile", ta, map[string]any{"pref_gender": "any", "min_age": 18, "max_age": 100, "max_distance_km": 100}, 200, nil)
	var rc struct{ Users []Profile }
	mustJSON(t, ts, "GET", "/api/social/rcmd", ta, nil, 200, &rc)
	if len(rc.Users) == 0 || len(rc.Users) > rcmdLimit {
		t.Fatalf("rcmd: got %d users, want 1..%d", len(rc.Users), rcmdLimit)
	}
	var me Profile
	mustJSON(t, ts, "GET", "/api/user/profile", ta, nil, 200, &me)
	for _, u := range rc.Users {
		if u.UID == a || !me.matches(u) {
			t.Errorf("rcmd: got %+v, which does not match %+v", u, me)
		}
	}
	first := rc.Users[0].UID
	mustJSON(t, ts, "POST", "/api/social/dislike", ta, map[string]int64{"sid": first}, 200, nil)
	mustJSON(t, ts, "GET", "/api/social/rcmd", ta, nil, 200, &rc)
	for _, u := range rc.Users {
		if u.UID == first {
			t.Errorf("rcmd after dislike: got uid %d again", first)
		}
	}

	var m struct{ Matched bool }
	mustJSON(t, ts, "POST", "/api/social/like", ta, map[string]int64{"sid": b}, 200, &m)
	if m.Matched {
		t.Error("a likes b: got matched, want not yet")
	}
	mustJSON(t, ts, "POST", "/api/social/superlike", tb, map[string]int64{"sid": a}, 200, &m)
	if !m.Matched {
		t.Error("b superlikes a: got not matched, want matched")
	}
	mustJSON(t, ts, "POST", "/api/social/like", ta, map[string]int64{"sid": b}, 200, &m) // repeat: idempotent
	if !m.Matched {
		t.Error("a likes b again: got not matched, want matched")
	}
	mustJSON(t, ts, "POST", "/api/social/like", ta, map[string]int64{"sid": c}, 200, nil)
	var fr struct{ Friends []Profile }
	mustJSON(t, ts, "GET", "/api/social/friends", ta, nil, 200, &fr)
	if len(fr.Friends) != 1 || fr.Friends[0].UID != b {
		t.Errorf("a's friends: got %+v, want just uid %d", fr.Friends, b)
	}
	var rank struct{ Rank []RankEntry }
	mustJSON(t, ts, "GET", "/api/social/rank", ta, nil, 200, &rank)
	want := []RankEntry{{UID: a, Score: superlikePoints}, {UID: b, Score: likePoints}, {UID: c, Score: likePoints}}
	if len(rank.Rank) != 3 || rank.Rank[0] != want[0] || !reflect.DeepEqual(sortedRank(rank.Rank[1:]), want[1:]) {
		t.Errorf("rank: got %+v, want %+v (the repeated like adds nothing)", rank.Rank, want)
	}
}

func sortedRank(r []RankEntry) []RankEntry {
	out := append([]RankEntry(nil), r...)
	if len(out) == 2 && out[0].UID > out[1].UID {
		out[0], out[1] = out[1], out[0]
	}
	return out
}
