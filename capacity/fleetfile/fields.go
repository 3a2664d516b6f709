// Package fleetfile reads the fleet file of `loadtest capacity fleet`: a YAML document of the
// traffic, the mix of requests and each tier's capacity, checked like a scenario (errors name
// the file, line and field; unknown fields are refused with the nearest known one). Flags
// override the file's values field by field. A capacity may be `{from: RESULT.json}`, a probe
// of that tier's endpoint, which the caller resolves (Spec.Resolve) with the trust rules of
// capacity plan --from. Build turns the values into a capacity.FleetInput.
package fleetfile

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"
)

// Kind says how a field's value is written.
type Kind int

// The kinds of value a fleet file holds.
const (
	// Number is a plain number ≥ 0 (rates, counts of queries).
	Number Kind = iota
	// Ratio is a fraction (0.8) or a percentage (80%).
	Ratio
	// Bytes is a size: a number of bytes or one with a unit (16GB, 512MiB, 2KB).
	Bytes
	// Whole is a whole number (redundancy, zones, months).
	Whole
)

// Name is how --help names a value of kind k: ratio, size, int or number.
func (k Kind) Name() string {
	switch k {
	case Ratio:
		return "ratio"
	case Bytes:
		return "size"
	case Whole:
		return "int"
	}
	return "number"
}

// Field is one value of a fleet file: its path in the file (section.name), its flag and how it
// is written. From says whether it may be {from: RESULT.json}.
type Field struct {
	Path  string
	Flag  string
	Kind  Kind
	From  bool
	Usage string
}

// Fields are every value a fleet file (and the command line) can give, section by section.
var Fields = []Field{
	{"traffic.dau", "dau", Number, false, "daily active users"},
	{"traffic.users", "users", Number, false, "users whose data the database holds (default: dau)"},
	{"traffic.requests_per_user", "requests-per-user", Number, false, "requests per user per day (default 200)"},
	{"traffic.peak_share", "peak-share", Ratio, false, "share of the day's requests in the peak window (default 80%)"},
	{"traffic.peak_window", "peak-window", Ratio, false, "the peak window as a share of the day (default 20%)"},
	{"traffic.peak_factor", "peak-factor", Number, false, "peak / average rate, instead of peak_share and peak_window"},
	{"traffic.growth", "growth", Ratio, false, "monthly compound growth of the users, e.g. 10%"},
	{"traffic.horizon", "horizon", Whole, false, "months in the growth table (default 12 with growth)"},
	{"target_utilization", "target-utilization", Ratio, false, "share of each node's capacity used at the peak (default 70%)"},
	{"redundancy", "redundancy", Whole, false, "k in N+k per role (default 1)"},
	{"zones", "zones", Whole, false, "zones (≥ 2) to spread each role over, so that losing one carries the peak"},
	{"mix.read_share", "read-share", Ratio, false, "share of requests that are reads (with cache_hit_ratio; writes are the rest)"},
	{"mix.cache_hit_ratio", "cache-hit-ratio", Ratio, false, "share of reads served by the cache"},
	{"mix.cache_reads", "cache-read-share", Ratio, false, "share of requests that are reads served by the cache"},
	{"mix.db_reads", "db-read-share", Ratio, false, "share of requests that are reads that reach the database"},
	{"mix.writes", "write-share", Ratio, false, "share of requests that are writes"},
	{"mix.other", "other-share", Ratio, false, "share of requests that touch neither cache nor database"},
	{"mix.tasks_per_request", "tasks-per-request", Number, false, "task enqueues per request"},
	{"app.cache_read_rps", "cache-read-rps", Number, true, "req/s one app server holds of cache-served reads"},
	{"app.db_read_rps", "db-read-rps", Number, true, "req/s one app server holds of database reads"},
	{"app.write_rps", "write-rps", Number, true, "req/s one app server holds of writes"},
	{"app.other_rps", "other-rps", Number, true, "req/s one app server holds of other requests (its framework's ceiling)"},
	{"cache.ops_per_node", "cache-ops-per-node", Number, true, "operations per second one cache node holds"},
	{"cache.memory_per_node", "cache-memory-per-node", Bytes, false, "memory of one cache node, e.g. 16GB"},
	{"cache.max_fill", "cache-max-fill", Ratio, false, "share of a cache node's memory the data may fill (default 75%)"},
	{"database.read_qps_per_replica", "db-read-qps-per-replica", Number, true, "read queries per second one replica holds"},
	{"database.write_qps_per_master", "db-write-qps-per-master", Number, true, "write queries per second one master holds"},
	{"database.storage_per_node", "db-storage-per-node", Bytes, false, "storage of one database node, e.g. 1TB"},
	{"database.max_fill", "db-max-fill", Ratio, false, "share of a database node's storage the data may fill (default 75%)"},
	{"workers.tasks_per_worker", "tasks-per-worker", Number, true, "tasks per second one worker completes"},
	{"data.cache_bytes_per_user", "cache-bytes-per-user", Bytes, false, "cache working set per daily active user, e.g. 2KB"},
	{"data.db_bytes_per_user", "db-bytes-per-user", Bytes, false, "database data per user, e.g. 20KB"},
	{"data.queries_per_read", "queries-per-read", Number, false, "database queries per read that misses the cache (default 1)"},
	{"data.queries_per_write", "queries-per-write", Number, false, "database queries per write (default 1)"},
	{"data.cache_ops_per_read", "cache-ops-per-read", Number, false, "cache operations per read, the lookup (default 1)"},
	{"data.cache_ops_per_write", "cache-ops-per-write", Number, false, "cache operations per write, the invalidation (default 1)"},
}

// fieldByPath finds a field by its path.
func fieldByPath(path string) (Field, bool) {
	for _, f := range Fields {
		if f.Path == path {
			return f, true
		}
	}
	return Field{}, false
}

// sections are the top-level keys: the mappings and the plain values.
func sections() (maps map[string][]string, scalars []string) {
	maps = map[string][]string{}
	for _, f := range Fields {
		if sec, name, ok := strings.Cut(f.Path, "."); ok {
			maps[sec] = append(maps[sec], name)
		} else {
			scalars = append(scalars, f.Path)
		}
	}
	return maps, scalars
}

// ParseValue reads one value of kind k as written in a file or a flag.
func ParseValue(k Kind, s string) (float64, error) {
	s = strings.TrimSpace(s)
	switch k {
	case Ratio:
		pct := strings.HasSuffix(s, "%")
		v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("%q is not a share: want a fraction such as 0.8 or a percentage such as 80%%", s)
		}
		if pct {
			v /= 100
		}
		return v, nil
	case Bytes:
		if v, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
			return v, nil
		}
		v, err := humanize.ParseBytes(s)
		if err != nil {
			return 0, fmt.Errorf("%q is not a size: want bytes or a number with a unit such as 2KB, 16GB, 512MiB or 1TB", s)
		}
		return float64(v), nil
	case Whole:
		v, err := strconv.Atoi(s)
		if err != nil {
			return 0, fmt.Errorf("%q is not a whole number", s)
		}
		return float64(v), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}
