package scenarios

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DefaultMaxResponseBody is how much of a response body a flow step's checks and
// extractions read when the scenario gives no max_response_body (and the run no
// --max-response-body).
const DefaultMaxResponseBody = 4 << 20

// The bounds of max_response_body and --max-response-body.
const (
	MinMaxResponseBody = 1 << 10
	MaxMaxResponseBody = 1 << 30
)

// sizeUnits are the suffixes ParseSize reads, longest first.
var sizeUnits = []struct {
	suffix string
	bytes  int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"kB", 1e3}, {"B", 1}}

// ParseSize parses a size in bytes: "4194304", "4MiB", "512KiB", "8MB" (binary units KiB,
// MiB, GiB; decimal kB/KB, MB, GB).
func ParseSize(s string) (int64, error) {
	text := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range sizeUnits {
		if rest, ok := strings.CutSuffix(text, u.suffix); ok {
			text, mult = strings.TrimSpace(rest), u.bytes
			break
		}
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size, want bytes or a number with KiB, MiB or GiB (e.g. 8MiB)", s)
	}
	return n * mult, nil
}

// FormatSize writes a size in the largest binary unit that divides it ("4MiB", "1500B").
func FormatSize(n int64) string {
	for _, u := range sizeUnits[:3] {
		if n >= u.bytes && n%u.bytes == 0 {
			return strconv.FormatInt(n/u.bytes, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

// CheckMaxResponseBody checks a max_response_body or --max-response-body value.
func CheckMaxResponseBody(n int64) error {
	if n < MinMaxResponseBody || n > MaxMaxResponseBody {
		return fmt.Errorf("%s is out of range, want %s to %s", FormatSize(n), FormatSize(MinMaxResponseBody), FormatSize(MaxMaxResponseBody))
	}
	return nil
}

// maxResponseBody reads the max_response_body field.
func (p *parser) maxResponseBody(n *yaml.Node, field string) (int64, error) {
	s, err := p.str(n, field)
	if err != nil {
		return 0, err
	}
	v, err := ParseSize(s)
	if err == nil {
		err = CheckMaxResponseBody(v)
	}
	if err != nil {
		return 0, p.errf(n, field, "max_response_body %v", err)
	}
	return v, nil
}

// MaxResponseBody is how much of a response body the steps' checks and extractions read:
// the scenario's max_response_body, else DefaultMaxResponseBody.
func (fp *FlowPlan) MaxResponseBody() int64 {
	if fp.maxBody > 0 {
		return fp.maxBody
	}
	return DefaultMaxResponseBody
}
