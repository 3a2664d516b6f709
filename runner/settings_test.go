package runner

import (
	"strings"
	"testing"
	"time"
)

func TestSettingsValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Settings)
		want   string // "" for valid
	}{
		{"defaults", func(*Settings) {}, ""},
		{"no scenario", func(s *Settings) { s.Scenario = "" }, "run: name a scenario"},
		{"scenario and targets", func(s *Settings) { s.VegetaTargets = "t.txt" }, "run: give a scenario or --vegeta-targets, not both"},
		{"zero sample interval", func(s *Settings) { s.SampleInterval = 0 }, "--sample-interval: 0s is not allowed"},
		{"shard without seed", func(s *Settings) { s.ShardSpec = "1/3" }, "--shard: give --seed N too"},
		{"shard with seed", func(s *Settings) { s.ShardSpec, s.Set["seed"] = "1/3", true }, ""},
		{"debug requests without debug", func(s *Settings) { s.DebugRequests = 3 }, "--debug-requests: needs --debug"},
		{"unknown debug mode", func(s *Settings) { s.Debug = "all" }, `--debug: "all" is not allowed`},
		{"too many debug requests", func(s *Settings) { s.Debug, s.DebugRequests = DebugFull, MaxDebugRequests+1 }, "--debug-requests: 1001 is not allowed, want 1 to 1000"},
		{"debug with a rate", func(s *Settings) { s.Debug, s.Set["rate"], s.Rate = DebugRedacted, true, "10/s" }, "drop --rate"},
		{"debug with a report", func(s *Settings) { s.Debug, s.Reports = DebugRedacted, []string{"md=r.md"} }, "drop --shard, --abort-on-fail, --report and --metrics-listen"},
		{"debug with a threshold", func(s *Settings) { s.Debug, s.Thresholds = DebugRedacted, []string{"p99<1s"} }, "no threshold: drop --threshold"},
		{"debug", func(s *Settings) { s.Debug, s.DebugRequests = DebugFull, 5 }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Settings{ScenarioOptions: ScenarioOptions{Scenario: "echo", Set: map[string]bool{}}, SampleInterval: time.Second}
			tt.change(&s)
			err := s.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestProbeSettingsValidate(t *testing.T) {
	tests := []struct {
		name      string
		change    func(*ProbeSettings)
		want      string // "" for valid
		wantStart float64
		wantMax   float64
	}{
		{"defaults", func(*ProbeSettings) {}, "", 100, 100000},
		{"per minute", func(p *ProbeSettings) { p.Start, p.Max = "600/m", "6000/m" }, "", 10, 100},
		{"bad start", func(p *ProbeSettings) { p.Start = "fast" }, "probe: --start: ", 0, 0},
		{"zero max", func(p *ProbeSettings) { p.Max = "0/s" }, `probe: --max "0/s": want a positive rate`, 0, 0},
		{"max below start", func(p *ProbeSettings) { p.Start, p.Max = "200/s", "100/s" }, "probe: --max 100/s is below --start 200/s", 0, 0},
		{"zero step", func(p *ProbeSettings) { p.StepDuration = 0 }, "probe: --step-duration 0s", 0, 0},
		{"negative connections", func(p *ProbeSettings) { p.Connections = -1 }, "probe: --connections -1, want 1 to", 0, 0},
		{"no steps", func(p *ProbeSettings) { p.MaxSteps = 0 }, "probe: --max-steps 0, want 1 or more", 0, 0},
		{"precision 100", func(p *ProbeSettings) { p.PrecisionPct = 100 }, "probe: --precision 100, want a percentage", 0, 0},
		{"negative pause", func(p *ProbeSettings) { p.Pause = -time.Second }, "probe: --pause -1s", 0, 0},
		{"zero sample interval", func(p *ProbeSettings) { p.SampleInterval = 0 }, "probe: --sample-interval 0s", 0, 0},
		{"bad target", func(p *ProbeSettings) { p.Target = "ftp://x" }, "probe: --target: ", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ProbeSettings{ScenarioOptions: ScenarioOptions{Scenario: "echo"}, Start: "100/s", Max: "100000/s",
				StepDuration: 10 * time.Second, MaxSteps: 20, PrecisionPct: 5, Pause: time.Second, SampleInterval: time.Second}
			tt.change(&p)
			err := p.Validate()
			switch {
			case tt.want == "" && (err != nil || p.StartRate != tt.wantStart || p.MaxRate != tt.wantMax):
				t.Fatalf("got %v, rates %g and %g; want no error, rates %g and %g", err, p.StartRate, p.MaxRate, tt.wantStart, tt.wantMax)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
