package capacity

// TierInput describes the database behind the service. Reads are the requests that are not
// writes; each read that misses the cache costs QueriesPerRequest queries, each write
// QueriesPerWrite. DBQPSPerServer, when > 0, turns the load into a server count.
type TierInput struct {
	CacheHitRatio     float64 `json:"cache_hit_ratio"`
	QueriesPerRequest float64 `json:"queries_per_request"`
	WriteShare        float64 `json:"write_share"`
	QueriesPerWrite   float64 `json:"queries_per_write"`
	DBQPSPerServer    float64 `json:"db_qps_per_server,omitempty"`
}

// Tier is the database load at the peak, warm (the given hit ratio) and cold (h = 0, e.g.
// after a cache flush or restart, when every read reaches the database).
type Tier struct {
	ReadRPS  float64 `json:"read_rps"`
	WriteRPS float64 `json:"write_rps"`
	// DBQPS = read RPS × (1 − h) × q + write RPS × w.
	DBQPS float64 `json:"db_qps"`
	// DBQPSCold = read RPS × q + write RPS × w.
	DBQPSCold float64 `json:"db_qps_cold"`
	// DBServers = ⌈DBQPS / (per-server QPS × target utilisation)⌉; 0 without a per-server QPS.
	DBServers     int `json:"db_servers,omitempty"`
	DBServersCold int `json:"db_servers_cold,omitempty"`
	// Steps are the formulas above with the numbers put in.
	Steps []Step `json:"-"`
}

// Validate checks the tier inputs.
func (in TierInput) Validate() error {
	if !(in.CacheHitRatio >= 0 && in.CacheHitRatio <= 1) {
		return badInput("cache_hit_ratio", in.CacheHitRatio, "in [0, 1]")
	}
	if !(in.QueriesPerRequest >= 0) || isInf(in.QueriesPerRequest) {
		return badInput("queries_per_request", in.QueriesPerRequest, "a number ≥ 0")
	}
	if !(in.WriteShare >= 0 && in.WriteShare <= 1) {
		return badInput("write_share", in.WriteShare, "in [0, 1]")
	}
	if !(in.QueriesPerWrite >= 0) || isInf(in.QueriesPerWrite) {
		return badInput("queries_per_write", in.QueriesPerWrite, "a number ≥ 0")
	}
	if in.DBQPSPerServer != 0 {
		if err := positive("db_qps_per_server", in.DBQPSPerServer); err != nil {
			return err
		}
	}
	return nil
}

// ComputeTier is the database load of a peak of rps requests per second; the server counts
// use the same target utilisation as the application servers.
func ComputeTier(rps, targetUtilization float64, in TierInput) (Tier, error) {
	if err := in.Validate(); err != nil {
		return Tier{}, err
	}
	if err := unitInterval("target_utilization", targetUtilization); err != nil {
		return Tier{}, err
	}
	t := Tier{ReadRPS: rps * (1 - in.WriteShare), WriteRPS: rps * in.WriteShare}
	writes := t.WriteRPS * in.QueriesPerWrite
	t.DBQPS = t.ReadRPS*(1-in.CacheHitRatio)*in.QueriesPerRequest + writes
	t.DBQPSCold = t.ReadRPS*in.QueriesPerRequest + writes
	t.Steps = []Step{
		step("database QPS = read RPS × (1 − h) × q + write RPS × w", "database QPS = {} × (1 − {}) × {} + {} × {} = {}",
			num(t.ReadRPS), num(in.CacheHitRatio), num(in.QueriesPerRequest), num(t.WriteRPS), num(in.QueriesPerWrite), num(t.DBQPS)),
		step("database QPS, cold = read RPS × q + write RPS × w", "database QPS, cold = {} × {} + {} × {} = {}",
			num(t.ReadRPS), num(in.QueriesPerRequest), num(t.WriteRPS), num(in.QueriesPerWrite), num(t.DBQPSCold)),
	}
	if in.DBQPSPerServer > 0 {
		per := in.DBQPSPerServer * targetUtilization
		t.DBServers = max(CeilRatio(t.DBQPS, per), 1)
		t.DBServersCold = max(CeilRatio(t.DBQPSCold, per), 1)
		t.Steps = append(t.Steps,
			step("database servers = ⌈database QPS / (per-server QPS × u)⌉", "database servers = ceil({} / ({} × {})) = {}",
				num(t.DBQPS), num(in.DBQPSPerServer), num(targetUtilization), count(t.DBServers)),
			step("database servers, cold = ⌈database QPS, cold / (per-server QPS × u)⌉", "database servers, cold = ceil({} / ({} × {})) = {}",
				num(t.DBQPSCold), num(in.DBQPSPerServer), num(targetUtilization), count(t.DBServersCold)))
	}
	return t, nil
}
