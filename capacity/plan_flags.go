package capacity

import "fmt"

// BindFlags checks capacity plan's flags against each other, where the model would only say
// so less clearly, and completes in from them: the peak by factor or by share and window,
// growth and the database tier only when given. given says whether a flag (by name) was on
// the command line; tier holds the database flags. The errors name the flag: an *InputError
// (its Field a flag's name with _ for -) or a message that names it.
func (in *PlanInput) BindFlags(given func(flag string) bool, tier *TierInput) error {
	switch {
	case !given("dau"):
		return fmt.Errorf("--dau is required: the number of daily active users, e.g. --dau 200000")
	case given("peak-factor") && (given("peak-share") || given("peak-window")):
		return fmt.Errorf("--peak-factor replaces --peak-share and --peak-window: give one or the other")
	case given("server-rps") && given("from"):
		return fmt.Errorf("--server-rps and --from both give the per-server rate: give one")
	case given("server-rps") && !(in.ServerRPS > 0):
		return fmt.Errorf("--server-rps %g: must be a number greater than 0 (req/s one server holds)", in.ServerRPS)
	case given("horizon") && !given("growth"):
		return fmt.Errorf("--horizon needs --growth, the monthly growth rate (e.g. --growth 10%%)")
	case given("growth") && (in.HorizonMonths < 1 || in.HorizonMonths > MaxHorizonMonths):
		return fmt.Errorf("--horizon %d: must be between 1 and %d months", in.HorizonMonths, MaxHorizonMonths)
	case given("max-wait") && given("max-wait-probability"):
		return fmt.Errorf("--max-wait and --max-wait-probability: give one target, not both")
	case given("max-wait") && in.MaxWait <= 0:
		return fmt.Errorf("--max-wait %s: must be a duration greater than 0, e.g. 20ms", in.MaxWait)
	case given("max-wait-probability") && !(in.MaxWaitProbability > 0 && in.MaxWaitProbability <= 1):
		return fmt.Errorf("--max-wait-probability %g: must be in (0, 1], e.g. 0.05 or 5%%", in.MaxWaitProbability)
	case given("latency") && in.Latency <= 0:
		return fmt.Errorf("--latency %s: must be a duration greater than 0, e.g. 50ms", in.Latency)
	case given("db-qps-per-server") && !(tier.DBQPSPerServer > 0):
		return fmt.Errorf("--db-qps-per-server %g: must be a number greater than 0", tier.DBQPSPerServer)
	}
	if given("peak-factor") {
		in.Demand.PeakShare, in.Demand.PeakWindow = 0, 0
		if !(in.Demand.PeakFactor >= 1) {
			return &InputError{Field: "peak_factor", Value: in.Demand.PeakFactor, Allowed: "at least 1 (the peak cannot be below the average)"}
		}
	}
	if !given("growth") {
		in.GrowthRate, in.HorizonMonths = 0, 0
	}
	for _, name := range []string{"cache-hit-ratio", "queries-per-request", "write-share", "queries-per-write", "db-qps-per-server"} {
		if given(name) {
			in.Tier = tier
			break
		}
	}
	return nil
}
