//go:build race

package scenarios

// raceEnabled is set when tests run under -race, where sync.Pool drops items at random and
// allocation counts mean nothing.
const raceEnabled = true
