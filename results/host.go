package results

// Host is the host section of a result: the time series sampled on the load generator and on
// the server during the run, before it started and after it ended.
type Host struct {
	// Source names the run this section came from; set on the sections of a merged result.
	Source    string      `json:"source,omitempty"`
	Generator *HostSeries `json:"generator,omitempty"`
	Server    *HostSeries `json:"server,omitempty"`
}

// HostSeries is one side's samples and the min/mean/max of each series in them.
type HostSeries struct {
	// Origin says where the samples came from: "local" (this host), "pid N" or a /stats URL.
	Origin   string                `json:"origin"`
	SameHost bool                  `json:"same_host"`
	Samples  []Snapshot            `json:"samples"`
	Summary  map[string]SeriesStat `json:"summary"`
}

// SeriesStat is the min, mean and max of one sampled series (e.g. "load1", "cpu_user").
type SeriesStat struct {
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	Max  float64 `json:"max"`
}

// NewHostSeries builds one side's host series from a collector's samples, with the min/mean/max
// of each series (SummarizeSamples) filled in. origin says where the samples came from
// ("local", "pid N" or a /stats URL); sameHost whether that side ran on the generator's host.
func NewHostSeries(origin string, sameHost bool, samples []Snapshot) *HostSeries {
	hs := &HostSeries{Origin: origin, SameHost: sameHost, Samples: samples, Summary: map[string]SeriesStat{}}
	if hs.Samples == nil {
		hs.Samples = []Snapshot{}
	}
	for name, st := range SummarizeSamples(samples) {
		hs.Summary[name] = st
	}
	return hs
}
