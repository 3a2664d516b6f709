package reports

import (
	"reflect"
	"testing"

	"gonum.org/v1/plot/plotter"
)

func TestSplitGaps(t *testing.T) {
	xy := func(xs ...float64) plotter.XYs {
		out := make(plotter.XYs, len(xs))
		for i, x := range xs {
			out[i].X = x
		}
		return out
	}
	tests := []struct {
		name    string
		in      plotter.XYs
		maxStep float64
		want    []plotter.XYs
	}{
		{"empty", nil, 1.5, nil},
		{"no gap", xy(0, 1, 2), 1.5, []plotter.XYs{xy(0, 1, 2)}},
		{"one gap", xy(0, 1, 5, 6), 1.5, []plotter.XYs{xy(0, 1), xy(5, 6)}},
		{"lone points", xy(0, 3, 9), 1.5, []plotter.XYs{xy(0), xy(3), xy(9)}},
		{"never split", xy(0, 100), 0, []plotter.XYs{xy(0, 100)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := splitGaps(tt.in, tt.maxStep); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNineTicks(t *testing.T) {
	var got []string
	for _, tk := range (nineTicks{}).Ticks(1, 1e7) {
		got = append(got, tk.Label)
	}
	want := []string{"50%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%", "99.99999%"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestPercentileCurve(t *testing.T) {
	r := fixtureResult(t)
	xys, err := percentileCurve(r.Histograms.Latency)
	if err != nil {
		t.Fatal(err)
	}
	last := xys[len(xys)-1]
	if last.X != 500 || last.Y != r.LatencyMS.Max {
		t.Errorf("last point: got %+v, want x 500 (the count), y %v (the max)", last, r.LatencyMS.Max)
	}
	for i := 1; i < len(xys); i++ {
		if xys[i].X <= xys[i-1].X || xys[i].Y < xys[i-1].Y {
			t.Fatalf("point %d: got %+v after %+v, want x increasing and y not decreasing", i, xys[i], xys[i-1])
		}
	}
}
