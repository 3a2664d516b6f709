package capacity

import (
	"errors"
	"fmt"
	"strconv"
)

// ReshardFlags are capacity reshard's flags as given; Given says whether a flag (by name) was
// on the command line.
type ReshardFlags struct {
	Keys, Users  int64
	From, To     int
	Scheme       string
	VirtualNodes int
	BytesPerKey  DataSize
	CopyRate     CopyRate
	Given        func(flag string) bool
}

// Input checks the flags against each other and turns them into a ReshardInput. Its errors
// name the flag and what is allowed; the rest is ReshardInput.Validate's.
func (f ReshardFlags) Input() (ReshardInput, error) {
	keysFlag, keys := "keys", f.Keys
	switch {
	case f.Given("keys") && f.Given("users"):
		return ReshardInput{}, errors.New("give --keys or --users, not both: they are the same count")
	case f.Given("users"):
		keysFlag, keys = "users", f.Users
	case !f.Given("keys"):
		return ReshardInput{}, errors.New("--keys is required: how many keys to place, e.g. --keys 1000000 (or --users N)")
	}
	for _, name := range []string{"from", "to"} {
		if !f.Given(name) {
			return ReshardInput{}, fmt.Errorf("--%s is required: the nodes %s, e.g. --from 4 --to 5", name, map[string]string{"from": "before", "to": "after"}[name])
		}
	}
	if f.To == f.From {
		return ReshardInput{}, fmt.Errorf("--to %d: must differ from --from %d: nothing would move", f.To, f.From)
	}
	if keys < 1 || uint64(keys) > MaxKeys {
		return ReshardInput{}, fmt.Errorf("--%s %d: must be a whole number from 1 to %d", keysFlag, keys, int64(MaxKeys))
	}
	schemes, err := ParseSchemes(f.Scheme)
	if err != nil {
		return ReshardInput{}, fmt.Errorf("--scheme %s: %w", f.Scheme, err)
	}
	if f.Given("copy-rate") && f.BytesPerKey == 0 {
		return ReshardInput{}, errors.New("--copy-rate needs --bytes-per-key: the copy time is the data moved ÷ the rate")
	}
	return ReshardInput{Keys: uint64(keys), From: f.From, To: f.To, Schemes: schemes,
		VirtualNodes: f.VirtualNodes, BytesPerKey: float64(f.BytesPerKey), CopyRate: float64(f.CopyRate)}, nil
}

// DataSize is a size flag in bytes (ParseDataSize: 512, 2KiB, 1.5MB).
type DataSize float64

func (s *DataSize) Set(v string) error {
	n, err := ParseDataSize(v)
	if err == nil {
		*s = DataSize(n)
	}
	return err
}

func (s *DataSize) String() string { return strconv.FormatFloat(float64(*s), 'f', -1, 64) }
func (*DataSize) Type() string     { return "size" }

// CopyRate is a rate flag in bytes per second (ParseCopyRate: 100MB/s, 1GiB/s).
type CopyRate float64

func (r *CopyRate) Set(v string) error {
	n, err := ParseCopyRate(v)
	if err == nil {
		*r = CopyRate(n)
	}
	return err
}

func (r *CopyRate) String() string { return strconv.FormatFloat(float64(*r), 'f', -1, 64) + "B/s" }
func (*CopyRate) Type() string     { return "rate" }
