package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/loadtestdev/loadtest/capacity"
	"github.com/loadtestdev/loadtest/reports"
)

type capacityReshardOptions struct {
	Out io.Writer

	Keys         int64
	Users        int64
	From, To     int
	Scheme       string
	VirtualNodes int
	BytesPerKey  reshardSize
	CopyRate     reshardRate
	Output       string
}

func newCapacityReshardCmd(ios *IOStreams) *cobra.Command {
	opts := &capacityReshardOptions{Out: ios.Out}
	cmd := &cobra.Command{
		Use:   "reshard {--keys N | --users N} --from A --to B [--scheme all] [--bytes-per-key S --copy-rate R]",
		Short: "Count the keys a resharding moves under modulo, consistent, jump and rendezvous hashing",
		Long: `reshard places the keys 1..N on A nodes and then on B nodes, key by key, under each
placement scheme, and counts exactly the keys that change node, the data that moves and the
time it takes to copy at a given rate, and how evenly the keys lie before and after (the
largest node ÷ the mean).

Schemes (--scheme, or a comma-separated list; all by default):
  mod         id % N on the id itself: from N to N+1 nodes it moves N/(N+1) of the keys
  consistent  a ring with --vnodes points per node (Karger et al. 1997): about 1/(N+1)
  jump        jump consistent hash (Lamping & Veach 2014): 1/(N+1), near-perfect balance
  rendezvous  highest random weight (Thaler & Ravishankar 1998): 1/(N+1)
No scheme can move less than |B − A| / max(A, B): the keys bound for the added nodes.

Keys are streamed, not stored: 10 million keys take seconds and little memory.`,
		Example: `  capacity reshard --keys 1000000 --from 4 --to 5
  capacity reshard --users 200000 --from 1 --to 2 --scheme mod
  capacity reshard --keys 1000000 --from 10 --to 11 --bytes-per-key 2KiB --copy-rate 100MB/s -o md
  capacity reshard --keys 1000000 --from 10 --to 11 --scheme consistent --vnodes 1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			in, err := opts.input(cmd)
			if err != nil {
				return err
			}
			r, err := capacity.PlanReshard(cmd.Context(), in)
			if err != nil {
				return capInputError(cmd, err)
			}
			return reports.WriteReshard(opts.Out, opts.Output, r)
		},
	}
	fs := cmd.Flags()
	fs.Int64Var(&opts.Keys, "keys", 0, "place the keys 1..N (e.g. 10000000 or 10_000_000)")
	fs.Int64Var(&opts.Users, "users", 0, "place one key per user, ids 1..N (the same as --keys)")
	fs.IntVar(&opts.From, "from", 0, "nodes before (required)")
	fs.IntVar(&opts.To, "to", 0, "nodes after (required)")
	fs.StringVar(&opts.Scheme, "scheme", capacity.SchemeAll, "mod, consistent, jump, rendezvous, a comma-separated list of them, or all")
	fs.IntVar(&opts.VirtualNodes, "vnodes", 160, "points per node on the consistent-hashing ring (libketama uses 160)")
	fs.Var(&opts.BytesPerKey, "bytes-per-key", "size of one key and its value, e.g. 512, 2KiB or 1.5MB: prices the data moved")
	fs.Var(&opts.CopyRate, "copy-rate", "rate the moved data copies at, e.g. 100MB/s or 1GiB/s: prices the copy time")
	fs.StringVarP(&opts.Output, "output", "o", capOutText, "output format: text, json or md")
	return cmd
}

// input checks the flags and turns them into the library's input.
func (opts *capacityReshardOptions) input(cmd *cobra.Command) (capacity.ReshardInput, error) {
	fs := cmd.Flags()
	if err := capCheckOutput(opts.Output); err != nil {
		return capacity.ReshardInput{}, err
	}
	keysFlag, keys := "keys", opts.Keys
	switch {
	case fs.Changed("keys") && fs.Changed("users"):
		return capacity.ReshardInput{}, usageError(errors.New("give --keys or --users, not both: they are the same count"))
	case fs.Changed("users"):
		keysFlag, keys = "users", opts.Users
	case !fs.Changed("keys"):
		return capacity.ReshardInput{}, usageError(errors.New("--keys is required: how many keys to place, e.g. --keys 1000000 (or --users N)"))
	}
	for _, name := range []string{"from", "to"} {
		if !fs.Changed(name) {
			return capacity.ReshardInput{}, usageError(fmt.Errorf("--%s is required: the nodes %s, e.g. --from 4 --to 5", name, map[string]string{"from": "before", "to": "after"}[name]))
		}
	}
	if opts.To == opts.From {
		return capacity.ReshardInput{}, usageError(fmt.Errorf("--to %d: must differ from --from %d: nothing would move", opts.To, opts.From))
	}
	if keys < 1 || uint64(keys) > capacity.MaxKeys {
		return capacity.ReshardInput{}, usageError(fmt.Errorf("--%s %d: must be a whole number from 1 to %d", keysFlag, keys, int64(capacity.MaxKeys)))
	}
	schemes, err := capacity.ParseSchemes(opts.Scheme)
	if err != nil {
		return capacity.ReshardInput{}, usageError(fmt.Errorf("--scheme %s: %w", opts.Scheme, err))
	}
	if fs.Changed("copy-rate") && opts.BytesPerKey == 0 {
		return capacity.ReshardInput{}, usageError(errors.New("--copy-rate needs --bytes-per-key: the copy time is the data moved ÷ the rate"))
	}
	return capacity.ReshardInput{Keys: uint64(keys), From: opts.From, To: opts.To, Schemes: schemes,
		VirtualNodes: opts.VirtualNodes, BytesPerKey: float64(opts.BytesPerKey), CopyRate: float64(opts.CopyRate)}, nil
}

// reshardSize is a size flag in bytes (capacity.ParseDataSize: 512, 2KiB, 1.5MB).
type reshardSize float64

func (s *reshardSize) Set(v string) error {
	n, err := capacity.ParseDataSize(v)
	if err == nil {
		*s = reshardSize(n)
	}
	return err
}

func (s *reshardSize) String() string { return strconv.FormatFloat(float64(*s), 'f', -1, 64) }
func (*reshardSize) Type() string     { return "size" }

// reshardRate is a rate flag in bytes per second (capacity.ParseCopyRate: 100MB/s, 1GiB/s).
type reshardRate float64

func (r *reshardRate) Set(v string) error {
	n, err := capacity.ParseCopyRate(v)
	if err == nil {
		*r = reshardRate(n)
	}
	return err
}

func (r *reshardRate) String() string { return strconv.FormatFloat(float64(*r), 'f', -1, 64) + "B/s" }
func (*reshardRate) Type() string     { return "rate" }

var (
	_ pflag.Value = (*reshardSize)(nil)
	_ pflag.Value = (*reshardRate)(nil)
)
