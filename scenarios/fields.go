package scenarios

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/loadtestdev/loadtest/internal/target"
)

// ParseRate parses a request rate: "500/s", "30/m", "2/h", "50/100ms", "500" (per second),
// or "0" (the zero Rate: as fast as possible for a top-level rate, idle for a stage).
func ParseRate(s string) (Rate, error) {
	bad := fmt.Errorf("%q is not a rate, want e.g. 500/s, 30/m or 0 for as fast as possible", s)
	text := strings.TrimSpace(s)
	freqText, perText, hasPer := strings.Cut(text, "/")
	freq, err := strconv.Atoi(strings.TrimSpace(freqText))
	if err != nil || freq < 0 {
		return Rate{}, bad
	}
	per := time.Second
	if hasPer {
		perText = strings.TrimSpace(perText)
		if perText != "" && (perText[0] < '0' || perText[0] > '9') {
			perText = "1" + perText
		}
		per, err = time.ParseDuration(perText)
		if err != nil || per <= 0 {
			return Rate{}, bad
		}
	}
	if freq == 0 {
		return Rate{}, nil
	}
	return Rate{Freq: freq, Per: per}, nil
}

// String formats r as ParseRate reads it ("500/s", "30/m", "0").
func (r Rate) String() string {
	switch {
	case r.Freq == 0 || r.Per == 0:
		return "0"
	case r.Per == time.Second:
		return strconv.Itoa(r.Freq) + "/s"
	case r.Per == time.Minute:
		return strconv.Itoa(r.Freq) + "/m"
	case r.Per == time.Hour:
		return strconv.Itoa(r.Freq) + "/h"
	}
	return strconv.Itoa(r.Freq) + "/" + r.Per.String()
}

// httpMethods are the methods a request may use.
var httpMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

func validMethod(m string) bool {
	for _, v := range httpMethods {
		if m == v {
			return true
		}
	}
	return false
}

// validHeaderName reports whether s is an HTTP token (RFC 9110 section 5.6.2).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// parseTarget checks a base URL (target.Parse) and returns it without a trailing slash, ready
// for paths to be appended.
func parseTarget(s string) (string, error) {
	if _, err := target.Parse(s); err != nil {
		return "", fmt.Errorf("target %w", err)
	}
	return strings.TrimRight(s, "/"), nil
}

// checkAbsoluteURL checks a request path that is a full URL: its scheme and host must be
// literal (no template, though {{ hosts.NAME }} is the whole of them) and valid. Any host is
// allowed: the run's hosts are the target's, the named hosts' and those of absolute URLs.
func checkAbsoluteURL(path string) error {
	scheme, rest, _ := strings.Cut(path, "://")
	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
	}
	if strings.Contains(authority, "{{") {
		return fmt.Errorf("path %q: the host of an absolute URL cannot be a template (name it under hosts: and write {{ hosts.NAME }}/path)", path)
	}
	u, err := url.Parse(scheme + "://" + authority)
	if err != nil || u.Hostname() == "" {
		return fmt.Errorf("path %q is not a valid URL", path)
	}
	if _, err := target.Parse(scheme + "://" + authority); err != nil {
		return fmt.Errorf("path %q: %w", path, err)
	}
	return nil
}

// checkPath checks a request path: relative to the target ("/..."), an absolute http(s)
// URL, or a template ({{ hosts.NAME }}/..., or a whole-path template such as {{ location }},
// resolved at each hit).
func checkPath(path string) error {
	switch {
	case path == "":
		return fmt.Errorf("path is empty, want e.g. /echo")
	case strings.HasPrefix(path, "/"), strings.HasPrefix(path, "{{"):
		return nil
	case strings.HasPrefix(path, "http://"), strings.HasPrefix(path, "https://"):
		return checkAbsoluteURL(path)
	}
	return fmt.Errorf("path %q must start with / (relative to the target), be an http(s) URL, or start with a template ({{ hosts.NAME }}/path, {{ location }})", path)
}
