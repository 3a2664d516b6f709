package server

import (
	"net/http"
	"testing"
)

// TestAuthorizationScheme sends one valid token under each spelling of the Authorization
// header: the Bearer scheme is case-insensitive (RFC 9110 §11.1), other schemes and a missing
// token are 401.
func TestAuthorizationScheme(t *testing.T) {
	srv, ts := newTestServer(t, backend{name: "sqlite+memory", cache: "memory"})
	tok := token(srv, 5)
	tests := []struct {
		name, header string
		want         int
	}{
		{"canonical", "Bearer " + tok, 200},
		{"lowercase", "bearer " + tok, 200},
		{"uppercase", "BEARER " + tok, 200},
		{"mixed case", "bEaReR " + tok, 200},
		{"two spaces", "Bearer  " + tok, 200},
		{"other scheme", "Basic " + tok, 401},
		{"scheme only", "Bearer", 401},
		{"scheme and space", "bearer ", 401},
		{"no space", "Bearer" + tok, 401},
		{"token only", tok, 401},
		{"empty", "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest("GET", ts.URL+"/api/user/profile", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", tt.header)
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("Authorization %q: got %d, want %d", tt.header, resp.StatusCode, tt.want)
			}
		})
	}
}
