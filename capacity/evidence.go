package capacity

// ServerCPUFull is the share of a server's CPU busy at and above which a run counts as having
// loaded the server to its limit: its throughput then is what one server holds.
const ServerCPUFull = 0.9

// UtilizationLawMax is the most throughput a server could reach if its CPU were the only
// limit: by the utilization law U = X·S (P. J. Denning and J. P. Buzen, "The Operational
// Analysis of Queueing Network Models", ACM Computing Surveys 10(3), 1978, eq. 4), a server
// that carried throughput X (req/s) with a share U (0..1) of its CPU busy spends S = U/X of
// CPU per request, so at U = 1 it carries X/U. It is an upper bound: locks, I/O, a single
// thread or the network stop a server sooner. It returns 0 when busy is not in (0, 1].
func UtilizationLawMax(throughput, busy float64) float64 {
	if !(busy > 0 && busy <= 1) || !(throughput > 0) {
		return 0
	}
	return throughput / busy
}
