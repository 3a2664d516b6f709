package fleetfile

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/loadtestdev/loadtest/capacity"
)

// DefaultHorizonMonths is the growth table's length when growth is given without a horizon.
const DefaultHorizonMonths = 12

// Build turns the spec into the model's input, with the defaults of what is not given, and
// checks it (capacity.FleetInput.Validate). Every error is an *Error naming the field and
// its line or flag.
func (s *Spec) Build() (capacity.FleetInput, error) {
	in := capacity.FleetInput{
		TargetUtilization: s.get("target_utilization", capacity.DefaultTargetUtilization),
		Redundancy:        int(s.get("redundancy", 1)),
		Zones:             int(s.get("zones", 0)),
	}
	if err := s.demand(&in); err != nil {
		return in, err
	}
	if err := s.mix(&in); err != nil {
		return in, err
	}
	in.App = capacity.AppRates{CacheReadRPS: s.get("app.cache_read_rps", 0), DBReadRPS: s.get("app.db_read_rps", 0),
		WriteRPS: s.get("app.write_rps", 0), OtherRPS: s.get("app.other_rps", 0)}
	if s.any("cache.") {
		in.Cache = &capacity.CacheTier{OpsPerNode: s.get("cache.ops_per_node", 0), MemoryPerNode: s.get("cache.memory_per_node", 0),
			MaxFill: s.get("cache.max_fill", capacity.DefaultMaxFill)}
	}
	if s.any("database.") {
		in.Database = &capacity.DatabaseTier{ReadQPSPerReplica: s.get("database.read_qps_per_replica", 0),
			WriteQPSPerMaster: s.get("database.write_qps_per_master", 0), StoragePerNode: s.get("database.storage_per_node", 0),
			MaxFill: s.get("database.max_fill", capacity.DefaultMaxFill)}
	}
	in.TasksPerWorker = s.get("workers.tasks_per_worker", 0)
	in.Data = capacity.FleetData{Users: s.get("traffic.users", 0),
		CacheBytesPerUser: s.get("data.cache_bytes_per_user", 0), DBBytesPerUser: s.get("data.db_bytes_per_user", 0),
		QueriesPerRead: s.get("data.queries_per_read", 1), QueriesPerWrite: s.get("data.queries_per_write", 1),
		CacheOpsPerRead: s.get("data.cache_ops_per_read", 1), CacheOpsPerWrite: s.get("data.cache_ops_per_write", 1)}
	if err := in.Validate(); err != nil {
		return in, s.Locate(err)
	}
	return in, nil
}

func (s *Spec) demand(in *capacity.FleetInput) error {
	if s.Values["traffic.dau"] == nil {
		return s.missing("traffic.dau", "the number of daily active users, e.g. traffic: {dau: 200000} or --dau 200000")
	}
	d := capacity.DemandInput{DAU: s.get("traffic.dau", 0), RequestsPerUser: s.get("traffic.requests_per_user", capacity.DefaultRequestsPerUser)}
	if v := s.Values["traffic.peak_factor"]; v != nil {
		for _, other := range []string{"traffic.peak_share", "traffic.peak_window"} {
			if s.Values[other] != nil {
				return s.fieldErr(other, "%s: peak_factor replaces peak_share and peak_window: give one or the other", other)
			}
		}
		d.PeakFactor = v.V
		if !(v.V >= 1) {
			return s.fieldErr("traffic.peak_factor", "traffic.peak_factor %s: must be at least 1 (the peak cannot be below the average)", v.Text)
		}
	} else {
		d.PeakShare, d.PeakWindow = s.get("traffic.peak_share", capacity.DefaultPeakShare), s.get("traffic.peak_window", capacity.DefaultPeakWindow)
	}
	in.Demand = d
	if s.Values["traffic.growth"] != nil {
		in.GrowthRate, in.HorizonMonths = s.get("traffic.growth", 0), int(s.get("traffic.horizon", DefaultHorizonMonths))
		if in.HorizonMonths < 1 || in.HorizonMonths > capacity.MaxHorizonMonths {
			return s.fieldErr("traffic.horizon", "traffic.horizon %d: must be between 1 and %d months", in.HorizonMonths, capacity.MaxHorizonMonths)
		}
	} else if s.Values["traffic.horizon"] != nil {
		return s.fieldErr("traffic.horizon", "traffic.horizon needs traffic.growth, the monthly growth rate (e.g. growth: 10%%)")
	}
	return nil
}

