package capacity

import (
	"math"
	"testing"
)

func TestLeastSquares(t *testing.T) {
	tests := []struct {
		name      string
		start     []float64
		m         int
		residuals func(p, r []float64, jac [][]float64)
		want      []float64
		tol       float64
	}{
		{
			// A straight line through (0,1), (1,3), (2,5), (3,7): y = 2x + 1 exactly.
			name: "line", start: []float64{0, 0}, m: 4, want: []float64{2, 1}, tol: 1e-12,
			residuals: func(p, r []float64, jac [][]float64) {
				for i := range r {
					x := float64(i)
					r[i] = p[0]*x + p[1] - (2*x + 1)
					if jac != nil {
						jac[i][0], jac[i][1] = x, 1
					}
				}
			},
		},
		{
			// Least squares, not interpolation: the mean of 1, 2, 6 is 3.
			name: "mean", start: []float64{10}, m: 3, want: []float64{3}, tol: 1e-12,
			residuals: func(p, r []float64, jac [][]float64) {
				for i, y := range []float64{1, 2, 6} {
					r[i] = p[0] - y
					if jac != nil {
						jac[i][0] = 1
					}
				}
			},
		},
		{
			// Rosenbrock's valley as residuals, r = (10(y − x²), 1 − x): the minimum is (1, 1),
			// reached from the classic start (−1.2, 1) along the curved valley.
			name: "rosenbrock", start: []float64{-1.2, 1}, m: 2, want: []float64{1, 1}, tol: 1e-10,
			residuals: func(p, r []float64, jac [][]float64) {
				r[0], r[1] = 10*(p[1]-p[0]*p[0]), 1-p[0]
				if jac != nil {
					jac[0][0], jac[0][1] = -20*p[0], 10
					jac[1][0], jac[1][1] = -1, 0
				}
			},
		},
		{
			// Exponential decay y = 5·e^(−0.5x) sampled exactly at x = 0..5.
			name: "exponential", start: []float64{1, 0.1}, m: 6, want: []float64{5, 0.5}, tol: 1e-10,
			residuals: func(p, r []float64, jac [][]float64) {
				for i := range r {
					x := float64(i)
					e := math.Exp(-p[1] * x)
					r[i] = p[0]*e - 5*math.Exp(-0.5*x)
					if jac != nil {
						jac[i][0], jac[i][1] = e, -p[0]*x*e
					}
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := append([]float64(nil), tt.start...)
			got := leastSquares(tt.start, tt.m, tt.residuals)
			for j := range tt.want {
				if math.Abs(got[j]-tt.want[j]) > tt.tol {
					t.Errorf("p[%d]: got %.15g, want %g (±%g)", j, got[j], tt.want[j], tt.tol)
				}
			}
			for j := range start {
				if tt.start[j] != start[j] {
					t.Errorf("the start was modified: got %v, want %v", tt.start, start)
				}
			}
		})
	}
}

func TestSolve(t *testing.T) {
	// 2x + y − z = 8, −3x − y + 2z = −11, −2x + y + 2z = −3: x = 2, y = 3, z = −1 (the
	// textbook example of Gaussian elimination); the first pivot needs a row swap.
	a := [][]float64{{2, 1, -1}, {-3, -1, 2}, {-2, 1, 2}}
	b := []float64{8, -11, -3}
	if !solve(a, b) {
		t.Fatal("solve: got singular, want x = (2, 3, −1)")
	}
	for i, want := range []float64{2, 3, -1} {
		if math.Abs(b[i]-want) > 1e-12 {
			t.Errorf("x[%d]: got %g, want %g", i, b[i], want)
		}
	}
	if solve([][]float64{{1, 2}, {2, 4}}, []float64{1, 2}) {
		t.Error("solve of a singular matrix: got true, want false")
	}
}
