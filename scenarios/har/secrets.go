package har

import (
	"strings"

	"github.com/loadtestdev/loadtest/internal/lazyregexp"
)

// Secret names. A field, query parameter or header is a secret when its name, split into
// words (camelCase, snake_case, kebab-case and dots all split: accessToken, access_token,
// X-Access-Token), holds one of secretWords, or when its words joined are one of
// secretJoined (apikey, passwd, clientsecret); a one-time code (code, vcode, otp) is a
// secret in a request to a login endpoint (see loginPath). docs/har.md lists them.
var (
	secretWords  = []string{"password", "passwd", "passphrase", "pwd", "pass", "token", "secret", "apikey", "credential", "credentials", "pin", "otp", "totp", "signature", "sig"}
	secretJoined = []string{"apikey", "xapikey", "privatekey", "accesskey", "secretkey", "clientsecret", "authkey", "sessionkey"}
	loginCodes   = []string{"code", "vcode", "smscode", "verifycode", "verificationcode", "authcode", "mfacode", "otpcode"}
	loginWords   = []string{"login", "signin", "logon", "auth", "oauth", "oauth2", "authorize", "token", "vcode", "verify", "otp", "mfa", "2fa", "sms", "callback", "session", "sessions"}
)

var (
	reCamel    = lazyregexp.New(`([a-z0-9])([A-Z])`)
	reWordSep  = lazyregexp.New(`[^A-Za-z0-9]+`)
	reAcronymy = lazyregexp.New(`([A-Z]+)([A-Z][a-z])`)
)

// words splits a name into its lowercase words: accessToken, access_token, X-Access-Token
// and ACCESSToken all give access, token.
func words(name string) []string {
	s := reAcronymy.ReplaceAllString(name, "${1}_${2}")
	s = reCamel.ReplaceAllString(s, "${1}_${2}")
	var out []string
	for _, w := range reWordSep.Split(strings.ToLower(s), -1) {
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

// secretName says whether a field, parameter or header name holds a secret the recording
// must not leak, wherever it is sent.
func secretName(name string) bool {
	ws := words(name)
	for _, w := range ws {
		if contains(secretWords, w) {
			return true
		}
	}
	return contains(secretJoined, strings.Join(ws, ""))
}

// secretField is secretName, and a one-time code sent to a login endpoint (a path with a
// segment such as login, signin, auth, token, vcode, verify, otp).
func secretField(name, path string) bool {
	if secretName(name) {
		return true
	}
	return contains(loginCodes, strings.Join(words(name), "")) && loginPath(path)
}

// loginPath says whether a request path is a login endpoint's: one of its words is a
// loginWords (/api/user/login, /oauth/token, /auth/callback, /api/sms-vcode).
func loginPath(path string) bool {
	for _, w := range words(path) {
		if contains(loginWords, w) {
			return true
		}
	}
	return false
}

// credentialHeader says whether a request header carries credentials as a whole: the
// Authorization schemes, proxies' included, and headers named like a secret (X-Api-Key,
// X-Auth-Token).
func credentialHeader(name string) bool {
	switch strings.ToLower(name) {
	case "authorization", "proxy-authorization":
		return true
	}
	return secretName(name)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
