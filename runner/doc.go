// Package runner owns a run's whole life: it prepares the target (the bundled server as a
// child process, runner/bundled), compiles the scenario into the engine's options, serves the
// live metrics, samples both hosts around the attack, plays the run's role (a single run, a
// standalone shard, a coordinated shard or the coordinator), gates it on its thresholds
// (abort-on-fail included), follows the interrupt rules and hands back the result, also a
// partial one with the reason. The CLI binds flags into Options, calls Run (or Probe, which
// runs one attack per step), and writes and renders what comes back.
package runner