// mix reads the shares: either cache_reads, db_reads, writes (and other), or read_share with
// cache_hit_ratio (writes are the rest).
func (s *Spec) mix(in *capacity.FleetInput) error {
	shares := []string{"mix.cache_reads", "mix.db_reads", "mix.writes", "mix.other"}
	explicit := ""
	for _, p := range shares {
		if s.Values[p] != nil {
			explicit = p
			break
		}
	}
	read, hit := s.Values["mix.read_share"], s.Values["mix.cache_hit_ratio"]
	switch {
	case explicit != "" && (read != nil || hit != nil):
		other := "mix.read_share"
		if read == nil {
			other = "mix.cache_hit_ratio"
		}
		return s.fieldErr(other, "%s: give the shares (cache_reads, db_reads, writes, other) or read_share with cache_hit_ratio, not both (%s is given)", other, explicit)
	case explicit != "":
		in.Mix = capacity.FleetMix{CacheReads: s.get("mix.cache_reads", 0), DBReads: s.get("mix.db_reads", 0),
			Writes: s.get("mix.writes", 0), Other: s.get("mix.other", 0)}
	case read != nil:
		for _, p := range []string{"mix.read_share", "mix.cache_hit_ratio"} {
			if v := s.Values[p]; v != nil && !(v.V >= 0 && v.V <= 1) {
				return s.fieldErr(p, "%s %s: must be a share in [0, 1]", p, v.Text)
			}
		}
		in.Mix = capacity.MixFromHitRatio(read.V, s.get("mix.cache_hit_ratio", 0))
	case hit != nil:
		return s.fieldErr("mix.cache_hit_ratio", "mix.cache_hit_ratio needs mix.read_share, the share of requests that are reads")
	default:
		return s.missing("mix", "what the requests do: read_share and cache_hit_ratio, or the shares cache_reads, db_reads, writes and other")
	}
	in.Mix.TasksPerRequest = s.get("mix.tasks_per_request", 0)
	return nil
}

// aliases are the model's names of fields that the file spells otherwise.
var aliases = map[string]string{
	"dau": "traffic.dau", "requests_per_user": "traffic.requests_per_user", "peak_share": "traffic.peak_share",
	"peak_window": "traffic.peak_window", "peak_factor": "traffic.peak_factor", "growth": "traffic.growth",
	"horizon": "traffic.horizon", "data.users": "traffic.users",
}

// Locate names the line or flag of a capacity.InputError's field; other errors pass through.
func (s *Spec) Locate(err error) error {
	var ie *capacity.InputError
	if !errors.As(err, &ie) {
		return err
	}
	path := ie.Field
	if a, ok := aliases[path]; ok {
		path = a
	}
	text := strconv.FormatFloat(ie.Value, 'g', -1, 64)
	if v := s.Values[path]; v != nil {
		text = v.Text
		if v.From != "" {
			text = fmt.Sprintf("%g (from %s)", v.V, v.From)
		}
	}
	if path == "mix" {
		return s.fieldErr(path, "mix: the shares add up to %.10g: must be %s", ie.Value, ie.Allowed)
	}
	if s.Values[path] == nil {
		return s.fieldErr(path, "%s is missing: must be %s", path, ie.Allowed)
	}
	return s.fieldErr(path, "%s %s: must be %s", path, text, ie.Allowed)
}

// fieldErr is an error about a field, at its line (or its section's, or its flag).
func (s *Spec) fieldErr(path, format string, args ...any) *Error {
	e := &Error{Path: s.Path, Field: path, Err: fmt.Errorf(format, args...)}
	if v := s.Values[path]; v != nil {
		e.Line, e.Flag = v.Line, v.Flag
		return e
	}
	sec, _, _ := strings.Cut(path, ".")
	e.Line = s.Sections[sec]
	return e
}

func (s *Spec) missing(path, what string) *Error {
	f, _ := fieldByPath(path)
	flag := ""
	if f.Flag != "" {
		flag = " (or --" + f.Flag + ")"
	}
	return s.fieldErr(path, "%s is required%s: %s", path, flag, what)
}

func (s *Spec) get(path string, def float64) float64 {
	if v := s.Values[path]; v != nil {
		return v.V
	}
	return def
}

// any reports whether a field under prefix is given.
func (s *Spec) any(prefix string) bool {
	for p := range s.Values {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}
