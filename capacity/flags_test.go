package capacity

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func given(names ...string) func(string) bool {
	return func(n string) bool { return slices.Contains(names, n) }
}

func TestReshardFlagsInput(t *testing.T) {
	ok := ReshardFlags{Keys: 1000, From: 4, To: 5, Scheme: SchemeAll, VirtualNodes: 160, Given: given("keys", "from", "to")}
	tests := []struct {
		name string
		edit func(*ReshardFlags)
		want string
	}{
		{"keys and users", func(f *ReshardFlags) { f.Given = given("keys", "users", "from", "to") }, "give --keys or --users, not both"},
		{"no keys", func(f *ReshardFlags) { f.Given = given("from", "to") }, "--keys is required"},
		{"no from", func(f *ReshardFlags) { f.Given = given("keys", "to") }, "--from is required: the nodes before, e.g. --from 4 --to 5"},
		{"no to", func(f *ReshardFlags) { f.Given = given("keys", "from") }, "--to is required: the nodes after"},
		{"same count", func(f *ReshardFlags) { f.To = 4 }, "--to 4: must differ from --from 4: nothing would move"},
		{"zero users", func(f *ReshardFlags) { f.Given, f.Users = given("users", "from", "to"), 0 }, "--users 0: must be a whole number from 1 to 1099511627776"},
		{"too many keys", func(f *ReshardFlags) { f.Keys = MaxKeys + 1 }, "--keys 1099511627777: must be"},
		{"bad scheme", func(f *ReshardFlags) { f.Scheme = "ring" }, "--scheme ring: "},
		{"rate without size", func(f *ReshardFlags) { f.Given = given("keys", "from", "to", "copy-rate") }, "--copy-rate needs --bytes-per-key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ok
			tt.edit(&f)
			if _, err := f.Input(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Input: %v, want %q", err, tt.want)
			}
		})
	}
	f := ok
	f.Given, f.Users, f.BytesPerKey, f.CopyRate = given("users", "from", "to", "bytes-per-key", "copy-rate"), 300, 2048, 1e8
	in, err := f.Input()
	if err != nil || in.Keys != 300 || in.From != 4 || in.To != 5 || len(in.Schemes) != 4 || in.BytesPerKey != 2048 || in.CopyRate != 1e8 || in.VirtualNodes != 160 {
		t.Errorf("Input: %+v, %v; want 300 keys (--users), 4 → 5, every scheme, 2048 B at 1e8 B/s", in, err)
	}
}

func TestDataSizeAndCopyRateFlags(t *testing.T) {
	var s DataSize
	if err := s.Set("2KiB"); err != nil || s != 2048 || s.String() != "2048" || s.Type() != "size" {
		t.Errorf("DataSize 2KiB: %v, %s", err, s.String())
	}
	if err := s.Set("lots"); err == nil || s != 2048 {
		t.Errorf("DataSize lots: %v, kept %s; want an error and 2048 kept", err, s.String())
	}
	var r CopyRate
	if err := r.Set("100MB/s"); err != nil || r != 1e8 || r.String() != "100000000B/s" || r.Type() != "rate" {
		t.Errorf("CopyRate 100MB/s: %v, %s", err, r.String())
	}
	if err := r.Set("0/s"); err == nil {
		t.Error("CopyRate 0/s: no error")
	}
}

