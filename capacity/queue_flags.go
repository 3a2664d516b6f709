package capacity

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// QueueFlags are capacity queue's flags as given; Given says whether a flag (by name) was on
// the command line.
type QueueFlags struct {
	RPS         float64
	ServiceTime time.Duration
	Servers     int
	MaxWait     time.Duration
	MaxWaitP    float64
	Given       func(flag string) bool
}

// Check checks the flags: the rate and the service time are required, and exactly one of
// the server count and the two wait targets is given. Its errors name the flag.
func (f QueueFlags) Check() error {
	switch {
	case !f.Given("rps"):
		return errors.New("--rps is required: arrivals per second, e.g. --rps 350")
	case !f.Given("service-time"):
		return errors.New("--service-time is required: the mean time one request takes, e.g. --service-time 10ms")
	case !(f.RPS > 0):
		return fmt.Errorf("--rps %s: must be a number greater than 0", strconv.FormatFloat(f.RPS, 'g', -1, 64))
	case f.ServiceTime <= 0:
		return fmt.Errorf("--service-time %s: must be a duration greater than 0, e.g. 10ms", f.ServiceTime)
	}
	given := 0
	for _, name := range []string{"servers", "max-wait", "max-wait-probability"} {
		if f.Given(name) {
			given++
		}
	}
	switch {
	case given != 1:
		return errors.New("give exactly one of --servers C, --max-wait W or --max-wait-probability P")
	case f.Given("servers") && f.Servers < 1:
		return fmt.Errorf("--servers %d: must be 1 or more", f.Servers)
	case f.Given("max-wait") && f.MaxWait <= 0:
		return fmt.Errorf("--max-wait %s: must be a duration greater than 0, e.g. 20ms", f.MaxWait)
	case f.Given("max-wait-probability") && !(f.MaxWaitP > 0 && f.MaxWaitP <= 1):
		return fmt.Errorf("--max-wait-probability %s: must be in (0, 1], e.g. 0.05 or 5%%", strconv.FormatFloat(f.MaxWaitP, 'g', -1, 64))
	}
	return nil
}
