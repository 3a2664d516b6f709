package capacity

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// MinUSLPoints is the fewest measurements FitUSL accepts: three parameters need a margin of
// data beyond them before the fit means anything.
const MinUSLPoints = 6

// ErrTooFewPoints is returned by FitUSL for fewer than MinUSLPoints measurements.
var ErrTooFewPoints = errors.New("capacity: a USL fit needs at least 6 measurements")

// ErrNonFiniteFit is returned when the fitted parameters or the goodness of fit overflow
// float64 (throughputs near 1e308 do): such a fit says nothing, so it is not returned.
var ErrNonFiniteFit = errors.New("capacity: the USL fit is not finite")

// Point is one measurement of a scalability sweep: throughput X (req/s) at concurrency N.
type Point struct {
	Concurrency float64 `json:"concurrency"`
	Throughput  float64 `json:"throughput"`
}

// USL is a Universal Scalability Law model (Gunther, Guerrilla Capacity Planning, eq. 4.31):
//
//	X(N) = λN / (1 + σ(N−1) + κN(N−1))
//
// σ (Sigma) is contention (the serial fraction, Amdahl's law), κ (Kappa) coherency (the cost
// of keeping N units in step, pairwise), λ (Lambda) the throughput of one unit.
type USL struct {
	Sigma  float64 `json:"sigma"`
	Kappa  float64 `json:"kappa"`
	Lambda float64 `json:"lambda"`
}

// Constraint names what limits a USL model's scaling.
type Constraint string

// The constraints a USL model can have. Following codahale/usl, a model is contention-
// constrained when σ > κ and coherency-constrained when κ ≥ σ > 0 or κ > 0 = σ; a model with
// σ = κ = 0 scales linearly.
const (
	ContentionConstrained Constraint = "contention"
	CoherencyConstrained  Constraint = "coherency"
	Linear                Constraint = "linear"
)

// Throughput is X(N), the modelled throughput at concurrency n.
func (m USL) Throughput(n float64) float64 {
	return m.Lambda * n / m.denominator(n)
}

// Latency is R(N) = N / X(N) = (1 + σ(N−1) + κN(N−1)) / λ, the modelled mean time one unit of
// work takes at concurrency n, in seconds when λ is per second (Little's law applied to X(N);
// Gunther, GCaP §5.6).
func (m USL) Latency(n float64) float64 {
	return m.denominator(n) / m.Lambda
}

// ErrNonFinitePrediction is returned by Predict for a concurrency so large that X(N) or
// R(N) overflows float64.
var ErrNonFinitePrediction = errors.New("capacity: the USL prediction is not finite")

// Predict is X(N) and R(N) at concurrency n, or ErrNonFinitePrediction when either is not a
// finite number (κN(N−1) overflows for N near 1e154 and beyond).
func (m USL) Predict(n float64) (throughput, latency float64, err error) {
	x, r := m.Throughput(n), m.Latency(n)
	for _, v := range []float64{x, r} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, 0, fmt.Errorf("%w at N = %g (X = %g, R = %g): predict at a smaller concurrency", ErrNonFinitePrediction, n, x, r)
		}
	}
	return x, r, nil
}

func (m USL) denominator(n float64) float64 {
	return 1 + m.Sigma*(n-1) + m.Kappa*n*(n-1)
}

// MaxConcurrency is N* = ⌊√((1−σ)/κ)⌋, the concurrency at which X(N) peaks (Gunther, GCaP
// eq. 4.33, rounded down). bounded is false when κ = 0: throughput then rises for ever
// towards λ/σ (Amdahl's law) and there is no peak. N* is at least 1.
func (m USL) MaxConcurrency() (n int, bounded bool) {
	if m.Kappa <= 0 {
		return 0, false
	}
	if m.Sigma >= 1 {
		return 1, true
	}
	nmax := math.Floor(math.Sqrt((1 - m.Sigma) / m.Kappa))
	if nmax < 1 {
		nmax = 1
	}
	if nmax > math.MaxInt32 {
		nmax = math.MaxInt32
	}
	return int(nmax), true
}

// MaxThroughput is X(N*), the throughput at MaxConcurrency. Without a peak (κ = 0) it is
// the asymptote λ/σ, or +Inf for a linear model.
func (m USL) MaxThroughput() float64 {
	n, bounded := m.MaxConcurrency()
	if bounded {
		return m.Throughput(float64(n))
	}
	if m.Sigma > 0 {
		return m.Lambda / m.Sigma
	}
	return math.Inf(1)
}

// Constraint says whether contention or coherency limits the model (see the constants).
func (m USL) Constraint() Constraint {
	switch {
	case m.Sigma == 0 && m.Kappa == 0:
		return Linear
	case m.Sigma > m.Kappa:
		return ContentionConstrained
	default:
		return CoherencyConstrained
	}
}

