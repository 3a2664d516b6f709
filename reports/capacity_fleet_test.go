package reports

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/loadtestdev/loadtest/capacity"
	"github.com/loadtestdev/loadtest/internal/golden"
)

// goldenFleet is the Swiper notes' backend for a million DAU: 90% reads, 96% of them from the
// cache, 10% writes and 0.05 tasks per request, over 3 zones, growing 10% a month.
func goldenFleet(t *testing.T) CapacityFleet {
	t.Helper()
	in := capacity.FleetInput{
		Demand:            capacity.DemandInput{DAU: 1e6, RequestsPerUser: 200, PeakShare: 0.8, PeakWindow: 0.2},
		TargetUtilization: 0.7, Redundancy: 1, Zones: 3, GrowthRate: 0.1, HorizonMonths: 6,
		Mix:      capacity.FleetMix{CacheReads: 0.864, DBReads: 0.036, Writes: 0.1, TasksPerRequest: 0.05},
		App:      capacity.AppRates{CacheReadRPS: 10000, DBReadRPS: 800, WriteRPS: 500},
		Cache:    &capacity.CacheTier{OpsPerNode: 100000, MemoryPerNode: 16e9, MaxFill: 0.75},
		Database: &capacity.DatabaseTier{ReadQPSPerReplica: 5000, WriteQPSPerMaster: 2000, StoragePerNode: 1e12, MaxFill: 0.7},
		Data: capacity.FleetData{Users: 5e6, CacheBytesPerUser: 4000, DBBytesPerUser: 1e5, QueriesPerRead: 2, QueriesPerWrite: 3,
			CacheOpsPerRead: 1, CacheOpsPerWrite: 1},
		TasksPerWorker: 50,
	}
	f, err := capacity.MakeFleet(in)
	if err != nil {
		t.Fatal(err)
	}
	return CapacityFleet{Fleet: f, In: in, Explain: true, Sources: []FleetSource{{Field: "app.write_rps", Rate: 500,
		Source: "probe.sustainable_rate of db.json", Evidence: "the probe converged: 500 req/s met p99<50ms and 520 req/s failed (3.8% apart, --precision 5%)"}}}
}

func TestCapacityFleetGolden(t *testing.T) {
	for _, tt := range []struct{ format, golden string }{
		{FormatText, "fleet.txt"}, {FormatMarkdown, "fleet.md"}, {FormatJSON, "fleet.json"},
	} {
		t.Run(tt.format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteCapacityFleet(&buf, tt.format, goldenFleet(t)); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("testdata", tt.golden), buf.Bytes())
		})
	}
}

// TestCapacityFleetJSONTotal: the JSON's total is the sum of the roles and its growth counts
// are keyed by role.
func TestCapacityFleetJSONTotal(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCapacityFleet(&buf, FormatJSON, goldenFleet(t)); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Roles []struct {
			Count int `json:"count"`
		} `json:"roles"`
		Total  int `json:"total"`
		Growth []struct {
			Counts map[string]int `json:"counts"`
		} `json:"growth"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, r := range doc.Roles {
		sum += r.Count
	}
	if sum != doc.Total || len(doc.Growth) != 7 || doc.Growth[0].Counts[capacity.RoleApp] != doc.Roles[0].Count {
		t.Errorf("got total %d for roles summing to %d, %d months, month 0 app servers %d", doc.Total, sum, len(doc.Growth), doc.Growth[0].Counts[capacity.RoleApp])
	}
	if err := WriteCapacityFleet(&buf, "csv", goldenFleet(t)); err == nil {
		t.Error("csv: no error")
	}
}
