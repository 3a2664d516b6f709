package capacity

import (
	"bufio"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// bookData is usl-book-32.csv (../shared/testdata), Baron Schwartz's data set, which
// codahale/usl tests its fit against.
func bookData(t testing.TB) []Point {
	t.Helper()
	f, err := os.Open("testdata/usl-book-32.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var pts []Point
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		a, b, _ := strings.Cut(sc.Text(), ",")
		n, err1 := strconv.ParseFloat(a, 64)
		x, err2 := strconv.ParseFloat(b, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad line %q", sc.Text())
		}
		pts = append(pts, Point{n, x})
	}
	return pts
}

func relClose(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Abs(want)
}

func TestFitUSLBook(t *testing.T) {
	fit, err := FitUSL(bookData(t))
	if err != nil {
		t.Fatal(err)
	}
	nmax, bounded := fit.MaxConcurrency()
	t.Logf("sigma=%.10g kappa=%.10g lambda=%.10g nmax=%d xmax=%.8g x20=%.8g r1=%.8g", fit.Sigma, fit.Kappa, fit.Lambda, nmax, fit.MaxThroughput(), fit.Throughput(20), fit.Latency(1))
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"sigma", fit.Sigma, 0.02671591},
		{"kappa", fit.Kappa, 7.690945e-4},
		{"lambda", fit.Lambda, 995.6486},
		{"X(Nmax)", fit.MaxThroughput(), 12341.745},
		{"X(20)", fit.Throughput(20), 11063.633},
		{"R(1)", fit.Latency(1), 0.00100437},
	} {
		if !relClose(c.got, c.want, 1e-5) {
			t.Errorf("%s: got %.10g, want %.10g (relative 1e-5)", c.name, c.got, c.want)
		}
	}
	if !bounded || nmax != 35 {
		t.Errorf("max concurrency: got %d (bounded %v), want 35", nmax, bounded)
	}
	if got := fit.Constraint(); got != ContentionConstrained {
		t.Errorf("constraint: got %s, want %s", got, ContentionConstrained)
	}
}

func TestFitUSLBoundaries(t *testing.T) {
	gen := func(m USL) []Point {
		var pts []Point
		for _, n := range []float64{1, 2, 4, 8, 16, 32, 64} {
			pts = append(pts, Point{n, m.Throughput(n)})
		}
		return pts
	}
	for _, c := range []struct {
		name string
		m    USL
		want Constraint
	}{
		{"linear", USL{Lambda: 100}, Linear},
		{"amdahl", USL{Sigma: 0.05, Lambda: 100}, ContentionConstrained},
		{"coherency only", USL{Kappa: 0.001, Lambda: 100}, CoherencyConstrained},
		{"both", USL{Sigma: 0.1, Kappa: 0.01, Lambda: 50}, ContentionConstrained},
	} {
		t.Run(c.name, func(t *testing.T) {
			fit, err := FitUSL(gen(c.m))
			if err != nil {
				t.Fatal(err)
			}
			if !relClose(fit.Lambda, c.m.Lambda, 1e-6) || math.Abs(fit.Sigma-c.m.Sigma) > 1e-7 || math.Abs(fit.Kappa-c.m.Kappa) > 1e-9 {
				t.Errorf("got σ=%g κ=%g λ=%g, want %+v", fit.Sigma, fit.Kappa, fit.Lambda, c.m)
			}
			if fit.Constraint() != c.want {
				t.Errorf("constraint: got %s, want %s", fit.Constraint(), c.want)
			}
		})
	}
}

func TestFitUSLRejects(t *testing.T) {
	five := bookData(t)[:5]
	if _, err := FitUSL(five); !errors.Is(err, ErrTooFewPoints) {
		t.Errorf("5 points: got %v, want ErrTooFewPoints", err)
	}
	same := []Point{{4, 1}, {4, 2}, {4, 3}, {8, 1}, {8, 2}, {8, 3}}
	if _, err := FitUSL(same); err == nil {
		t.Error("2 distinct concurrencies: got no error")
	}
	bad := append(bookData(t)[:6], Point{0, 5})
	if _, err := FitUSL(bad); err == nil {
		t.Error("concurrency 0: got no error")
	}
	neg := append(bookData(t)[:6], Point{7, -5})
	if _, err := FitUSL(neg); err == nil {
		t.Error("negative throughput: got no error")
	}
	book, err := FitUSL(bookData(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := book.Predict(1e300); !errors.Is(err, ErrNonFinitePrediction) {
		t.Errorf("prediction at N = 1e300: got %v, want ErrNonFinitePrediction", err)
	}
	if x, r, err := book.Predict(16); err != nil || x != book.Throughput(16) || r != book.Latency(16) {
		t.Errorf("prediction at N = 16: got %v, %v, %v, want X(16), R(16)", x, r, err)
	}
	huge := []Point{{1, 1e308}, {2, 1.5e308}, {3, 1.7e308}, {4, 1.75e308}, {5, 1.79e308}, {6, 1.797e308}}
	if fit, err := FitUSL(huge); !errors.Is(err, ErrNonFiniteFit) {
		t.Errorf("throughputs near 1e308: got %+v, %v, want ErrNonFiniteFit", fit, err)
	}
}

// TestFitUSLNoisy: on noisy data from random models the fit is never worse than the true
// parameters (the least-squares optimum can only beat them), so the search does not stall.
func TestFitUSLNoisy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		truth := USL{Sigma: rng.Float64() * 0.3, Kappa: rng.Float64() * 0.01, Lambda: 10 + rng.Float64()*1000}
		if i%5 == 0 {
			truth.Kappa = 0
		}
		var pts []Point
		for n := 1.0; n <= 40; n += 1 + math.Floor(rng.Float64()*4) {
			pts = append(pts, Point{n, truth.Throughput(n) * (1 + 0.05*(rng.Float64()-0.5))})
		}
		if len(pts) < MinUSLPoints {
			continue
		}
		fit, err := FitUSL(pts)
		if err != nil {
			t.Fatal(err)
		}
		var ssrTruth float64
		for _, p := range pts {
			r := p.Throughput - truth.Throughput(p.Concurrency)
			ssrTruth += r * r
		}
		if fit.SSR > ssrTruth*(1+1e-9) {
			t.Errorf("model %d %+v: fit SSR %g above the truth's %g (fit %+v)", i, truth, fit.SSR, ssrTruth, fit.USL)
		}
		if fit.Sigma < 0 || fit.Kappa < 0 {
			t.Errorf("model %d: negative parameters %+v", i, fit.USL)
		}
	}
}
