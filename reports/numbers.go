package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The number, unit and percent formatters of every renderer in this package: the run
// reports, compare, probe and the capacity commands. Every figure carries its unit. They
// are built from three primitives (fixed, trimZeros, groupDigits); where two renderers
// print a quantity differently, each style has one function, named for where it is used,
// because the golden files of both stay byte-identical.

// fixed prints v with places digits after the point.
func fixed(v float64, places int) string { return strconv.FormatFloat(v, 'f', places, 64) }

// trimZeros drops trailing zeros after a decimal point, and the point if nothing is left.
func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// groupDigits puts a comma between each group of three digits of a string of digits.
func groupDigits(digits string) string {
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// signed puts the sign of v before a magnitude printed without one.
func signed(v float64, magnitude string) string {
	if v < 0 {
		return "-" + magnitude
	}
	return "+" + magnitude
}

// Run reports (text, Markdown, HTML, JUnit) and the probe table.

// formatMS formats a latency given in milliseconds with a unit that keeps it readable:
// microseconds below 1 ms, seconds from 10 s.
func formatMS(ms float64) string {
	switch {
	case ms < 1:
		return fixed(ms*1000, 0) + " µs"
	case ms < 10_000:
		return fixed(ms, 2) + " ms"
	default:
		return fixed(ms/1000, 2) + " s"
	}
}

// formatRate formats a rate in requests per second.
func formatRate(rps float64) string { return fixed(rps, 2) + " req/s" }

// formatPercent formats a ratio in 0..1 as a percentage.
func formatPercent(ratio float64) string { return fixed(ratio*100, 2) + " %" }

// formatCount formats a count with commas between thousands (1,234,567).
func formatCount(n uint64) string { return groupDigits(strconv.FormatUint(n, 10)) }

// formatBytes formats a byte count in binary units (B, KiB, MiB, GiB, TiB).
func formatBytes(n uint64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB"}
	v := float64(n)
	i := -1
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return fixed(v, 2) + " " + units[i]
}

// formatSeconds formats a run's duration given in seconds.
func formatSeconds(s float64) string { return fixed(s, 2) + " s" }

// Compare: a change is read against the baseline, so latencies keep the precision their
// size needs and percentages of small error rates get more digits.

// formatCompareMS formats milliseconds, without the unit, with the precision their size needs.
func formatCompareMS(ms float64) string {
	switch {
	case ms < 1:
		return fixed(ms, 3)
	case ms < 100:
		return fixed(ms, 2)
	}
	return fixed(ms, 1)
}

// formatComparePercent formats a ratio in 0..1 as a percentage, with more decimals for
// small ones.
func formatComparePercent(ratio float64) string {
	pct := ratio * 100
	if pct != 0 && pct < 0.1 {
		return fixed(pct, 3) + "%"
	}
	return fixed(pct, 2) + "%"
}

// Capacity plans, fits and queues: numbers people multiply in their heads, so with
// thousands separators and no trailing zeros.

// formatGrouped prints v with thousands separators and places digits after the point.
func formatGrouped(v float64, places int) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	s := fixed(v, places)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if hasFrac {
		return sign + groupDigits(intPart) + "." + frac
	}
	return sign + groupDigits(intPart)
}

// formatNumber prints a number of a formula: integers whole, numbers ≥ 1 to two decimals,
// smaller ones to four significant digits, always with thousands separators.
func formatNumber(v float64) string {
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return formatGrouped(v, 0)
	case math.Abs(v) >= 1:
		return trimZeros(formatGrouped(v, 2))
	default:
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
}

// formatShare prints a ratio as a percentage to one decimal, without trailing zeros (70%).
func formatShare(ratio float64) string { return trimZeros(fixed(ratio*100, 1)) + "%" }

// formatTimeS prints a time given in seconds in the unit that suits it (µs, ms or s).
func formatTimeS(s float64) string {
	switch {
	case s == 0:
		return "0"
	case s < 1e-3:
		return trimZeros(fixed(s*1e6, 1)) + " µs"
	case s < 1:
		return trimZeros(fixed(s*1e3, 3)) + " ms"
	default:
		return trimZeros(formatGrouped(s, 3)) + " s"
	}
}

// round3 rounds a rate for JSON output to 0.001 req/s.
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
