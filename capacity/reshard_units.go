package capacity

import (
	"fmt"
	"strconv"
	"strings"
)

// dataSizeUnits are the units ParseDataSize reads, longest suffix first: binary KiB to TiB and
// decimal kB (KB) to TB, as scenarios.ParseSize reads them plus terabytes.
var dataSizeUnits = []struct {
	suffix string
	bytes  float64
}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"kB", 1e3}, {"B", 1}}

// MaxDataSize is the largest size ParseDataSize takes, 10¹⁸ bytes (an exabyte).
const MaxDataSize = 1e18

// ParseDataSize reads a size in bytes, as the size of one key and its value is given: 512,
// 2KiB, 1.5MB, 1 TB. The number may be a decimal fraction; the size is at least 0 and at most
// MaxDataSize.
func ParseDataSize(s string) (float64, error) {
	text, mult := strings.TrimSpace(s), 1.0
	for _, u := range dataSizeUnits {
		if rest, ok := strings.CutSuffix(text, u.suffix); ok {
			text, mult = strings.TrimSpace(rest), u.bytes
			break
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || !(f >= 0) || f*mult > MaxDataSize {
		return 0, fmt.Errorf("%q is not a size: want bytes or a number with B, kB, MB, GB, TB, KiB, MiB, GiB or TiB (e.g. 2KiB, 1.5MB)", s)
	}
	return f * mult, nil
}

// ParseCopyRate reads a rate in bytes per second: a size per second (100MB/s, 1GiB/s) or a
// number of bytes (50000000). A rate of 0 copies nothing and is refused.
func ParseCopyRate(s string) (float64, error) {
	n, err := ParseDataSize(strings.TrimSuffix(strings.TrimSpace(s), "/s"))
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%q is not a rate: want a size per second greater than 0, e.g. 100MB/s or 1GiB/s", s)
	}
	return n, nil
}
