package capacity

// SecondsPerDay is the length of the day the demand model spreads requests over.
const SecondsPerDay = 86400

// Defaults of the demand model: 200 requests per user per day, and the 80/20 rule (80% of the
// day's requests arrive in 20% of the day, a peak factor of 4).
const (
	DefaultRequestsPerUser = 200
	DefaultPeakShare       = 0.8
	DefaultPeakWindow      = 0.2
)

// DemandInput describes the users and how their requests bunch up. PeakFactor, when > 0,
// replaces PeakShare and PeakWindow: peak = average × PeakFactor.
type DemandInput struct {
	DAU             float64 `json:"dau"`
	RequestsPerUser float64 `json:"requests_per_user"`
	PeakShare       float64 `json:"peak_share,omitempty"`
	PeakWindow      float64 `json:"peak_window,omitempty"`
	PeakFactor      float64 `json:"peak_factor,omitempty"`
}

// Demand is the load the users put on the service.
type Demand struct {
	// DailyRequests = DAU × requests per user per day.
	DailyRequests float64 `json:"daily_requests"`
	// AverageRPS = daily requests / 86,400.
	AverageRPS float64 `json:"average_rps"`
	// PeakRPS = daily × peak share / (86,400 × peak window), or average × peak factor.
	PeakRPS float64 `json:"peak_rps"`
	// PeakFactor = peak / average = peak share / peak window.
	PeakFactor float64 `json:"peak_factor"`
	// Steps are the formulas above with the numbers put in.
	Steps []Step `json:"-"`
}

// Validate checks the demand inputs: DAU and requests positive; share and window in (0, 1]
// and the share at least the window (otherwise the "peak" would be below the average); a
// peak factor, if given, at least 1.
func (in DemandInput) Validate() error {
	if err := positive("dau", in.DAU); err != nil {
		return err
	}
	if err := positive("requests_per_user", in.RequestsPerUser); err != nil {
		return err
	}
	if in.PeakFactor != 0 {
		if !(in.PeakFactor >= 1) || isInf(in.PeakFactor) {
			return badInput("peak_factor", in.PeakFactor, "at least 1 (the peak cannot be below the average)")
		}
		return nil
	}
	if err := unitInterval("peak_share", in.PeakShare); err != nil {
		return err
	}
	if err := unitInterval("peak_window", in.PeakWindow); err != nil {
		return err
	}
	if in.PeakShare < in.PeakWindow {
		return badInput("peak_share", in.PeakShare, formatValue(in.PeakWindow)+" (the peak window) or more: a smaller share puts the peak below the average")
	}
	return nil
}

// ComputeDemand applies the peak rule to the users.
func ComputeDemand(in DemandInput) (Demand, error) {
	if err := in.Validate(); err != nil {
		return Demand{}, err
	}
	daily := in.DAU * in.RequestsPerUser
	d := Demand{DailyRequests: daily, AverageRPS: daily / SecondsPerDay}
	d.Steps = []Step{
		step("daily = DAU × requests per user", "daily = {} × {} = {} requests", num(in.DAU), num(in.RequestsPerUser), num(daily)),
		step("average = daily / 86,400", "average = {} / 86,400 = {} req/s", num(daily), num(d.AverageRPS)),
	}
	if in.PeakFactor != 0 {
		d.PeakFactor = in.PeakFactor
		d.PeakRPS = d.AverageRPS * in.PeakFactor
		d.Steps = append(d.Steps, step("peak = average × peak factor", "peak = {} × {} = {} req/s", num(d.AverageRPS), num(in.PeakFactor), num(d.PeakRPS)))
	} else {
		d.PeakFactor = in.PeakShare / in.PeakWindow
		d.PeakRPS = daily * in.PeakShare / (SecondsPerDay * in.PeakWindow)
		d.Steps = append(d.Steps,
			step("peak = daily × peak share / (86,400 × peak window)", "peak = {} × {} / (86,400 × {}) = {} req/s",
				num(daily), num(in.PeakShare), num(in.PeakWindow), num(d.PeakRPS)),
			step("peak factor = peak share / peak window", "peak factor = {} / {} = {}", num(in.PeakShare), num(in.PeakWindow), num(d.PeakFactor)))
	}
	return d, nil
}
