package gate

import (
	"fmt"
	"math"
	"strconv"
)

// wantValue says what a value for m looks like, for error messages.
func wantValue(m Metric) string {
	switch {
	case m.IsLatency():
		return "a duration like 200ms (units ns, us, µs, ms, s, m)"
	case m.IsRatio():
		return "a ratio like 0.1% or 0.001"
	case m.Kind == KindRPS || m.Kind == KindThroughput:
		return "a rate like 1500 or 1500/s"
	case m.Kind == KindAttempts:
		return "a number of attempts like 20 or 2.5"
	}
	return "a count like 1000"
}

// parseValue parses the bound of a threshold on m into m's base unit (ms, a 0..1 fraction,
// req/s or a count). It returns a message saying what is wrong, or "".
func parseValue(m Metric, text string) (float64, string) {
	n := numberLen(text)
	bad := fmt.Sprintf("bad value %q, want %s", text, wantValue(m))
	if n == 0 {
		return 0, bad
	}
	num, unit := text[:n], text[n:]
	switch {
	case m.IsLatency():
		return parseDuration(num, unit, bad)
	case m.IsRatio():
		return parseRatio(num, unit, text, bad)
	case m.Kind == KindRPS || m.Kind == KindThroughput:
		if unit != "" && unit != "/s" {
			return 0, bad
		}
		return checked(parseDecimal(num, 0))(text, bad)
	case m.Kind == KindAttempts:
		if unit != "" {
			return 0, bad
		}
		return checked(parseDecimal(num, 0))(text, bad)
	}
	if unit != "" || !isDigits(num) {
		return 0, bad
	}
	return checked(parseDecimal(num, 0))(text, bad)
}

// parseDuration converts a number and a duration unit to milliseconds.
func parseDuration(num, unit, bad string) (float64, string) {
	exp, scale := 0, 1.0
	switch unit {
	case "ns":
		exp = -6
	case "us", "µs", "μs": // micro sign and Greek mu
		exp = -3
	case "ms":
	case "s":
		exp = 3
	case "m":
		exp, scale = 3, 60
	default:
		return 0, bad
	}
	v, err := parseDecimal(num, exp)
	return checked(v*scale, err)(num+unit, bad)
}

// parseRatio converts "0.1%" or "0.001" to a fraction 0..1.
func parseRatio(num, unit, text, bad string) (float64, string) {
	switch unit {
	case "%":
		v, err := parseDecimal(num, -2)
		if err == nil && v > 1 {
			return 0, fmt.Sprintf("bad value %q, want 0%% to 100%%", text)
		}
		return checked(v, err)(text, bad)
	case "":
		v, err := parseDecimal(num, 0)
		if err == nil && v > 1 {
			return 0, fmt.Sprintf("bad value %q, a bare ratio is a fraction from 0 to 1: write %s%% or a fraction like 0.01", text, text)
		}
		return checked(v, err)(text, bad)
	}
	return 0, bad
}

// checked turns a parse result into parseValue's (value, message) form.
func checked(v float64, err error) func(text, bad string) (float64, string) {
	return func(text, bad string) (float64, string) {
		if err != nil || math.IsInf(v, 0) {
			return 0, fmt.Sprintf("bad value %q, the number is out of range", text)
		}
		return v, ""
	}
}

// parseDecimal parses a plain decimal ("12", "0.5", ".5") times 10^exp, rounded once (so
// "0.1" with exp -2 is exactly the float64 nearest 0.001).
func parseDecimal(num string, exp int) (float64, error) {
	if exp != 0 {
		num += "e" + strconv.Itoa(exp)
	}
	return strconv.ParseFloat(num, 64)
}

// numberLen returns the length of the plain decimal number (digits [. digits] or . digits)
// at the start of s, or 0.
func numberLen(s string) int {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intDigits := i
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j > i+1 {
			return j
		}
	}
	if intDigits == 0 {
		return 0
	}
	return intDigits
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
