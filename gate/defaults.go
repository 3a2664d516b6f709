package gate

// The default thresholds: a run whose scenario has no thresholds and that was given no
// --threshold still gets a verdict, so that a broken run of a custom or imported scenario does
// not pass a CI job (Locust exits 1 on any failure by default). They catch breakage, not
// slowness.
const (
	// DefaultErrors bounds the share of failed requests of every run.
	DefaultErrors = "errors<1%"
	// DefaultChecks bounds the share of failed checks of a run of flows whose steps have at
	// least one check or extraction (without any there is nothing to measure).
	DefaultChecks = "checks>99%"
)

// DefaultThresholds are the thresholds of a run that has none of its own: errors<1%, and for a
// scenario with flows whose steps check or extract something also checks>99%.
func DefaultThresholds(flows, checks bool) []string {
	if flows && checks {
		return []string{DefaultErrors, DefaultChecks}
	}
	return []string{DefaultErrors}
}