func TestQueueFlagsCheck(t *testing.T) {
	ok := QueueFlags{RPS: 350, ServiceTime: 10 * time.Millisecond, Servers: 4, Given: given("rps", "service-time", "servers")}
	tests := []struct {
		name string
		edit func(*QueueFlags)
		want string
	}{
		{"no rps", func(f *QueueFlags) { f.Given = given("service-time", "servers") }, "--rps is required"},
		{"no service time", func(f *QueueFlags) { f.Given = given("rps", "servers") }, "--service-time is required"},
		{"zero rps", func(f *QueueFlags) { f.RPS = 0 }, "--rps 0: must be a number greater than 0"},
		{"negative service time", func(f *QueueFlags) { f.ServiceTime = -time.Millisecond }, "--service-time -1ms: must be a duration greater than 0"},
		{"no target", func(f *QueueFlags) { f.Given = given("rps", "service-time") }, "give exactly one of --servers C"},
		{"two targets", func(f *QueueFlags) { f.Given = given("rps", "service-time", "servers", "max-wait") }, "give exactly one of"},
		{"no servers", func(f *QueueFlags) { f.Servers = 0 }, "--servers 0: must be 1 or more"},
		{"zero wait", func(f *QueueFlags) { f.Given = given("rps", "service-time", "max-wait") }, "--max-wait 0s: must be a duration greater than 0"},
		{"probability above 1", func(f *QueueFlags) { f.Given, f.MaxWaitP = given("rps", "service-time", "max-wait-probability"), 1.5 }, "--max-wait-probability 1.5: must be in (0, 1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ok
			tt.edit(&f)
			if err := f.Check(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check: %v, want %q", err, tt.want)
			}
		})
	}
	if err := ok.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
}

func TestPlanInputBindFlags(t *testing.T) {
	base := PlanInput{Demand: DemandInput{DAU: 1000, PeakShare: 0.8, PeakWindow: 0.2}, ServerRPS: 800, GrowthRate: 0.1, HorizonMonths: 12}
	tests := []struct {
		name  string
		flags []string
		edit  func(*PlanInput, *TierInput)
		want  string
	}{
		{"no dau", []string{"server-rps"}, nil, "--dau is required"},
		{"factor and share", []string{"dau", "peak-factor", "peak-share"}, nil, "--peak-factor replaces --peak-share and --peak-window"},
		{"rate twice", []string{"dau", "server-rps", "from"}, nil, "--server-rps and --from both give the per-server rate"},
		{"zero rate", []string{"dau", "server-rps"}, func(in *PlanInput, _ *TierInput) { in.ServerRPS = 0 }, "--server-rps 0: must be a number greater than 0"},
		{"horizon alone", []string{"dau", "horizon"}, nil, "--horizon needs --growth, the monthly growth rate (e.g. --growth 10%)"},
		{"long horizon", []string{"dau", "growth", "horizon"}, func(in *PlanInput, _ *TierInput) { in.HorizonMonths = MaxHorizonMonths + 1 }, "--horizon 121: must be between 1 and 120 months"},
		{"two wait targets", []string{"dau", "max-wait", "max-wait-probability"}, nil, "give one target, not both"},
		{"zero wait", []string{"dau", "max-wait"}, nil, "--max-wait 0s: must be a duration greater than 0"},
		{"probability", []string{"dau", "max-wait-probability"}, nil, "--max-wait-probability 0: must be in (0, 1], e.g. 0.05 or 5%"},
		{"zero latency", []string{"dau", "latency"}, nil, "--latency 0s: must be a duration greater than 0"},
		{"zero db rate", []string{"dau", "db-qps-per-server"}, nil, "--db-qps-per-server 0: must be a number greater than 0"},
		{"factor below 1", []string{"dau", "peak-factor"}, func(in *PlanInput, _ *TierInput) { in.Demand.PeakFactor = 0.5 }, "capacity: peak_factor 0.5: must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, tier := base, TierInput{}
			if tt.edit != nil {
				tt.edit(&in, &tier)
			}
			if err := in.BindFlags(given(tt.flags...), &tier); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("BindFlags: %v, want %q", err, tt.want)
			}
		})
	}
	in, tier := base, TierInput{QueriesPerRequest: 3}
	in.Demand.PeakFactor = 4
	if err := in.BindFlags(given("dau", "peak-factor", "queries-per-request"), &tier); err != nil {
		t.Fatal(err)
	}
	if in.Demand.PeakShare != 0 || in.Demand.PeakWindow != 0 || in.GrowthRate != 0 || in.HorizonMonths != 0 || in.Tier != &tier {
		t.Errorf("BindFlags left %+v; want share and window and growth dropped, the tier set", in)
	}
	in = base
	if err := in.BindFlags(given("dau", "growth"), &tier); err != nil || in.GrowthRate != 0.1 || in.HorizonMonths != 12 || in.Tier != nil {
		t.Errorf("BindFlags: %v, %+v; want growth kept and no tier", err, in)
	}
}
