// Package collector samples the load average, CPU, memory and process figures of the machines
// on both sides of a load test (with gopsutil), so a report can say whether the target or the
// load generator was the bottleneck. The samples it takes are results.Snapshot values, the same
// type a result file's host section stores. RunTop is loadtest top's screen loop.
package collector
