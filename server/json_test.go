package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestDecodeJSONErrors checks the 400 answers of every body type the handlers decode: each
// names the key, the field or the expected shape in JSON terms, never a Go type.
func TestDecodeJSONErrors(t *testing.T) {
	const (
		profileShape = "a JSON object with any of the profile fields name, gender, age, lat, lng, bio, pref_gender, min_age, max_age, max_distance_km"
		swipeShape   = `a JSON object {"sid": UID}`
		vcodeShape   = `a JSON object {"phone": "..."}`
		loginShape   = `a JSON object {"phone": "...", "code": "..."}`
	)
	newProfile := func() requestBody { return new(ProfilePatch) }
	newSwipe := func() requestBody { return new(swipeRequest) }
	newVcode := func() requestBody { return new(vcodeRequest) }
	newLogin := func() requestBody { return new(loginRequest) }
	tests := []struct {
		name    string
		into    func() requestBody
		body    string
		wantMsg string // "" means accepted
	}{
		{"profile accepted", newProfile, `{"age":30,"bio":"a"}`, ""},
		{"swipe accepted", newSwipe, `{"sid":6}`, ""},
		{"duplicate key", newProfile, `{"age":30,"age":40}`, `duplicate key "age": give each key once`},
		{"duplicate key in other case", newProfile, `{"age":30,"AGE":40}`, `duplicate key "AGE" (the same field as "age"): give each key once`},
		{"duplicate key swipe", newSwipe, `{"sid":6,"sid":7}`, `duplicate key "sid": give each key once`},
		{"duplicate key vcode", newVcode, `{"phone":"5550123","phone":"5550124"}`, `duplicate key "phone": give each key once`},
		{"duplicate key login", newLogin, `{"phone":"5550123","code":"1","code":"2"}`, `duplicate key "code": give each key once`},
		{"duplicate key nested", newSwipe, `{"sid":6,"x":{"a":1,"a":2}}`, `duplicate key "a" in x: give each key once`},
		{"duplicate key in array", newProfile, `{"bio":[{"k":1},{"k":2,"k":3}]}`, `duplicate key "k" in bio[1]: give each key once`},
		{"array profile", newProfile, `[]`, "body: want " + profileShape + ", got an array"},
		{"array swipe", newSwipe, `[{"sid":6}]`, "body: want " + swipeShape + ", got an array"},
		{"array vcode", newVcode, ` [1,2]`, "body: want " + vcodeShape + ", got an array"},
		{"array login", newLogin, `[]`, "body: want " + loginShape + ", got an array"},
		{"null", newProfile, `null`, "body: want " + profileShape + ", got null"},
		{"string", newSwipe, `"6"`, "body: want " + swipeShape + ", got a string"},
		{"number", newSwipe, `6`, "body: want " + swipeShape + ", got a number"},
		{"bool", newLogin, `true`, "body: want " + loginShape + ", got true"},
		{"empty", newVcode, ``, "empty body: want " + vcodeShape},
		{"blank", newLogin, " \n", "empty body: want " + loginShape},
		{"int as string", newProfile, `{"age":"30"}`, "age: want an integer, got a string"},
		{"int as fraction", newProfile, `{"age":1.5}`, "age: want an integer, got 1.5"},
		{"float as string", newProfile, `{"lat":"x"}`, "lat: want a number, got a string"},
		{"string as number", newProfile, `{"name":5}`, "name: want a string, got a number"},
		{"string as object", newProfile, `{"bio":{}}`, "bio: want a string, got an object"},
		{"sid as string", newSwipe, `{"sid":"6"}`, "sid: want an integer, got a string"},
		{"sid too big", newSwipe, `{"sid":1e30}`, "sid: want an integer, got 1e30"},
		{"phone as bool", newVcode, `{"phone":true}`, "phone: want a string, got a boolean"},
		{"unknown field", newSwipe, `{"sid":6,"admin":true}`, `unknown field "admin"`},
		{"trailing data", newSwipe, `{"sid":6}{"sid":7}`, "malformed JSON: trailing data after the JSON object"},
		{"syntax", newSwipe, `{"sid":`, "malformed JSON: unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte(tt.body)))
			ok := decodeJSON(rec, req, tt.into())
			if tt.wantMsg == "" {
				if !ok {
					t.Fatalf("got %d %s, want accepted", rec.Code, rec.Body)
				}
				return
			}
			var e apiError
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
				t.Fatalf("got body %q: %v", rec.Body, err)
			}
			if ok || rec.Code != http.StatusBadRequest || e.Error != tt.wantMsg {
				t.Errorf("got %v %d %q, want false 400 %q", ok, rec.Code, e.Error, tt.wantMsg)
			}
		})
	}
}

// TestCheckObjectKeysPerObject checks that a key may appear once in each of several objects.
func TestCheckObjectKeysPerObject(t *testing.T) {
	body := `{"x":{"k":1,"j":{"k":2}},"y":{"k":2},"z":[{"k":1},{"k":1},[{"k":1}]],"k":0}`
	if msg := checkObject([]byte(body), "an object"); msg != "" {
		t.Errorf("checkObject(%s) = %q, want \"\"", body, msg)
	}
}
