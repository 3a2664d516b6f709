// Package capacity turns demand and measurements into server counts. It is pure arithmetic:
// no I/O, no HTTP, no flags. The command line (package cli) reads result files and CSVs and
// passes numbers in; package reports renders the results.
//
// A plan records the steps of its arithmetic (Step) where it does them, so that an
// explanation of a plan (Plan.Explain) shows the numbers the plan used.
//
// The models and where they come from:
//
//   - Demand and the peak rule (demand.go): daily requests = DAU × requests per user; the
//     average rate spreads them over 86,400 s and the peak puts a share of them into a window
//     of the day (the 80/20 rule: 80% of the requests in 20% of the day, a peak factor of 4).
//   - Supply (supply.go): servers = ⌈peak / (per-server rate × target utilisation)⌉ plus N+k
//     redundancy, optionally spread over zones so that losing a whole zone still carries the
//     peak. Ceilings are exact (CeilRatio) so that 400/200 is 2, not 3.
//   - Tiers (tiers.go): database queries per second behind a cache with hit ratio h.
//   - The fleet (fleet*.go): a whole backend sized from the traffic, the mix of requests and
//     each tier's measured capacity: app servers from the weighted harmonic mean of the rates
//     per kind of request, 1 / Σ (share_i / rate_i) (the service demand law); cache nodes by
//     operations and memory; database shards by writes or storage, replicas per shard warm and
//     with a cold cache; task workers; month by month under growth. docs/capacity.md has each
//     formula's source.
//   - Little's law (littles.go): L = λW (J. D. C. Little, "A Proof for the Queuing Formula
//     L = λW", Operations Research 9(3), 1961).
//   - M/M/c queues (erlang.go): the Erlang B recursion and Erlang C (L. Kleinrock, Queueing
//     Systems Vol. 1, 1975, §3.5; N. J. Gunther, Analyzing Computer System Performance with
//     Perl::PDQ, 2nd ed., 2011, ch. 2), computed in the numerically stable recursive form.
//   - The Universal Scalability Law (usl.go): X(N) = λN / (1 + σ(N−1) + κN(N−1)) (N. J.
//     Gunther, Guerrilla Capacity Planning, Springer 2007, eq. 4.31; B. Schwartz, Practical
//     Scalability Analysis with the Universal Scalability Law, 2015), fitted by nonlinear
//     least squares by Levenberg–Marquardt (lm.go).
package capacity