// USLFit is a USL model fitted to measurements, with the quality of the fit.
type USLFit struct {
	USL
	Points []Point `json:"points"`
	// SSR is the sum of squared residuals, Σ (X_i − X(N_i))², in (req/s)².
	SSR float64 `json:"ssr"`
	// RSquared is the coefficient of determination 1 − SSR / Σ (X_i − mean X)².
	RSquared float64 `json:"r_squared"`
}

// FitUSL fits σ, κ and λ to points by least squares on throughput, minimising
// Σ (X_i − λN_i / (1 + σ(N_i−1) + κN_i(N_i−1)))² subject to σ, κ ≥ 0.
//
// Method: for fixed σ and κ the best λ is linear least squares, λ = Σ X_i g_i / Σ g_i² with
// g_i = N_i / (1 + σ(N_i−1) + κN_i(N_i−1)) (variable projection, Golub and Pereyra 1973),
// and the fit's SSR is that of this λ. σ, κ and λ are searched by Levenberg–Marquardt with
// the analytic Jacobian (leastSquares: three unknowns need no linear-algebra library). The
// bounds are kept by writing σ = s² and κ = (k/N_max)² (the N_max scaling puts s and k on the
// same order); each face of the bounds (σ = 0, κ = 0, both) is fitted too and the simplest model
// whose residual is as small wins, so a boundary optimum comes out as an exact 0. Starting
// values come from Gunther's linearisation N/C(N) − 1 = σ(N−1) + κN(N−1) with C = X/X(1)
// (GCaP §5.5).
func FitUSL(points []Point) (*USLFit, error) {
	if len(points) < MinUSLPoints {
		return nil, fmt.Errorf("%w, got %d", ErrTooFewPoints, len(points))
	}
	distinct := map[float64]bool{}
	for i, p := range points {
		if !(p.Concurrency >= 1) || math.IsInf(p.Concurrency, 0) {
			return nil, fmt.Errorf("capacity: point %d: concurrency %g must be a finite number ≥ 1", i+1, p.Concurrency)
		}
		if !(p.Throughput > 0) || math.IsInf(p.Throughput, 0) {
			return nil, fmt.Errorf("capacity: point %d: throughput %g must be a finite number > 0", i+1, p.Throughput)
		}
		distinct[p.Concurrency] = true
	}
	if len(distinct) < 3 {
		return nil, fmt.Errorf("capacity: a USL fit needs at least 3 distinct concurrency values, got %d", len(distinct))
	}
	pts := append([]Point(nil), points...)
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].Concurrency < pts[j].Concurrency })

	obj := newUSLObjective(pts)
	sigma0, kappa0 := linearisedStart(pts)
	best := obj.fit(sigma0, kappa0, true, true)
	for _, free := range [][2]bool{{true, false}, {false, true}, {false, false}} {
		cand := obj.fit(sigma0, kappa0, free[0], free[1])
		// A model with fewer free parameters wins unless the fuller one is really better.
		if cand.ssr <= best.ssr*(1+1e-9)+1e-300 {
			best = cand
		}
	}
	fit := &USLFit{USL: USL{Sigma: best.sigma, Kappa: best.kappa, Lambda: obj.lambda(best.sigma, best.kappa)}, Points: pts}
	var mean, sst float64
	for _, p := range pts {
		mean += p.Throughput
	}
	mean /= float64(len(pts))
	for _, p := range pts {
		r := p.Throughput - fit.Throughput(p.Concurrency)
		fit.SSR += r * r
		sst += (p.Throughput - mean) * (p.Throughput - mean)
	}
	if sst > 0 {
		fit.RSquared = 1 - fit.SSR/sst
	}
	if err := fit.checkFinite(sst); err != nil {
		return nil, err
	}
	return fit, nil
}

