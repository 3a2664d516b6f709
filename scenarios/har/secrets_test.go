package har

import (
	"strings"
	"testing"
)

func TestSecretNames(t *testing.T) {
	tests := []struct {
		name, path string
		secret     bool
	}{
		{"password", "/", true},
		{"newPassword", "/", true},
		{"user_passwd", "/", true},
		{"access_token", "/", true},
		{"accessToken", "/", true},
		{"ACCESSToken", "/", true},
		{"X-Auth-Token", "/", true},
		{"refresh_token", "/", true},
		{"id_token", "/", true},
		{"client_secret", "/", true},
		{"clientSecret", "/", true},
		{"api_key", "/", true},
		{"apiKey", "/", true},
		{"apikey", "/", true},
		{"X-Api-Key", "/", true},
		{"pin", "/", true},
		{"code", "/api/user/login", true},
		{"vcode", "/api/sms-vcode", true},
		{"smsCode", "/auth/verify", true},
		{"code", "/oauth/callback", true},
		{"code", "/api/products", false},
		{"country_code", "/api/user/login", false},
		{"passenger", "/", false},
		{"bypass", "/", false},
		{"phone", "/login", false},
		{"keyword", "/", false},
		{"footprint", "/", false},
	}
	for _, tt := range tests {
		if got := secretField(tt.name, tt.path); got != tt.secret {
			t.Errorf("secretField(%q, %q) = %v, want %v", tt.name, tt.path, got, tt.secret)
		}
	}
}

func TestVariableNames(t *testing.T) {
	for in, want := range map[string]string{"accessToken": "access_token", "X-Api-Key": "x_api_key", "client_secret": "client_secret", "ACCESSToken": "access_token", "9lives": "v_9lives", "--": ""} {
		if got := variableName(in); got != want {
			t.Errorf("variableName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSecretsNeverShareAVariable: two different values of the same header get two variables;
// the same value twice one.
func TestSecretsNeverShareAVariable(t *testing.T) {
	im := importString(t, harOf(t,
		rec{method: "GET", url: api + "/a", reqHeaders: map[string]string{"Authorization": "Bearer first-1234567"}, status: 200},
		rec{method: "GET", url: api + "/b", reqHeaders: map[string]string{"Authorization": "Bearer second-7654321"}, status: 200},
		rec{method: "GET", url: api + "/c", reqHeaders: map[string]string{"Authorization": "Bearer first-1234567"}, status: 200},
	), Options{})
	y := string(im.YAML)
	for _, want := range []string{"authorization: 'CHANGE-ME'", "authorization_2: 'CHANGE-ME'", "'Bearer {{ authorization }}'", "'Bearer {{ authorization_2 }}'"} {
		if !strings.Contains(y, want) {
			t.Errorf("YAML lacks %q:\n%s", want, y)
		}
	}
	if len(im.Secrets) != 2 || strings.Count(y, "{{ authorization }}") != 2 {
		t.Errorf("got secrets %+v, want 2 (the first value used twice):\n%s", im.Secrets, y)
	}
}
