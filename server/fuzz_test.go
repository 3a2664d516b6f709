package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzProfilePatch feeds arbitrary bodies to the PUT /api/user/profile decoder and
// validator: it must never panic, must answer only 400 or 413 on rejection, and whatever it
// accepts must be a valid profile.
func FuzzProfilePatch(f *testing.F) {
	for _, seed := range []string{
		`{"age":30}`, `{"name":"Anne-Marie O'Neil","bio":"hi\nthere"}`, `{"min_age":50,"max_age":40}`,
		`{"lat":1e400}`, `{"gender":"male' OR 1=1--"}`, `{"uid":1}`, `{}`, `[]`, `{"age":30}{}`, `{"name":"\u0000"}`,
		`{"max_distance_km":100,"pref_gender":"any","lng":-180}`, "",
		`{"age":30,"age":40}`, `{"age":30,"AGE":40}`, `{"bio":[{"k":1},{"k":2,"k":3}]}`, `null`, `[[[`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPut, "/api/user/profile", bytes.NewReader(body))
		var patch ProfilePatch
		if !decodeJSON(rec, req, &patch) {
			if rec.Code != 400 && rec.Code != 413 {
				t.Fatalf("rejected %q with %d, want 400 or 413", body, rec.Code)
			}
			return
		}
		p, err := patch.Apply(SeedProfile(1))
		if err == nil {
			if verr := p.Validate(); verr != nil {
				t.Fatalf("accepted %q into invalid profile %+v: %v", body, p, verr)
			}
		} else if _, ok := err.(*FieldError); !ok {
			t.Fatalf("got error %T %v, want *FieldError", err, err)
		}
	})
}

// TestSeedProfilesValid checks that every seeded profile passes the API's own validation
// and that seeding is deterministic.
func TestSeedProfilesValid(t *testing.T) {
	for uid := int64(1); uid <= 5000; uid++ {
		p := SeedProfile(uid)
		if err := p.Validate(); err != nil {
			t.Fatalf("SeedProfile(%d) = %+v: %v", uid, p, err)
		}
		if SeedProfile(uid) != p {
			t.Fatalf("SeedProfile(%d) differs between calls", uid)
		}
	}
	if got := SeedProfile(42).Name; got != SeedProfile(42).Name || got == "" {
		t.Errorf("seed name: got %q", got)
	}
}

func TestDistanceKM(t *testing.T) {
	tests := []struct {
		name                   string
		lat1, lng1, lat2, lng2 float64
		want                   float64
	}{
		// Paris–London great-circle distance on a 6371 km sphere is 343.5 km.
		{"paris london", 48.8566, 2.3522, 51.5074, -0.1278, 343.5},
		{"same point", 10, 10, 10, 10, 0},
		{"one degree of latitude", 0, 0, 1, 0, 111.195},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := distanceKM(tt.lat1, tt.lng1, tt.lat2, tt.lng2)
			if d := got - tt.want; d > 0.5 || d < -0.5 {
				t.Errorf("got %.2f km, want %.2f km", got, tt.want)
			}
		})
	}
}
