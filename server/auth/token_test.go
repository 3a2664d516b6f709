package auth

import (
	"errors"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	secret := []byte("s3cret")
	now := time.Unix(1_700_000_000, 0)
	good := Mint(secret, 42, now.Add(time.Hour))
	tests := []struct {
		name    string
		token   string
		wantUID int64
		wantErr error
	}{
		{"valid", good, 42, nil},
		{"other secret", Mint([]byte("other"), 42, now.Add(time.Hour)), 0, ErrSignature},
		{"claims another uid", "43" + good[2:], 0, ErrSignature},
		{"expired", Mint(secret, 42, now.Add(-time.Second)), 0, ErrExpired},
		{"empty", "", 0, ErrMalformed},
		{"no expiry", "42.sig", 0, ErrMalformed},
		{"non-numeric uid", "x.1.sig", 0, ErrMalformed},
		{"zero uid", Mint(secret, 0, now.Add(time.Hour)), 0, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uid, err := Verify(secret, tt.token, now)
			if !errors.Is(err, tt.wantErr) || uid != tt.wantUID {
				t.Errorf("Verify(%q) = %d, %v; want %d, %v", tt.token, uid, err, tt.wantUID, tt.wantErr)
			}
		})
	}
}