// checkFinite returns ErrNonFiniteFit, naming the figures that overflowed, unless σ, κ, λ,
// the residual and total sums of squares and R² are all finite numbers.
func (f *USLFit) checkFinite(sst float64) error {
	var bad []string
	for _, v := range []struct {
		name string
		v    float64
	}{{"σ", f.Sigma}, {"κ", f.Kappa}, {"λ", f.Lambda}, {"SSR", f.SSR}, {"SST", sst}, {"R²", f.RSquared}} {
		if math.IsNaN(v.v) || math.IsInf(v.v, 0) {
			bad = append(bad, fmt.Sprintf("%s = %g", v.name, v.v))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("%w (%s): the throughputs are too large for float64 arithmetic; give them in a larger unit (e.g. thousands of req/s)", ErrNonFiniteFit, strings.Join(bad, ", "))
}

// linearisedStart estimates σ and κ from C(N) = X(N)/X(1): N/C − 1 = σ(N−1) + κN(N−1), a
// linear regression through the origin (Gunther, GCaP §5.5). X(1) is taken as the
// throughput per unit at the lowest concurrency measured.
func linearisedStart(pts []Point) (sigma, kappa float64) {
	x1 := pts[0].Throughput / pts[0].Concurrency
	var a11, a12, a22, b1, b2 float64
	for _, p := range pts {
		n := p.Concurrency
		if n <= 1 {
			continue
		}
		y := n/(p.Throughput/x1) - 1
		u, v := n-1, n*(n-1)
		a11 += u * u
		a12 += u * v
		a22 += v * v
		b1 += u * y
		b2 += v * y
	}
	det := a11*a22 - a12*a12
	if det != 0 {
		sigma = (b1*a22 - b2*a12) / det
		kappa = (a11*b2 - a12*b1) / det
	}
	// Keep the start strictly inside the bounds (σ = s² needs s ≠ 0 to move).
	sigma = math.Min(math.Max(sigma, 1e-3), 0.9)
	kappa = math.Max(kappa, 1e-6)
	return sigma, kappa
}

// uslObjective is the variable-projection objective: the normalised sum of squared
// residuals as a function of σ and κ alone, λ being solved for.
type uslObjective struct {
	pts   []Point
	scale float64 // N_max, scales κ
	sumX2 float64 // Σ X², normalises the objective to O(1)
}

type uslCandidate struct {
	sigma, kappa, ssr float64
}

func newUSLObjective(pts []Point) *uslObjective {
	o := &uslObjective{pts: pts, scale: pts[len(pts)-1].Concurrency}
	for _, p := range pts {
		o.sumX2 += p.Throughput * p.Throughput
	}
	return o
}

// lambda is the least-squares λ for fixed σ, κ: Σ X g / Σ g².
func (o *uslObjective) lambda(sigma, kappa float64) float64 {
	var xg, gg float64
	for _, p := range o.pts {
		g := p.Concurrency / (1 + sigma*(p.Concurrency-1) + kappa*p.Concurrency*(p.Concurrency-1))
		xg += p.Throughput * g
		gg += g * g
	}
	return xg / gg
}

// eval returns the normalised SSR at σ and κ, with the least-squares λ.
func (o *uslObjective) eval(sigma, kappa float64) float64 {
	lam := o.lambda(sigma, kappa)
	var f float64
	for _, p := range o.pts {
		n := p.Concurrency
		r := lam*n/(1+sigma*(n-1)+kappa*n*(n-1)) - p.Throughput
		f += r * r
	}
	return f / o.sumX2
}

// fit minimises the sum of squared residuals over the free parameters (the others are held
// at 0) from the given start, by Levenberg–Marquardt (leastSquares) on all of them and λ:
// σ = s², κ = (k/N_max)², λ = l·λ₀ with λ₀ the least-squares λ at the start, and the
// residuals divided by √Σ X², so every variable and the sum are of order 1. The SSR is then
// that of the least-squares λ for the σ and κ found (variable projection), which is the
// optimum's own λ.
func (o *uslObjective) fit(sigma0, kappa0 float64, freeSigma, freeKappa bool) uslCandidate {
	if !freeSigma {
		sigma0 = 0
	}
	if !freeKappa {
		kappa0 = 0
	}
	if !freeSigma && !freeKappa {
		f := o.eval(0, 0)
		return uslCandidate{ssr: f}
	}
	lam0 := o.lambda(sigma0, kappa0)
	norm := math.Sqrt(o.sumX2)
	var p []float64
	if freeSigma {
		p = append(p, math.Sqrt(sigma0))
	}
	if freeKappa {
		p = append(p, math.Sqrt(kappa0)*o.scale)
	}
	p = append(p, 1)
	model := func(p []float64) (sigma, kappa, lam float64) {
		i := 0
		if freeSigma {
			sigma = p[i] * p[i]
			i++
		}
		if freeKappa {
			k := p[i] / o.scale
			kappa = k * k
			i++
		}
		return sigma, kappa, p[i] * lam0
	}
	// r_i = (λN/D − X)/√ΣX² with D = 1 + σ(N−1) + κN(N−1); ∂r/∂σ = −λN(N−1)/D²,
	// ∂r/∂κ = −λN²(N−1)/D², ∂r/∂λ = N/D, then the chain rule to s, k and l.
	p = leastSquares(p, len(o.pts), func(p, r []float64, jac [][]float64) {
		sigma, kappa, lam := model(p)
		for i, pt := range o.pts {
			n := pt.Concurrency
			d := 1 + sigma*(n-1) + kappa*n*(n-1)
			r[i] = (lam*n/d - pt.Throughput) / norm
			if jac == nil {
				continue
			}
			dSigma := -lam * n * (n - 1) / (d * d) / norm
			j := 0
			if freeSigma {
				jac[i][j] = dSigma * 2 * p[j]
				j++
			}
			if freeKappa {
				jac[i][j] = dSigma * n * 2 * p[j] / (o.scale * o.scale)
				j++
			}
			jac[i][j] = n / d * lam0 / norm
		}
	})
	s, k, _ := model(p)
	f := o.eval(s, k)
	return uslCandidate{sigma: s, kappa: k, ssr: f}
}
