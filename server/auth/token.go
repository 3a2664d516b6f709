// Package auth mints and verifies the Swiper API's session tokens. A token is
// "UID.EXPIRY.SIG" where EXPIRY is a Unix time in seconds and SIG is the unpadded base64url
// HMAC-SHA256 of "UID.EXPIRY" under the server's secret, so the server needs no session store
// and no client can claim another user's id. Scenarios use Mint to authenticate generated load.
package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Errors returned by Verify.
var (
	ErrMalformed = errors.New("auth: malformed token")
	ErrSignature = errors.New("auth: bad token signature")
	ErrExpired   = errors.New("auth: token expired")
)

// Mint returns a token for uid that is valid until expiry.
func Mint(secret []byte, uid int64, expiry time.Time) string {
	payload := strconv.FormatInt(uid, 10) + "." + strconv.FormatInt(expiry.Unix(), 10)
	return payload + "." + sign(secret, payload)
}

// Verify checks a token's signature and expiry at now and returns its uid.
func Verify(secret []byte, token string, now time.Time) (int64, error) {
	i := strings.LastIndexByte(token, '.')
	if i < 0 {
		return 0, ErrMalformed
	}
	payload, sig := token[:i], token[i+1:]
	uidText, expText, ok := strings.Cut(payload, ".")
	if !ok {
		return 0, ErrMalformed
	}
	uid, err1 := strconv.ParseInt(uidText, 10, 64)
	exp, err2 := strconv.ParseInt(expText, 10, 64)
	if err1 != nil || err2 != nil || uid <= 0 {
		return 0, ErrMalformed
	}
	if !hmac.Equal([]byte(sig), []byte(sign(secret, payload))) {
		return 0, ErrSignature
	}
	if now.Unix() >= exp {
		return 0, ErrExpired
	}
	return uid, nil
}

func sign(secret []byte, payload string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
