package capacity

import "math"

// leastSquares minimises Σ r_i(p)² over p by Levenberg–Marquardt (Marquardt 1963, with the
// damping scaled by the diagonal of JᵀJ as in Moré 1978, "The Levenberg–Marquardt algorithm:
// implementation and theory") from the start p, and returns the best p found. residuals fills
// r (m values) at p and, when jac is not nil, the Jacobian jac[i][j] = ∂r_i/∂p_j.
//
// It is for the handful of parameters of a model fit (the normal equations are solved by
// Gaussian elimination), not for large problems. A step is taken when it does not raise the
// sum (near the optimum the sum is flat to the last bit while p still moves in its 12th
// digit). It stops when no step can be taken (the damping has grown past any use), when a
// step no longer changes p in the 15th digit, or after maxIterations steps.
func leastSquares(p []float64, m int, residuals func(p, r []float64, jac [][]float64)) []float64 {
	const maxIterations = 1000
	n := len(p)
	r, rTry := make([]float64, m), make([]float64, m)
	jac := make([][]float64, m)
	for i := range jac {
		jac[i] = make([]float64, n)
	}
	a, g, step, try := newSquare(n), make([]float64, n), make([]float64, n), make([]float64, n)
	p = append([]float64(nil), p...)
	residuals(p, r, jac)
	cost := sumSquares(r)
	mu := 1e-3
	for iter := 0; iter < maxIterations && cost > 0; iter++ {
		// The normal equations of the linearised problem: JᵀJ δ = −Jᵀr.
		for j := 0; j < n; j++ {
			g[j] = 0
			for k := 0; k < n; k++ {
				a[j][k] = 0
			}
		}
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				g[j] += jac[i][j] * r[i]
				for k := 0; k < n; k++ {
					a[j][k] += jac[i][j] * jac[i][k]
				}
			}
		}
		accepted := false
		for ; mu < 1e20; mu *= 10 {
			damped := newSquare(n)
			for j := 0; j < n; j++ {
				copy(damped[j], a[j])
				damped[j][j] += mu * math.Max(a[j][j], 1e-300)
				step[j] = -g[j]
			}
			if !solve(damped, step) {
				continue
			}
			for j := range p {
				try[j] = p[j] + step[j]
			}
			residuals(try, rTry, nil)
			if c := sumSquares(rTry); c <= cost {
				cost, accepted = c, true
				mu = math.Max(mu/10, 1e-15)
				break
			}
		}
		if !accepted {
			return p
		}
		moved := false
		for j := range p {
			if math.Abs(step[j]) > 1e-15*math.Max(math.Abs(p[j]), 1e-15) {
				moved = true
			}
			p[j] = try[j]
		}
		residuals(p, r, jac)
		if !moved {
			return p
		}
	}
	return p
}

func newSquare(n int) [][]float64 {
	a := make([][]float64, n)
	for i := range a {
		a[i] = make([]float64, n)
	}
	return a
}

func sumSquares(r []float64) float64 {
	var s float64
	for _, v := range r {
		s += v * v
	}
	return s
}

// solve solves a x = b in place (b becomes x) by Gaussian elimination with partial pivoting;
// it returns false when a is singular or the solution is not finite. a is overwritten.
func solve(a [][]float64, b []float64) bool {
	n := len(b)
	for c := 0; c < n; c++ {
		piv := c
		for i := c + 1; i < n; i++ {
			if math.Abs(a[i][c]) > math.Abs(a[piv][c]) {
				piv = i
			}
		}
		if a[piv][c] == 0 {
			return false
		}
		a[c], a[piv] = a[piv], a[c]
		b[c], b[piv] = b[piv], b[c]
		for i := c + 1; i < n; i++ {
			f := a[i][c] / a[c][c]
			for k := c; k < n; k++ {
				a[i][k] -= f * a[c][k]
			}
			b[i] -= f * b[c]
		}
	}
	for i := n - 1; i >= 0; i-- {
		for k := i + 1; k < n; k++ {
			b[i] -= a[i][k] * b[k]
		}
		b[i] /= a[i][i]
		if math.IsNaN(b[i]) || math.IsInf(b[i], 0) {
			return false
		}
	}
	return true
}
